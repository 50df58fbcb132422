// SQ8 codec: training (ranges, integer data, constant dimensions, trimming), round-trip error,
// asymmetric distances against the decoded and original vectors, ranking quality, parameters.
#include "quant/sq8_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "quant/codec_test_data.h"
#include "testing/status_matchers.h"

namespace vecdex::quant {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<Codec> make(size_t dim, Metric metric, Sq8Options options = {}) {
  Result<std::unique_ptr<Codec>> codec = make_sq8_codec(dim, metric, options);
  EXPECT_THAT(codec, IsOk());
  return codec.ok() ? std::move(*codec) : nullptr;
}

MatrixView view(const std::vector<float>& data, size_t dim) {
  return MatrixView{data.data(), data.size() / dim, dim};
}

std::vector<float> min_of_columns(const std::vector<float>& data, size_t dim) {
  std::vector<float> lo(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(dim));
  for (size_t i = 0; i < data.size(); ++i)
    lo[i % dim] = std::min(lo[i % dim], data[i]);
  return lo;
}
std::vector<float> max_of_columns(const std::vector<float>& data, size_t dim) {
  std::vector<float> hi(data.begin(), data.begin() + static_cast<std::ptrdiff_t>(dim));
  for (size_t i = 0; i < data.size(); ++i)
    hi[i % dim] = std::max(hi[i % dim], data[i]);
  return hi;
}

std::string metric_name_of(const ::testing::TestParamInfo<Metric>& info) {
  return info.param == Metric::kL2 ? "L2" : info.param == Metric::kInnerProduct ? "IP" : "Cosine";
}

class Sq8MetricTest : public ::testing::TestWithParam<Metric> {
 protected:
  std::vector<float> data(size_t rows, size_t dim, uint64_t seed) {
    std::vector<float> v = testing::clustered(rows, dim, 20, 0.1f, seed);
    if (GetParam() == Metric::kCosine)
      testing::normalize_rows(v, dim);
    return v;
  }
};

TEST_P(Sq8MetricTest, RoundTripIsWithinHalfAStepPerDimension) {
  const size_t dim = 50;
  auto codec = make(dim, GetParam());
  ASSERT_NE(codec, nullptr);
  const std::vector<float> x = data(500, dim, 3);
  VECDEX_ASSERT_OK(codec->train(view(x, dim)));
  EXPECT_TRUE(codec->is_trained());
  EXPECT_EQ(codec->code_bytes(), dim);
  const std::vector<float> lo = min_of_columns(x, dim), hi = max_of_columns(x, dim);
  std::vector<uint8_t> code(dim);
  std::vector<float> back(dim);
  for (size_t i = 0; i < 500; ++i) {
    codec->encode(x.data() + i * dim, code.data());
    codec->decode(code.data(), back.data());
    for (size_t j = 0; j < dim; ++j) {
      const double half_step = (static_cast<double>(hi[j]) - lo[j]) / 255.0 / 2.0;
      EXPECT_LE(std::fabs(back[j] - x[i * dim + j]), half_step * 1.001 + 1e-6)
          << "row " << i << " dim " << j;
    }
  }
}

// L2 runs in code units and IP with a folded constant; both must equal the exact distance to
// the decoded vector up to f32 rounding.
TEST_P(Sq8MetricTest, DistanceEqualsExactDistanceToDecodedVector) {
  for (size_t dim : {size_t{1}, size_t{3}, size_t{17}, size_t{100}, size_t{784}}) {
    auto codec = make(dim, GetParam());
    ASSERT_NE(codec, nullptr);
    const std::vector<float> base = data(200, dim, 11 + dim);
    const std::vector<float> queries = data(5, dim, 12 + dim);
    VECDEX_ASSERT_OK(codec->train(view(base, dim)));
    const std::vector<float> lo = min_of_columns(base, dim), hi = max_of_columns(base, dim);
    std::vector<uint8_t> code(dim);
    std::vector<float> decoded(dim);
    PreparedQuery prepared;
    for (size_t qi = 0; qi < 5; ++qi) {
      const float* q = queries.data() + qi * dim;
      codec->prepare(q, prepared);
      for (size_t i = 0; i < 20; ++i) {
        const float* x = base.data() + i * dim;
        codec->encode(x, code.data());
        codec->decode(code.data(), decoded.data());
        const double want = testing::exact_distance(codec->metric(), q, decoded.data(), dim);
        const double loose = testing::exact_distance(codec->metric(), q, x, dim);
        double tight_scale = 0.0, loose_scale = 0.0;
        for (size_t j = 0; j < dim; ++j) {
          const double m = std::fabs(q[j]) + std::fabs(decoded[j]);
          tight_scale += m * (m + std::fabs(q[j] - decoded[j]));
          const double half_step = (static_cast<double>(hi[j]) - lo[j]) / 510.0;
          loose_scale += (std::fabs(q[j]) + 2.0 * std::fabs(q[j] - x[j]) + half_step) * half_step;
        }
        const float got = prepared.distance(code.data());
        EXPECT_NEAR(got, want, 1e-5 * tight_scale + 1e-6) << "dim " << dim << " row " << i;
        EXPECT_NEAR(got, loose, loose_scale + 1e-5) << "dim " << dim << " row " << i;
      }
    }
  }
}

TEST_P(Sq8MetricTest, RecallOfBruteForceOverCodesIsAboveFloor) {
  const size_t dim = 64;
  auto codec = make(dim, GetParam());
  ASSERT_NE(codec, nullptr);
  const std::vector<float> base = data(2000, dim, 21);
  VECDEX_ASSERT_OK(codec->train(view(base, dim)));
  EXPECT_GE(testing::codec_recall(*codec, base, data(50, dim, 22), 10), 0.93);
}

// Out-of-range queries and values, constant dimensions: distances stay finite numbers.
TEST_P(Sq8MetricTest, NeverProducesNaN) {
  const size_t dim = 19;
  auto codec = make(dim, GetParam());
  ASSERT_NE(codec, nullptr);
  std::vector<float> base = data(100, dim, 31);
  for (size_t i = 0; i < 100; ++i)
    base[i * dim + 5] = 0.25f;  // a constant dimension
  VECDEX_ASSERT_OK(codec->train(view(base, dim)));
  std::vector<float> far(dim, 1e30f), neg(dim, -1e30f);
  std::vector<uint8_t> code(dim);
  PreparedQuery prepared;
  for (const std::vector<float>* q : {&far, &neg}) {
    codec->prepare(q->data(), prepared);
    for (const std::vector<float>* x : {&far, &neg}) {
      codec->encode(x->data(), code.data());
      EXPECT_FALSE(std::isnan(prepared.distance(code.data())));
    }
    for (size_t i = 0; i < 100; ++i) {
      codec->encode(base.data() + i * dim, code.data());
      EXPECT_FALSE(std::isnan(prepared.distance(code.data())));
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Metrics, Sq8MetricTest,
                         ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                         metric_name_of);

// 8-bit pixels (Fashion-MNIST-like): the unit grid makes the codec lossless and the distances
// those of the original vectors.
TEST(Sq8CodecTest, EightBitIntegerDataIsLossless) {
  const size_t dim = 784;
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> pixel(0, 255);
  std::vector<float> x(100 * dim);
  for (float& v : x)
    v = static_cast<float>(pixel(rng));
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
    auto codec = make(dim, metric);
    ASSERT_NE(codec, nullptr);
    VECDEX_ASSERT_OK(codec->train(view(x, dim)));
    std::vector<uint8_t> code(dim);
    std::vector<float> back(dim);
    PreparedQuery prepared;
    codec->prepare(x.data(), prepared);
    for (size_t i = 0; i < 100; ++i) {
      const float* row = x.data() + i * dim;
      codec->encode(row, code.data());
      codec->decode(code.data(), back.data());
      ASSERT_EQ(std::memcmp(back.data(), row, dim * sizeof(float)), 0) << "row " << i;
      const double want = testing::exact_distance(metric, x.data(), row, dim);
      EXPECT_NEAR(prepared.distance(code.data()), want, 1e-5 * std::fabs(want)) << "row " << i;
    }
  }
}

TEST(Sq8CodecTest, ConstantDimensionsDecodeExactlyAndStillMeasureTheQuery) {
  const size_t dim = 4;
  auto codec = make(dim, Metric::kL2);
  ASSERT_NE(codec, nullptr);
  // Dimension 1 is constant at 0.3, dimension 3 at -7.
  const std::vector<float> x = {0.0f, 0.3f, 1.0f, -7.0f,  //
                                1.0f, 0.3f, 0.0f, -7.0f,  //
                                0.5f, 0.3f, 0.5f, -7.0f};
  VECDEX_ASSERT_OK(codec->train(view(x, dim)));
  std::vector<uint8_t> code(dim);
  std::vector<float> back(dim);
  codec->encode(x.data(), code.data());
  codec->decode(code.data(), back.data());
  EXPECT_EQ(back[1], 0.3f);
  EXPECT_EQ(back[3], -7.0f);
  const float q[dim] = {0.0f, 1.3f, 1.0f, -7.0f};  // differs from row 0 by 1 in the constant dim
  PreparedQuery prepared;
  codec->prepare(q, prepared);
  EXPECT_NEAR(prepared.distance(code.data()), 1.0f, 1e-5f);
}

TEST(Sq8CodecTest, EveryDimensionConstantIsHandled) {
  const size_t dim = 3;
  auto codec = make(dim, Metric::kL2);
  ASSERT_NE(codec, nullptr);
  const std::vector<float> x = {0.5f, 0.5f, 0.5f, 0.5f, 0.5f, 0.5f};
  VECDEX_ASSERT_OK(codec->train(view(x, dim)));
  std::vector<uint8_t> code(dim);
  codec->encode(x.data(), code.data());
  const float q[dim] = {1.5f, 0.5f, 0.5f};
  PreparedQuery prepared;
  codec->prepare(q, prepared);
  EXPECT_NEAR(prepared.distance(code.data()), 1.0f, 1e-6f);
}

TEST(Sq8CodecTest, ValuesOutsideTheTrainedRangeAreClamped) {
  const size_t dim = 2;
  auto codec = make(dim, Metric::kL2);
  ASSERT_NE(codec, nullptr);
  const std::vector<float> x = {0.0f, -1.0f, 0.5f, 1.0f};
  VECDEX_ASSERT_OK(codec->train(view(x, dim)));
  const float outside[dim] = {10.0f, -10.0f};
  std::vector<uint8_t> code(dim);
  std::vector<float> back(dim);
  codec->encode(outside, code.data());
  EXPECT_EQ(code[0], 255);
  EXPECT_EQ(code[1], 0);
  codec->decode(code.data(), back.data());
  EXPECT_NEAR(back[0], 0.5f, 1e-6f);
  EXPECT_EQ(back[1], -1.0f);
}

TEST(Sq8CodecTest, TrimKeepsAnOutlierFromWideningTheGrid) {
  const size_t dim = 1, rows = 1000;
  std::vector<float> x(rows);
  for (size_t i = 0; i < rows; ++i)
    x[i] = static_cast<float>(i) / rows + 0.0001f;  // [0, 1), not integers
  x[7] = 1000.0f;                                   // one outlier
  auto plain = make(dim, Metric::kL2);
  auto trimmed = make(dim, Metric::kL2, Sq8Options{0.01});
  ASSERT_NE(plain, nullptr);
  ASSERT_NE(trimmed, nullptr);
  VECDEX_ASSERT_OK(plain->train(view(x, dim)));
  VECDEX_ASSERT_OK(trimmed->train(view(x, dim)));
  const float v = 0.5f;
  uint8_t code;
  float back_plain, back_trimmed;
  plain->encode(&v, &code);
  plain->decode(&code, &back_plain);
  trimmed->encode(&v, &code);
  trimmed->decode(&code, &back_trimmed);
  EXPECT_LE(std::fabs(back_trimmed - v), 0.01f / 2 + 1e-6f);
  EXPECT_GT(std::fabs(back_plain - v), 0.05f);  // a step of ~3.9 swallows the bulk
}

TEST(Sq8CodecTest, UntrainedCodecReportsItAndStaysWellDefined) {
  const size_t dim = 5;
  auto codec = make(dim, Metric::kL2);
  ASSERT_NE(codec, nullptr);
  EXPECT_FALSE(codec->is_trained());
  const float x[dim] = {-1.0f, 0.0f, 3.0f, 300.0f, std::numeric_limits<float>::quiet_NaN()};
  std::vector<uint8_t> code(dim);
  codec->encode(x, code.data());
  EXPECT_EQ(code, (std::vector<uint8_t>{0, 0, 3, 255, 0}));
  PreparedQuery prepared;
  codec->prepare(x, prepared);
  const float q[dim] = {0, 0, 3, 255, 0};
  codec->prepare(q, prepared);
  EXPECT_EQ(prepared.distance(code.data()), 0.0f);
}

TEST(Sq8CodecTest, TrainRejectsWrongDimEmptySampleAndNonFiniteValues) {
  auto codec = make(3, Metric::kL2);
  ASSERT_NE(codec, nullptr);
  const std::vector<float> x = {1, 2, 3, 4, 5, 6};
  EXPECT_THAT(codec->train(MatrixView{x.data(), 3, 2}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim 2, expected 3")));
  EXPECT_THAT(codec->train(MatrixView{x.data(), 0, 3}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
  std::vector<float> bad = x;
  bad[4] = std::numeric_limits<float>::infinity();
  EXPECT_THAT(codec->train(view(bad, 3)),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("row 1 dimension 1")));
  bad[4] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(codec->train(view(bad, 3)), StatusIs(StatusCode::kInvalidArgument, HasSubstr("finite")));
  EXPECT_FALSE(codec->is_trained());
}

TEST(Sq8CodecTest, MakeRejectsZeroDimAndBadTrim) {
  EXPECT_THAT(make_sq8_codec(0, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim")));
  EXPECT_THAT(make_sq8_codec(4, Metric::kL2, Sq8Options{0.5}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("trim")));
  EXPECT_THAT(make_sq8_codec(4, Metric::kL2, Sq8Options{-0.1}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("trim")));
}

TEST(Sq8CodecTest, ParamsRoundTripGivesIdenticalCodesAndDistances) {
  const size_t dim = 37;
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
    auto codec = make(dim, metric);
    auto loaded = make(dim, metric);
    ASSERT_NE(codec, nullptr);
    ASSERT_NE(loaded, nullptr);
    const std::vector<float> x = testing::clustered(300, dim, 5, 0.2f, 41);
    VECDEX_ASSERT_OK(codec->train(view(x, dim)));
    const std::vector<uint8_t> params = codec->serialize_params();
    EXPECT_EQ(params.size(), 12 + 8 * dim);
    VECDEX_ASSERT_OK(loaded->deserialize_params(params));
    EXPECT_TRUE(loaded->is_trained());
    EXPECT_EQ(loaded->serialize_params(), params);
    std::vector<uint8_t> a(dim), b(dim);
    PreparedQuery pa, pb;
    codec->prepare(x.data(), pa);
    loaded->prepare(x.data(), pb);
    for (size_t i = 0; i < 300; ++i) {
      codec->encode(x.data() + i * dim, a.data());
      loaded->encode(x.data() + i * dim, b.data());
      ASSERT_EQ(a, b) << "row " << i;
      EXPECT_EQ(pa.distance(a.data()), pb.distance(b.data()));
    }
  }
}

TEST(Sq8CodecTest, UntrainedParamsRoundTripAsUntrained) {
  auto codec = make(8, Metric::kL2);
  auto loaded = make(8, Metric::kL2);
  ASSERT_NE(codec, nullptr);
  ASSERT_NE(loaded, nullptr);
  const std::vector<float> x = testing::clustered(10, 8, 2, 0.2f, 1);
  VECDEX_ASSERT_OK(loaded->train(view(x, 8)));
  VECDEX_ASSERT_OK(loaded->deserialize_params(codec->serialize_params()));
  EXPECT_FALSE(loaded->is_trained());
}

TEST(Sq8CodecTest, CorruptParamsAreRejectedAndLeaveTheCodecUnchanged) {
  const size_t dim = 6;
  auto codec = make(dim, Metric::kL2);
  ASSERT_NE(codec, nullptr);
  const std::vector<float> x = testing::clustered(50, dim, 3, 0.2f, 2);
  VECDEX_ASSERT_OK(codec->train(view(x, dim)));
  const std::vector<uint8_t> good = codec->serialize_params();

  auto expect_corrupt = [&](std::vector<uint8_t> bytes, const std::string& why) {
    EXPECT_THAT(codec->deserialize_params(bytes), StatusIs(StatusCode::kCorruption, HasSubstr(why)))
        << why;
    EXPECT_EQ(codec->serialize_params(), good) << why;
  };
  expect_corrupt({}, "0 bytes");
  expect_corrupt(std::vector<uint8_t>(good.begin(), good.end() - 1), "bytes, expected 60");
  std::vector<uint8_t> longer = good;
  longer.push_back(0);
  expect_corrupt(longer, "61 bytes");
  std::vector<uint8_t> version = good;
  version[0] = 9;
  expect_corrupt(version, "version 9");
  std::vector<uint8_t> other_dim = good;
  other_dim[4] = 7;
  expect_corrupt(other_dim, "dim 7, expected 6");
  std::vector<uint8_t> flags = good;
  flags[8] = 0x3;
  expect_corrupt(flags, "flags");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::vector<uint8_t> nan_min = good;
  std::memcpy(nan_min.data() + 12 + 2 * sizeof(float), &nan, sizeof(nan));
  expect_corrupt(nan_min, "dimension 2");
  const float zero = 0.0f;
  std::vector<uint8_t> zero_scale = good;
  std::memcpy(zero_scale.data() + 12 + (dim + 4) * sizeof(float), &zero, sizeof(zero));
  expect_corrupt(zero_scale, "dimension 4");
  EXPECT_TRUE(codec->is_trained());
}

}  // namespace
}  // namespace vecdex::quant
