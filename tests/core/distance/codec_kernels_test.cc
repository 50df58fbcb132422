// The asymmetric codec kernels (f32 query vs FP16 / BF16 / SQ8 code) of every SIMD target this
// CPU runs, against reference.cc, on odd dimensions, unaligned queries and codes at odd byte
// offsets (codes carry no alignment guarantee).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "core/distance/distance.h"
#include "core/distance/half.h"
#include "core/distance/reference.h"
#include "testing/random_data.h"

namespace vecdex::distance {

void PrintTo(const KernelTable& table, std::ostream* os);

namespace {

constexpr size_t kDims[] = {1, 3, 17, 100, 128, 784, 1536};

// `count` floats one element past the allocation's start (never vector-aligned) and ending at
// its end, so AddressSanitizer flags any read past the last element.
struct UnalignedFloats {
  explicit UnalignedFloats(const std::vector<float>& values) : storage(values.size() + 1) {
    std::memcpy(storage.data() + 1, values.data(), values.size() * sizeof(float));
  }
  const float* data() const { return storage.data() + 1; }
  std::vector<float> storage;
};

// Code bytes at an odd address, ending at the allocation's end.
struct OddBytes {
  template <typename T>
  explicit OddBytes(const std::vector<T>& values) : storage(values.size() * sizeof(T) + 1) {
    std::memcpy(storage.data() + 1, values.data(), values.size() * sizeof(T));
  }
  const uint8_t* data() const { return storage.data() + 1; }
  std::vector<uint8_t> storage;
};

std::vector<uint16_t> to_f16(const std::vector<float>& v) {
  std::vector<uint16_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = float_to_f16(v[i]);
  return out;
}
std::vector<uint16_t> to_bf16(const std::vector<float>& v) {
  std::vector<uint16_t> out(v.size());
  for (size_t i = 0; i < v.size(); ++i)
    out[i] = float_to_bf16(v[i]);
  return out;
}

std::vector<uint8_t> random_bytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> dist(0, 255);
  std::vector<uint8_t> out(n);
  for (uint8_t& v : out)
    v = static_cast<uint8_t>(dist(rng));
  return out;
}

// Uniform in [lo, hi).
std::vector<float> uniform_floats(size_t n, float lo, float hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> out(n);
  for (float& v : out)
    v = dist(rng);
  return out;
}

// f32 accumulation in any order: a few ulps of the magnitude summed (sum of |terms|).
void expect_close(double got, double want, double magnitude, const std::string& what) {
  EXPECT_NEAR(got, want, 1e-5 * magnitude + 1e-6) << what;
}

double abs_dot(const std::vector<float>& a, const std::vector<float>& b) {
  double sum = 0.0;
  for (size_t i = 0; i < a.size(); ++i)
    sum += std::fabs(static_cast<double>(a[i]) * b[i]);
  return sum;
}

class CodecKernelsTest : public ::testing::TestWithParam<KernelTable> {
 protected:
  void SetUp() override { k_ = GetParam(); }
  KernelTable k_;
};

TEST_P(CodecKernelsTest, TableHasEveryCodecKernel) {
  EXPECT_NE(k_.l2_f32_f16, nullptr);
  EXPECT_NE(k_.ip_f32_f16, nullptr);
  EXPECT_NE(k_.l2_f32_bf16, nullptr);
  EXPECT_NE(k_.ip_f32_bf16, nullptr);
  EXPECT_NE(k_.l2_sq8_weighted, nullptr);
  EXPECT_NE(k_.l2_sq8_uniform, nullptr);
  EXPECT_NE(k_.ip_f32_u8, nullptr);
}

TEST_P(CodecKernelsTest, F32QueryVsF16CodeMatchesReference) {
  for (size_t dim : kDims) {
    const std::vector<float> qv = testing::random_floats(1, dim, 101 + dim);
    const std::vector<uint16_t> cv = to_f16(testing::random_floats(1, dim, 102 + dim));
    const UnalignedFloats q(qv);
    const OddBytes code(cv);
    const double l2 = reference::l2_f32_f16(qv.data(), cv.data(), dim);
    const double ip = reference::ip_f32_f16(qv.data(), cv.data(), dim);
    const std::string where = "dim " + std::to_string(dim);
    expect_close(k_.l2_f32_f16(q.data(), code.data(), dim, nullptr), l2, l2, "l2 " + where);
    expect_close(k_.ip_f32_f16(q.data(), code.data(), dim, nullptr), ip,
                 static_cast<double>(dim), "ip " + where);
  }
}

TEST_P(CodecKernelsTest, F32QueryVsBf16CodeMatchesReference) {
  for (size_t dim : kDims) {
    const std::vector<float> qv = testing::random_floats(1, dim, 201 + dim);
    const std::vector<uint16_t> cv = to_bf16(testing::random_floats(1, dim, 202 + dim));
    const UnalignedFloats q(qv);
    const OddBytes code(cv);
    const double l2 = reference::l2_f32_bf16(qv.data(), cv.data(), dim);
    const double ip = reference::ip_f32_bf16(qv.data(), cv.data(), dim);
    const std::string where = "dim " + std::to_string(dim);
    expect_close(k_.l2_f32_bf16(q.data(), code.data(), dim, nullptr), l2, l2, "l2 " + where);
    expect_close(k_.ip_f32_bf16(q.data(), code.data(), dim, nullptr), ip,
                 static_cast<double>(dim), "ip " + where);
  }
}

// Small integers make every term and partial sum exact in f32, so a lane skipped or counted
// twice (tails, unrolling, the re-read last vector) is an exact mismatch.
TEST_P(CodecKernelsTest, HalfKernelsAreExactOnSmallIntegers) {
  for (size_t dim : kDims) {
    std::vector<float> qv(dim), xv(dim);
    std::mt19937_64 rng(dim);
    std::uniform_int_distribution<int> dist(-8, 8);
    for (size_t i = 0; i < dim; ++i) {
      qv[i] = static_cast<float>(dist(rng));
      xv[i] = static_cast<float>(dist(rng));
    }
    const std::vector<uint16_t> f16 = to_f16(xv);
    const std::vector<uint16_t> bf16 = to_bf16(xv);
    const UnalignedFloats q(qv);
    const OddBytes c16(f16), cbf(bf16);
    const std::string where = "dim " + std::to_string(dim);
    EXPECT_EQ(k_.l2_f32_f16(q.data(), c16.data(), dim, nullptr),
              reference::l2_f32_f16(qv.data(), f16.data(), dim))
        << where;
    EXPECT_EQ(k_.ip_f32_f16(q.data(), c16.data(), dim, nullptr),
              reference::ip_f32_f16(qv.data(), f16.data(), dim))
        << where;
    EXPECT_EQ(k_.l2_f32_bf16(q.data(), cbf.data(), dim, nullptr),
              reference::l2_f32_bf16(qv.data(), bf16.data(), dim))
        << where;
    EXPECT_EQ(k_.ip_f32_bf16(q.data(), cbf.data(), dim, nullptr),
              reference::ip_f32_bf16(qv.data(), bf16.data(), dim))
        << where;
  }
}

TEST_P(CodecKernelsTest, F16CodesWidenSubnormalsAndLargeValuesExactly) {
  const std::vector<uint16_t> values = {0x3c00, 0x0001, 0x03ff, 0x7bff, 0xbc00, 0x8001};
  for (size_t dim : {size_t{6}, size_t{17}, size_t{100}}) {
    std::vector<uint16_t> cv(dim);
    for (size_t i = 0; i < dim; ++i)
      cv[i] = values[i % values.size()];
    const std::vector<float> ones(dim, 1.0f);
    const UnalignedFloats q(ones);
    const OddBytes code(cv);
    EXPECT_EQ(k_.ip_f32_f16(q.data(), code.data(), dim, nullptr),
              static_cast<float>(reference::ip_f32_f16(ones.data(), cv.data(), dim)))
        << "dim " << dim;
  }
}

TEST_P(CodecKernelsTest, Sq8WeightedMatchesReference) {
  for (size_t dim : kDims) {
    // A prepared query holds q - min in the data's units; codes decode to min + s * c, so with
    // scales in [1e-3, 1e-2] the query's range [-0.1, 2.7] covers the codes' [0, 2.55] and more.
    const std::vector<float> qv = uniform_floats(dim, -0.1f, 2.7f, 301 + dim);
    const std::vector<float> sv = uniform_floats(dim, 1e-3f, 1e-2f, 302 + dim);
    const std::vector<uint8_t> cv = random_bytes(dim, 303 + dim);
    const UnalignedFloats q(qv), s(sv);
    const OddBytes code(cv);
    const double want = reference::l2_sq8_weighted(qv.data(), cv.data(), dim, sv.data());
    expect_close(k_.l2_sq8_weighted(q.data(), code.data(), dim, s.data()), want, want,
                 "dim " + std::to_string(dim));
  }
}

TEST_P(CodecKernelsTest, Sq8UniformMatchesReference) {
  for (size_t dim : kDims) {
    const std::vector<float> qv = uniform_floats(dim, -10.0f, 265.0f, 401 + dim);
    const std::vector<uint8_t> cv = random_bytes(dim, 402 + dim);
    const UnalignedFloats q(qv);
    const OddBytes code(cv);
    const float scale = 0.25f;
    const double want = reference::l2_sq8_uniform(qv.data(), cv.data(), dim, scale);
    const std::string where = "dim " + std::to_string(dim);
    expect_close(k_.l2_sq8_uniform(q.data(), code.data(), dim, &scale), want, want, where);
    // No params: a factor of one.
    const double unscaled = reference::l2_sq8_uniform(qv.data(), cv.data(), dim, 1.0f);
    expect_close(k_.l2_sq8_uniform(q.data(), code.data(), dim, nullptr), unscaled, unscaled,
                 "null params " + where);
  }
}

TEST_P(CodecKernelsTest, IpF32U8MatchesReference) {
  for (size_t dim : kDims) {
    const std::vector<float> av = testing::random_floats(1, dim, 501 + dim);
    const std::vector<uint8_t> cv = random_bytes(dim, 502 + dim);
    std::vector<float> cf(cv.begin(), cv.end());
    const UnalignedFloats a(av);
    const OddBytes code(cv);
    const float bias = -3.5f;
    const double magnitude = abs_dot(av, cf) + 3.5;
    const std::string where = "dim " + std::to_string(dim);
    expect_close(k_.ip_f32_u8(a.data(), code.data(), dim, &bias),
                 reference::ip_f32_u8(av.data(), cv.data(), dim, bias), magnitude, where);
    expect_close(k_.ip_f32_u8(a.data(), code.data(), dim, nullptr),
                 reference::ip_f32_u8(av.data(), cv.data(), dim, 0.0f), magnitude,
                 "null params " + where);
  }
}

// Codes over the full byte range and integer queries near them: every term and partial sum is
// exact in f32, so a mis-widened byte (255 read as -1) or a lane counted twice is a mismatch.
TEST_P(CodecKernelsTest, Sq8KernelsAreExactOnIntegerQueries) {
  for (size_t dim : kDims) {
    std::vector<uint8_t> cv = random_bytes(dim, 602 + dim);
    cv[0] = 255;
    cv[dim - 1] = 0;
    std::mt19937_64 rng(601 + dim);
    std::uniform_int_distribution<int> delta(-8, 8);
    std::vector<float> qv(dim);
    for (size_t i = 0; i < dim; ++i)
      qv[i] = static_cast<float>(cv[i] + delta(rng));
    // Scales 0.5, 1 and 2 against a query of scale * code + a small integer: still exact, and a
    // kernel that applied the scale to the wrong operand would differ.
    std::vector<float> scales(dim), qs(dim);
    for (size_t i = 0; i < dim; ++i) {
      scales[i] = i % 3 == 0 ? 0.5f : i % 3 == 1 ? 1.0f : 2.0f;
      qs[i] = scales[i] * static_cast<float>(cv[i]) + static_cast<float>(delta(rng));
    }
    std::vector<float> small(dim);
    for (size_t i = 0; i < dim; ++i)
      small[i] = static_cast<float>(static_cast<int>(i % 7) - 3);
    const UnalignedFloats q(qv), q_scaled(qs), w(scales), s(small);
    const OddBytes code(cv);
    const std::string where = "dim " + std::to_string(dim);
    EXPECT_EQ(k_.l2_sq8_weighted(q_scaled.data(), code.data(), dim, w.data()),
              reference::l2_sq8_weighted(qs.data(), cv.data(), dim, scales.data()))
        << where;
    EXPECT_EQ(k_.l2_sq8_uniform(q.data(), code.data(), dim, nullptr),
              reference::l2_sq8_uniform(qv.data(), cv.data(), dim, 1.0f))
        << where;
    EXPECT_EQ(k_.ip_f32_u8(s.data(), code.data(), dim, nullptr),
              reference::ip_f32_u8(small.data(), cv.data(), dim, 0.0f))
        << where;
  }
}

TEST_P(CodecKernelsTest, ZeroDimensionGivesZeroOrTheOffset) {
  const float q = 1.0f;
  const uint8_t code[2] = {1, 2};
  const float bias = 2.5f;
  EXPECT_EQ(k_.l2_f32_f16(&q, code, 0, nullptr), 0.0f);
  EXPECT_EQ(k_.ip_f32_bf16(&q, code, 0, nullptr), 0.0f);
  EXPECT_EQ(k_.l2_sq8_weighted(&q, code, 0, &q), 0.0f);
  EXPECT_EQ(k_.ip_f32_u8(&q, code, 0, &bias), 2.5f);
}

std::string target_test_name(const ::testing::TestParamInfo<KernelTable>& info) {
  return info.param.target_name;
}

INSTANTIATE_TEST_SUITE_P(RunnableTargets, CodecKernelsTest,
                         ::testing::ValuesIn(runnable_kernel_tables()), target_test_name);

}  // namespace
}  // namespace vecdex::distance
