// Every kernel of every SIMD level this CPU runs, against the plain loops in reference.cc, on
// odd dimensions and pointers offset by one element from the allocation's alignment.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "core/distance/distance.h"
#include "core/distance/half.h"
#include "core/distance/reference.h"
#include "testing/random_data.h"
#include "testing/status_matchers.h"

namespace vecdex::distance {

// Test names and failure messages show the target, not the table's bytes.
void PrintTo(const KernelTable& table, std::ostream* os) { *os << table.target_name; }

namespace {

constexpr size_t kDims[] = {1, 3, 17, 100, 784, 1536};

// f32 accumulation in any order: the error is a few ulps of the magnitude summed (sum of |terms|).
void expect_close(double got, double want, double magnitude, const std::string& what) {
  const double tolerance = 1e-5 * magnitude + 1e-6;
  EXPECT_NEAR(got, want, tolerance) << what;
}

// `count` elements starting one element past the allocation (which malloc aligns to 16 bytes),
// so never vector-aligned, and ending exactly at the allocation's end so that AddressSanitizer
// flags any read past the last element.
template <typename T>
struct Unaligned {
  explicit Unaligned(size_t count) : storage(count + 1) {}
  T* data() { return storage.data() + 1; }
  std::vector<T> storage;
};

template <typename T>
Unaligned<T> copy_unaligned(const std::vector<T>& values) {
  Unaligned<T> out(values.size());
  std::copy(values.begin(), values.end(), out.data());
  return out;
}

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

template <typename T>
std::vector<T> random_ints(size_t n, int lo, int hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<T> out(n);
  for (T& v : out)
    v = static_cast<T>(dist(rng));
  return out;
}

// Parameterized over every Highway target this CPU runs (SCALAR, SSE4, AVX2, AVX3, AVX3_DL ...),
// which covers every SimdLevel's target and the ones no level names.
class KernelsTest : public ::testing::TestWithParam<KernelTable> {
 protected:
  void SetUp() override { k_ = GetParam(); }
  KernelTable k_;
};

TEST_P(KernelsTest, TableIsComplete) {
  EXPECT_NE(std::string(k_.target_name), "");
  EXPECT_NE(k_.l2_f32, nullptr);
  EXPECT_NE(k_.ip_f32, nullptr);
  EXPECT_NE(k_.l2_f16, nullptr);
  EXPECT_NE(k_.ip_f16, nullptr);
  EXPECT_NE(k_.l2_bf16, nullptr);
  EXPECT_NE(k_.ip_bf16, nullptr);
  EXPECT_NE(k_.l2_i8, nullptr);
  EXPECT_NE(k_.ip_i8, nullptr);
  EXPECT_NE(k_.l2_u8, nullptr);
  EXPECT_NE(k_.ip_u8, nullptr);
  EXPECT_NE(k_.hamming, nullptr);
  EXPECT_NE(k_.l2_f32_many, nullptr);
  EXPECT_NE(k_.ip_f32_many, nullptr);
  EXPECT_NE(k_.norms_f32, nullptr);
}

TEST_P(KernelsTest, F32MatchesReferenceOnOddDimsAndUnalignedPointers) {
  for (size_t dim : kDims) {
    auto a = copy_unaligned(testing::random_floats(1, dim, 11 + dim));
    auto b = copy_unaligned(testing::random_floats(1, dim, 12 + dim));
    const double l2 = reference::l2_f32(a.data(), b.data(), dim);
    const double ip = reference::ip_f32(a.data(), b.data(), dim);
    const double ip_scale = reference::abs_ip_f32(a.data(), b.data(), dim);
    const std::string where = "dim " + std::to_string(dim);
    expect_close(k_.l2_f32(a.data(), b.data(), dim), l2, l2, "l2 " + where);
    expect_close(k_.ip_f32(a.data(), b.data(), dim), ip, ip_scale, "ip " + where);
  }
}

// Small integers make every product and partial sum exact in f32, so any lane that is skipped
// or counted twice (tails, unrolling) shows up as an exact mismatch.
TEST_P(KernelsTest, F32IsExactOnSmallIntegerValues) {
  for (size_t dim : kDims) {
    std::vector<float> va(dim), vb(dim);
    std::mt19937_64 rng(dim);
    std::uniform_int_distribution<int> dist(-8, 8);
    for (size_t i = 0; i < dim; ++i) {
      va[i] = static_cast<float>(dist(rng));
      vb[i] = static_cast<float>(dist(rng));
    }
    auto a = copy_unaligned(va);
    auto b = copy_unaligned(vb);
    EXPECT_EQ(k_.l2_f32(a.data(), b.data(), dim), reference::l2_f32(a.data(), b.data(), dim))
        << "dim " << dim;
    EXPECT_EQ(k_.ip_f32(a.data(), b.data(), dim), reference::ip_f32(a.data(), b.data(), dim))
        << "dim " << dim;
  }
}

TEST_P(KernelsTest, ZeroDimensionGivesZero) {
  const float x = 1.0f;
  EXPECT_EQ(k_.l2_f32(&x, &x, 0), 0.0f);
  EXPECT_EQ(k_.ip_f32(&x, &x, 0), 0.0f);
  const uint64_t w = 1;
  EXPECT_EQ(k_.hamming(&w, &w, 0), 0u);
}

TEST_P(KernelsTest, F16MatchesReference) {
  for (size_t dim : kDims) {
    auto a = copy_unaligned(to_f16(testing::random_floats(1, dim, 21 + dim)));
    auto b = copy_unaligned(to_f16(testing::random_floats(1, dim, 22 + dim)));
    const double l2 = reference::l2_f16(a.data(), b.data(), dim);
    const double ip = reference::ip_f16(a.data(), b.data(), dim);
    expect_close(k_.l2_f16(a.data(), b.data(), dim), l2, l2, "l2_f16 dim " + std::to_string(dim));
    expect_close(k_.ip_f16(a.data(), b.data(), dim), ip, static_cast<double>(dim),
                 "ip_f16 dim " + std::to_string(dim));
  }
}

TEST_P(KernelsTest, F16WidensSubnormalsAndLargeValuesExactly) {
  // 1, the smallest subnormal, the largest normal: each product is exact in f32.
  const std::vector<uint16_t> values = {0x3c00, 0x0001, 0x03ff, 0x7bff, 0xbc00, 0x8001};
  for (size_t dim : {size_t{6}, size_t{17}, size_t{100}}) {
    std::vector<uint16_t> va(dim), ones(dim, 0x3c00);
    for (size_t i = 0; i < dim; ++i)
      va[i] = values[i % values.size()];
    auto a = copy_unaligned(va);
    auto b = copy_unaligned(ones);
    EXPECT_EQ(k_.ip_f16(a.data(), b.data(), dim),
              static_cast<float>(reference::ip_f16(a.data(), b.data(), dim)))
        << "dim " << dim;
  }
}

TEST_P(KernelsTest, Bf16MatchesReference) {
  for (size_t dim : kDims) {
    auto a = copy_unaligned(to_bf16(testing::random_floats(1, dim, 31 + dim)));
    auto b = copy_unaligned(to_bf16(testing::random_floats(1, dim, 32 + dim)));
    const double l2 = reference::l2_bf16(a.data(), b.data(), dim);
    const double ip = reference::ip_bf16(a.data(), b.data(), dim);
    expect_close(k_.l2_bf16(a.data(), b.data(), dim), l2, l2, "l2_bf16 dim " + std::to_string(dim));
    expect_close(k_.ip_bf16(a.data(), b.data(), dim), ip, static_cast<double>(dim),
                 "ip_bf16 dim " + std::to_string(dim));
  }
}

TEST_P(KernelsTest, Int8AndUint8AreExact) {
  for (size_t dim : kDims) {
    auto a8 = copy_unaligned(random_ints<int8_t>(dim, -128, 127, 41 + dim));
    auto b8 = copy_unaligned(random_ints<int8_t>(dim, -128, 127, 42 + dim));
    auto au = copy_unaligned(random_ints<uint8_t>(dim, 0, 255, 43 + dim));
    auto bu = copy_unaligned(random_ints<uint8_t>(dim, 0, 255, 44 + dim));
    const std::string where = "dim " + std::to_string(dim);
    EXPECT_EQ(k_.l2_i8(a8.data(), b8.data(), dim),
              static_cast<float>(reference::l2_i8(a8.data(), b8.data(), dim)))
        << where;
    EXPECT_EQ(k_.ip_i8(a8.data(), b8.data(), dim),
              static_cast<float>(reference::ip_i8(a8.data(), b8.data(), dim)))
        << where;
    EXPECT_EQ(k_.l2_u8(au.data(), bu.data(), dim),
              static_cast<float>(reference::l2_u8(au.data(), bu.data(), dim)))
        << where;
    EXPECT_EQ(k_.ip_u8(au.data(), bu.data(), dim),
              static_cast<float>(reference::ip_u8(au.data(), bu.data(), dim)))
        << where;
  }
}

// Extreme values over a long row: int32 lanes would overflow without the periodic flush.
TEST_P(KernelsTest, IntegerKernelsDoNotOverflowOnLongExtremeRows) {
  const size_t dim = 70001;
  std::vector<uint8_t> zeros(dim, 0), full(dim, 255);
  std::vector<int8_t> lo(dim, -128), hi(dim, 127);
  EXPECT_EQ(k_.l2_u8(zeros.data(), full.data(), dim), static_cast<float>(dim * 65025ull));
  EXPECT_EQ(k_.ip_u8(full.data(), full.data(), dim), static_cast<float>(dim * 65025ull));
  EXPECT_EQ(k_.l2_i8(lo.data(), hi.data(), dim), static_cast<float>(dim * 65025ull));
  EXPECT_EQ(k_.ip_i8(lo.data(), lo.data(), dim), static_cast<float>(dim * 16384ull));
  EXPECT_EQ(k_.ip_i8(lo.data(), hi.data(), dim), -static_cast<float>(dim * 16256ull));
}

TEST_P(KernelsTest, HammingIsExact) {
  for (size_t words : {size_t{1}, size_t{3}, size_t{17}, size_t{100}, size_t{1536 / 64}}) {
    std::mt19937_64 rng(words);
    std::vector<uint64_t> va(words), vb(words);
    for (size_t i = 0; i < words; ++i) {
      va[i] = rng();
      vb[i] = rng();
    }
    va[0] = ~uint64_t{0};
    vb[0] = 0;
    auto a = copy_unaligned(va);
    auto b = copy_unaligned(vb);
    EXPECT_EQ(k_.hamming(a.data(), b.data(), words), reference::hamming(a.data(), b.data(), words))
        << "words " << words;
  }
}

TEST_P(KernelsTest, ManyRowsMatchReferenceForEveryRowCount) {
  for (size_t dim : kDims) {
    for (size_t n :
         {size_t{0}, size_t{1}, size_t{3}, size_t{4}, size_t{5}, size_t{8}, size_t{11}}) {
      auto q = copy_unaligned(testing::random_floats(1, dim, 51 + dim));
      auto base = copy_unaligned(testing::random_floats(n, dim, 52 + dim + n));
      std::vector<float> l2(n + 1, -1.0f), ip(n + 1, -1.0f), norms(n + 1, -1.0f);
      std::vector<double> want_l2(n), want_ip(n), want_norms(n);
      k_.l2_f32_many(q.data(), base.data(), n, dim, l2.data());
      k_.ip_f32_many(q.data(), base.data(), n, dim, ip.data());
      k_.norms_f32(base.data(), n, dim, norms.data());
      reference::l2_f32_many(q.data(), base.data(), n, dim, want_l2.data());
      reference::ip_f32_many(q.data(), base.data(), n, dim, want_ip.data());
      reference::norms_f32(base.data(), n, dim, want_norms.data());
      for (size_t i = 0; i < n; ++i) {
        const std::string where =
            "dim " + std::to_string(dim) + " n " + std::to_string(n) + " row " + std::to_string(i);
        const float* row = base.data() + i * dim;
        expect_close(l2[i], want_l2[i], want_l2[i], "l2_many " + where);
        expect_close(ip[i], want_ip[i], reference::abs_ip_f32(q.data(), row, dim),
                     "ip_many " + where);
        expect_close(norms[i], want_norms[i], want_norms[i], "norms " + where);
      }
      // Nothing is written past row n.
      EXPECT_EQ(l2[n], -1.0f);
      EXPECT_EQ(ip[n], -1.0f);
      EXPECT_EQ(norms[n], -1.0f);
    }
  }
}

std::string target_test_name(const ::testing::TestParamInfo<KernelTable>& info) {
  return info.param.target_name;
}

INSTANTIATE_TEST_SUITE_P(RunnableTargets, KernelsTest,
                         ::testing::ValuesIn(runnable_kernel_tables()), target_test_name);

TEST(KernelLevelsTest, ScalarLevelUsesHighwaysScalarTarget) {
  Result<KernelTable> scalar = kernels_for(SimdLevel::kScalar);
  ASSERT_TRUE(scalar.ok()) << scalar.status().to_string();
  const std::string name = scalar->target_name;
  EXPECT_TRUE(name == "SCALAR" || name == "EMU128") << name;
}

TEST(KernelLevelsTest, EveryAvailableLevelResolvesToARunnableTarget) {
  std::vector<std::string> runnable;
  for (const KernelTable& t : runnable_kernel_tables())
    runnable.push_back(t.target_name);
  ASSERT_FALSE(runnable.empty());
  EXPECT_TRUE(runnable.front() == "SCALAR" || runnable.front() == "EMU128");
  std::vector<SimdLevel> levels = available_levels();
  ASSERT_FALSE(levels.empty());
  EXPECT_EQ(levels.front(), SimdLevel::kScalar);
  levels.push_back(SimdLevel::kBest);
  for (SimdLevel level : levels) {
    Result<KernelTable> table = kernels_for(level);
    ASSERT_TRUE(table.ok()) << simd_level_name(level) << ": " << table.status().to_string();
    EXPECT_NE(std::find(runnable.begin(), runnable.end(), table->target_name), runnable.end())
        << simd_level_name(level) << " -> " << table->target_name;
  }
  EXPECT_EQ(std::string(kernels_for(SimdLevel::kBest)->target_name), runnable.back());
}

TEST(KernelLevelsTest, NamedLevelsMapToTheirHighwayTargets) {
  for (SimdLevel level : available_levels()) {
    const std::string name = kernels_for(level)->target_name;
    if (level == SimdLevel::kAvx2) {
      EXPECT_EQ(name, "AVX2");
    } else if (level == SimdLevel::kAvx512) {
      EXPECT_TRUE(name == "AVX3" || name == "AVX3_DL") << name;
    }
  }
}

TEST(KernelLevelsTest, UnsupportedLevelIsFailedPrecondition) {
  const std::vector<SimdLevel> levels = available_levels();
  for (SimdLevel level : {SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (std::find(levels.begin(), levels.end(), level) != levels.end())
      continue;
    Result<KernelTable> table = kernels_for(level);
    EXPECT_THAT(table, StatusIs(StatusCode::kFailedPrecondition,
                                ::testing::HasSubstr(simd_level_name(level))));
  }
}

}  // namespace
}  // namespace vecdex::distance
