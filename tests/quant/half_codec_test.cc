// FP16 / BF16 codecs: round-trip error, asymmetric distances against the decoded and the original
// vectors, ranking quality, saturation, and argument checks.
#include "quant/half_codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "quant/codec_test_data.h"
#include "testing/random_data.h"
#include "testing/status_matchers.h"

namespace vecdex::quant {
namespace {

struct HalfCase {
  CodecKind kind;
  Metric metric;
  double rel_error;  // max |x - decode(encode(x))| / |x| for normal values
  double recall_floor;
};

std::string case_name(const ::testing::TestParamInfo<HalfCase>& info) {
  const std::string kind = info.param.kind == CodecKind::kF16 ? "FP16" : "BF16";
  const char* metric = info.param.metric == Metric::kL2            ? "L2"
                       : info.param.metric == Metric::kInnerProduct ? "IP"
                                                                    : "Cosine";
  return kind + "_" + metric;
}

class HalfCodecTest : public ::testing::TestWithParam<HalfCase> {
 protected:
  std::unique_ptr<Codec> make(size_t dim) {
    Result<std::unique_ptr<Codec>> codec = make_half_codec(GetParam().kind, dim, GetParam().metric);
    EXPECT_THAT(codec, IsOk());
    return codec.ok() ? std::move(*codec) : nullptr;
  }
  // Data as the codec sees it: normalised rows for Cosine.
  std::vector<float> data(size_t rows, size_t dim, uint64_t seed) {
    std::vector<float> v = testing::clustered(rows, dim, 20, 0.1f, seed);
    if (GetParam().metric == Metric::kCosine)
      testing::normalize_rows(v, dim);
    return v;
  }
};

TEST_P(HalfCodecTest, CodeIsTwoBytesPerDimensionWithoutParameters) {
  auto codec = make(100);
  ASSERT_NE(codec, nullptr);
  EXPECT_EQ(codec->code_bytes(), 200u);
  EXPECT_EQ(codec->kind(), GetParam().kind);
  EXPECT_TRUE(codec->is_trained());
  EXPECT_FALSE(codec->is_exact());
  EXPECT_TRUE(codec->serialize_params().empty());
  EXPECT_THAT(codec->deserialize_params({}), IsOk());
}

TEST_P(HalfCodecTest, RoundTripErrorIsWithinTheFormatsPrecision) {
  const size_t dim = 97;
  auto codec = make(dim);
  ASSERT_NE(codec, nullptr);
  const std::vector<float> x = vecdex::testing::random_floats(50, dim, 7);
  std::vector<uint8_t> code(codec->code_bytes());
  std::vector<float> back(dim);
  for (size_t i = 0; i < 50; ++i) {
    codec->encode(x.data() + i * dim, code.data());
    codec->decode(code.data(), back.data());
    for (size_t j = 0; j < dim; ++j) {
      const double v = x[i * dim + j];
      // Below f16's normal range (6.1e-5) the absolute step is 2^-24.
      EXPECT_LE(std::fabs(back[j] - v), GetParam().rel_error * std::fabs(v) + 0x1p-24)
          << "row " << i << " dim " << j << " value " << v;
    }
  }
}

// The kernel scores the f32 query against the decoded code: equal up to f32 accumulation.
TEST_P(HalfCodecTest, DistanceEqualsExactDistanceToDecodedVector) {
  for (size_t dim : {size_t{1}, size_t{3}, size_t{17}, size_t{100}, size_t{784}}) {
    auto codec = make(dim);
    ASSERT_NE(codec, nullptr);
    const std::vector<float> base = data(20, dim, 11 + dim);
    const std::vector<float> queries = data(5, dim, 12 + dim);
    std::vector<uint8_t> code(codec->code_bytes());
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
        const float got = prepared.distance(code.data());
        EXPECT_NEAR(got, want, 1e-5 * (std::fabs(want) + dim * 1e-2) + 1e-6) << "dim " << dim;
        // Each x_j moves by at most rel_error * |x_j|: bound the first-order change.
        double scale = 0.0;
        for (size_t j = 0; j < dim; ++j)
          scale += (std::fabs(q[j]) + 2.0 * std::fabs(q[j] - x[j])) * std::fabs(x[j]);
        EXPECT_NEAR(got, loose, 1.5 * GetParam().rel_error * scale + 1e-5) << "dim " << dim;
      }
    }
  }
}

TEST_P(HalfCodecTest, RecallOfBruteForceOverCodesIsHigh) {
  const size_t dim = 64;
  auto codec = make(dim);
  ASSERT_NE(codec, nullptr);
  const double recall = testing::codec_recall(*codec, data(2000, dim, 21), data(50, dim, 22), 10);
  EXPECT_GE(recall, GetParam().recall_floor);
}

TEST_P(HalfCodecTest, PreparedQueryIsReusableAcrossQueries) {
  const size_t dim = 33;
  auto codec = make(dim);
  ASSERT_NE(codec, nullptr);
  const std::vector<float> x = data(3, dim, 31);
  std::vector<uint8_t> code(codec->code_bytes());
  codec->encode(x.data(), code.data());
  PreparedQuery reused, fresh;
  codec->prepare(x.data() + dim, reused);
  codec->prepare(x.data() + 2 * dim, reused);
  codec->prepare(x.data() + 2 * dim, fresh);
  EXPECT_EQ(reused.distance(code.data()), fresh.distance(code.data()));
  PreparedQuery moved = std::move(fresh);
  EXPECT_EQ(moved.distance(code.data()), reused.distance(code.data()));
}

TEST_P(HalfCodecTest, HugeValuesSaturateInsteadOfBecomingInfOrNaN) {
  const size_t dim = 20;
  auto codec = make(dim);
  ASSERT_NE(codec, nullptr);
  std::vector<float> x(dim, 1e6f), q(dim, 1.0f);  // q * x stays finite in f32
  x[0] = 3.4e38f;
  x[1] = -3.4e38f;
  std::vector<uint8_t> code(codec->code_bytes());
  std::vector<float> back(dim);
  codec->encode(x.data(), code.data());
  codec->decode(code.data(), back.data());
  for (size_t j = 0; j < dim; ++j)
    EXPECT_TRUE(std::isfinite(back[j])) << j;
  if (GetParam().kind == CodecKind::kF16) {
    EXPECT_EQ(back[2], 65504.0f);
    EXPECT_EQ(back[1], -65504.0f);
  }
  PreparedQuery prepared;
  codec->prepare(q.data(), prepared);
  EXPECT_FALSE(std::isnan(prepared.distance(code.data())));
}

TEST_P(HalfCodecTest, InnerProductIsNegatedAndL2IsSquared) {
  const size_t dim = 4;
  auto codec = make(dim);
  ASSERT_NE(codec, nullptr);
  const float x[dim] = {1.0f, 2.0f, 0.5f, -1.0f};  // exact in f16 and bf16
  const float q[dim] = {0.5f, 0.5f, 0.5f, 0.5f};
  std::vector<uint8_t> code(codec->code_bytes());
  codec->encode(x, code.data());
  PreparedQuery prepared;
  codec->prepare(q, prepared);
  const float want = GetParam().metric == Metric::kL2 ? 0.25f + 2.25f + 0.0f + 2.25f : -1.25f;
  EXPECT_EQ(prepared.distance(code.data()), want);
}

INSTANTIATE_TEST_SUITE_P(
    Kinds, HalfCodecTest,
    ::testing::Values(HalfCase{CodecKind::kF16, Metric::kL2, 0x1p-11, 0.99},
                      HalfCase{CodecKind::kF16, Metric::kInnerProduct, 0x1p-11, 0.99},
                      HalfCase{CodecKind::kF16, Metric::kCosine, 0x1p-11, 0.99},
                      HalfCase{CodecKind::kBF16, Metric::kL2, 0x1p-8, 0.95},
                      HalfCase{CodecKind::kBF16, Metric::kInnerProduct, 0x1p-8, 0.95},
                      HalfCase{CodecKind::kBF16, Metric::kCosine, 0x1p-8, 0.95}),
    case_name);

TEST(HalfCodecArgsTest, RejectsOtherKindsAndZeroDim) {
  EXPECT_THAT(make_half_codec(CodecKind::kSQ8, 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("FP16")));
  EXPECT_THAT(make_half_codec(CodecKind::kF32, 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("BF16")));
  EXPECT_THAT(make_half_codec(CodecKind::kF16, 0, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("dim")));
}

}  // namespace
}  // namespace vecdex::quant
