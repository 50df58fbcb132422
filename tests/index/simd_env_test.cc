// The index layer runs on the kernel target VECDEX_SIMD selects. CTest runs this binary twice:
// once as-is and once with VECDEX_SIMD=scalar (the "scalar." tests), so this checks that the
// forced scalar run really used the scalar kernels.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "testing/random_data.h"
#include "testing/status_matchers.h"
#include "vecdex/index_factory.h"
#include "vecdex/version.h"

namespace vecdex {
namespace {

TEST(SimdEnvTest, IndexStatsReportTheTargetTheEnvironmentSelects) {
  auto index = make_index("Flat", 8, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  std::string target = (*index)->stats().simd_target;
  EXPECT_EQ(target, simd_target_name());
  const char* env = std::getenv("VECDEX_SIMD");
  if (env != nullptr && std::string(env) == "scalar") {
    EXPECT_EQ(target, "SCALAR");
  } else {
    EXPECT_FALSE(target.empty());
  }
}

TEST(SimdEnvTest, SearchIsExactOnWhicheverTargetRuns) {
  constexpr size_t kDim = 100, kN = 300;
  std::vector<float> base = testing::random_floats(kN, kDim, 5);
  std::vector<Id> ids(kN);
  for (size_t i = 0; i < kN; ++i) ids[i] = i;
  auto index = make_index("Flat", kDim, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  VECDEX_ASSERT_OK((*index)->add(ids, MatrixView{base.data(), kN, kDim}));
  // Each stored vector is its own nearest neighbour at distance 0.
  auto hits = (*index)->search(MatrixView{base.data(), kN, kDim}, 1);
  VECDEX_ASSERT_OK(hits);
  for (size_t i = 0; i < kN; ++i) {
    EXPECT_EQ(hits->ids_row(i)[0], i);
    EXPECT_NEAR(hits->distances_row(i)[0], 0.0f, 1e-3f);
  }
}

}  // namespace
}  // namespace vecdex
