// The training-sample draw behind max_points_per_centroid (cluster/kmeans_steps.h).
#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "cluster/kmeans_steps.h"

namespace vecdex::cluster::internal {
namespace {

TEST(SampleRowsTest, ReturnsDistinctAscendingRowsOfTheRightCount) {
  std::mt19937_64 rng(1);
  for (size_t count : {size_t{0}, size_t{1}, size_t{37}, size_t{500}}) {
    const std::vector<size_t> rows = sample_rows(500, count, rng);
    ASSERT_EQ(rows.size(), count);
    EXPECT_TRUE(std::is_sorted(rows.begin(), rows.end()));
    EXPECT_EQ(std::adjacent_find(rows.begin(), rows.end()), rows.end());
    if (!rows.empty()) {
      EXPECT_LT(rows.back(), 500u);
    }
  }
}

TEST(SampleRowsTest, EveryRowIsEquallyLikely) {
  // 2000 draws of 100 out of 1000: each row is expected 200 times (sd ~13.4).
  std::mt19937_64 rng(7);
  std::vector<int> hits(1000, 0);
  for (int draw = 0; draw < 2000; ++draw) {
    for (size_t r : sample_rows(1000, 100, rng)) ++hits[r];
  }
  for (size_t r = 0; r < 1000; ++r) {
    EXPECT_GT(hits[r], 130) << "row " << r;
    EXPECT_LT(hits[r], 270) << "row " << r;
  }
  // No drift between the first and the last rows (a classic selection-sampling bug).
  int first = 0, last = 0;
  for (size_t r = 0; r < 100; ++r) {
    first += hits[r];
    last += hits[900 + r];
  }
  EXPECT_NEAR(first, last, 800);
}

}  // namespace
}  // namespace vecdex::cluster::internal
