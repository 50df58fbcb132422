// assign_nearest / nearest_centroids / assign_balanced against brute force in double precision,
// on both paths (exact SIMD kernels below 4 rows, blocked sgemm above) and across the
// 1024-centroid block boundary.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <vector>

#include "cluster/kmeans.h"
#include "testing/random_data.h"
#include "testing/status_matchers.h"

namespace vecdex::cluster {
namespace {

using ::testing::HasSubstr;

// Brute-force distances in assign_nearest's convention: squared L2 or the negated dot product.
std::vector<double> brute_row(const float* x, const std::vector<float>& c, size_t k, size_t dim,
                              bool ip) {
  std::vector<double> out(k);
  for (size_t j = 0; j < k; ++j) {
    double acc = 0;
    for (size_t d = 0; d < dim; ++d) {
      const double a = x[d];
      const double b = c[j * dim + d];
      acc += ip ? -a * b : (a - b) * (a - b);
    }
    out[j] = acc;
  }
  return out;
}

struct Case {
  size_t rows;
  size_t k;
  size_t dim;
};

class AssignTest : public ::testing::TestWithParam<std::tuple<Case, bool>> {};

TEST_P(AssignTest, AssignNearestMatchesBruteForce) {
  const auto [c, ip] = GetParam();
  const std::vector<float> data = testing::random_floats(c.rows, c.dim, 11);
  const std::vector<float> cent = testing::random_floats(c.k, c.dim, 12);
  std::vector<uint32_t> labels(c.rows);
  std::vector<float> dist(c.rows);
  assign_nearest(MatrixView{data.data(), c.rows, c.dim}, cent.data(), c.k, ip, labels.data(),
                 dist.data(), 2);
  for (size_t i = 0; i < c.rows; ++i) {
    const std::vector<double> all = brute_row(data.data() + i * c.dim, cent, c.k, c.dim, ip);
    const double best = *std::min_element(all.begin(), all.end());
    ASSERT_LT(labels[i], c.k);
    // Near-ties may resolve either way under float rounding; the pick must be within it.
    EXPECT_NEAR(all[labels[i]], best, 1e-4 * c.dim) << "row " << i;
    EXPECT_NEAR(dist[i], all[labels[i]], 1e-4 * c.dim) << "row " << i;
  }
}

TEST_P(AssignTest, NearestCentroidsMatchesBruteForce) {
  const auto [c, ip] = GetParam();
  const std::vector<float> data = testing::random_floats(c.rows, c.dim, 21);
  const std::vector<float> cent = testing::random_floats(c.k, c.dim, 22);
  for (size_t n : {size_t{1}, size_t{3}, size_t{32}, size_t{33}, c.k}) {
    if (n > c.k) continue;
    std::vector<uint32_t> labels(c.rows * n);
    std::vector<float> dist(c.rows * n);
    nearest_centroids(MatrixView{data.data(), c.rows, c.dim}, cent.data(), c.k, n, ip,
                      labels.data(), dist.data(), 2);
    for (size_t i = 0; i < c.rows; ++i) {
      std::vector<double> all = brute_row(data.data() + i * c.dim, cent, c.k, c.dim, ip);
      std::vector<double> sorted = all;
      std::sort(sorted.begin(), sorted.end());
      std::vector<uint32_t> seen(labels.begin() + i * n, labels.begin() + (i + 1) * n);
      std::sort(seen.begin(), seen.end());
      ASSERT_EQ(std::adjacent_find(seen.begin(), seen.end()), seen.end()) << "duplicate label";
      for (size_t t = 0; t < n; ++t) {
        const uint32_t j = labels[i * n + t];
        ASSERT_LT(j, c.k);
        EXPECT_NEAR(all[j], sorted[t], 1e-4 * c.dim) << "row " << i << " rank " << t;
        EXPECT_NEAR(dist[i * n + t], all[j], 1e-4 * c.dim);
        if (t > 0) {
          EXPECT_LE(dist[i * n + t - 1], dist[i * n + t]);
        }
      }
    }
  }
}

TEST_P(AssignTest, ThreadCountDoesNotChangeResults) {
  const auto [c, ip] = GetParam();
  const std::vector<float> data = testing::random_floats(c.rows, c.dim, 31);
  const std::vector<float> cent = testing::random_floats(c.k, c.dim, 32);
  const MatrixView view{data.data(), c.rows, c.dim};
  const size_t n = std::min<size_t>(5, c.k);
  std::vector<uint32_t> l1(c.rows * n), l2(c.rows * n);
  std::vector<float> d1(c.rows * n), d2(c.rows * n);
  nearest_centroids(view, cent.data(), c.k, n, ip, l1.data(), d1.data(), 1);
  nearest_centroids(view, cent.data(), c.k, n, ip, l2.data(), d2.data(), 2);
  EXPECT_EQ(l1, l2);
  EXPECT_EQ(d1, d2);
  assign_nearest(view, cent.data(), c.k, ip, l1.data(), d1.data(), 1);
  assign_nearest(view, cent.data(), c.k, ip, l2.data(), d2.data(), 0);
  EXPECT_EQ(std::vector<uint32_t>(l1.begin(), l1.begin() + c.rows),
            std::vector<uint32_t>(l2.begin(), l2.begin() + c.rows));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, AssignTest,
    ::testing::Combine(::testing::Values(Case{1, 7, 17}, Case{3, 1030, 24}, Case{4, 9, 17},
                                         Case{5, 40, 3}, Case{15, 1030, 24},
                                         Case{300, 1030, 20}, Case{1100, 64, 33},
                                         Case{40, 1, 5}),
                       ::testing::Bool()));

TEST(AssignNearestTest, TiesGoToTheLowerCentroid) {
  const std::vector<float> data = testing::random_floats(40, 8, 41);
  std::vector<float> cent = testing::random_floats(3, 8, 42);
  // Centroids 1 and 2 coincide; rows nearest to them must all pick 1.
  std::copy(cent.begin() + 8, cent.begin() + 16, cent.begin() + 16);
  for (size_t rows : {size_t{2}, size_t{40}}) {
    std::vector<uint32_t> labels(rows);
    assign_nearest(MatrixView{data.data(), rows, 8}, cent.data(), 3, false, labels.data(),
                   nullptr, 1);
    for (uint32_t l : labels) EXPECT_NE(l, 2u);
  }
}

TEST(NearestCentroidsTest, ColumnsBeyondKArePadded) {
  const std::vector<float> data = testing::random_floats(20, 4, 61);
  const std::vector<float> cent = testing::random_floats(3, 4, 62);
  for (size_t rows : {size_t{1}, size_t{20}}) {
    std::vector<uint32_t> labels(rows * 5);
    std::vector<float> dist(rows * 5);
    nearest_centroids(MatrixView{data.data(), rows, 4}, cent.data(), 3, 5, false, labels.data(),
                      dist.data(), 1);
    for (size_t i = 0; i < rows; ++i) {
      std::vector<uint32_t> first(labels.begin() + i * 5, labels.begin() + i * 5 + 3);
      std::sort(first.begin(), first.end());
      EXPECT_EQ(first, (std::vector<uint32_t>{0, 1, 2}));
      EXPECT_EQ(labels[i * 5 + 3], UINT32_MAX);
      EXPECT_EQ(labels[i * 5 + 4], UINT32_MAX);
      EXPECT_EQ(dist[i * 5 + 4], std::numeric_limits<float>::infinity());
    }
  }
}

TEST(AssignNearestTest, EmptyInputIsANoOp) {
  const std::vector<float> cent = testing::random_floats(3, 4, 1);
  uint32_t label = 77;
  assign_nearest(MatrixView{nullptr, 0, 4}, cent.data(), 3, false, &label, nullptr, 0);
  nearest_centroids(MatrixView{nullptr, 0, 4}, cent.data(), 3, 2, false, &label, nullptr, 0);
  EXPECT_EQ(label, 77u);
}

// ---- assign_balanced ----

TEST(AssignBalancedTest, RespectsTheCapAndKeepsNearestWhenThereIsRoom) {
  // Skewed data: most rows sit near centroid 0.
  std::vector<float> data = testing::random_floats(600, 6, 51);
  for (size_t i = 0; i < 450; ++i) {
    for (size_t d = 0; d < 6; ++d) data[i * 6 + d] = data[i * 6 + d] * 0.1f + 3.0f;
  }
  std::vector<float> cent = testing::random_floats(4, 6, 52);
  std::fill(cent.begin(), cent.begin() + 6, 3.0f);
  const MatrixView view{data.data(), 600, 6};
  for (size_t cap : {size_t{150}, size_t{200}, size_t{600}}) {
    std::vector<uint32_t> labels(600), nearest(600);
    std::vector<float> dist(600);
    VECDEX_ASSERT_OK(assign_balanced(view, cent.data(), 4, false, cap, labels.data(), dist.data(),
                                     2));
    assign_nearest(view, cent.data(), 4, false, nearest.data(), nullptr, 1);
    std::vector<size_t> counts(4, 0);
    for (uint32_t l : labels) ++counts[l];
    for (size_t j = 0; j < 4; ++j) EXPECT_LE(counts[j], cap) << "cluster " << j;
    for (size_t i = 0; i < 600; ++i) {
      // A row leaves its nearest centroid only when that one is full.
      if (labels[i] != nearest[i]) {
        EXPECT_EQ(counts[nearest[i]], cap) << "row " << i;
      }
      const auto all = brute_row(data.data() + i * 6, cent, 4, 6, false);
      EXPECT_NEAR(dist[i], all[labels[i]], 1e-3);
    }
    if (cap == 600) {
      EXPECT_EQ(labels, nearest);
    }
  }
}

TEST(AssignBalancedTest, OverflowKeepsTheRowsClosestToTheFullCentroid) {
  // Five rows on a line near centroid 0 (at 0); centroid 1 far away at 100. Cap 3: the three
  // rows nearest 0 stay, the two farthest move.
  const std::vector<float> data = {0.0f, 1.0f, 2.0f, 3.0f, 4.0f};
  const std::vector<float> cent = {0.0f, 100.0f};
  std::vector<uint32_t> labels(5);
  VECDEX_ASSERT_OK(assign_balanced(MatrixView{data.data(), 5, 1}, cent.data(), 2, false, 3,
                                   labels.data(), nullptr, 1));
  EXPECT_EQ(labels, (std::vector<uint32_t>{0, 0, 0, 1, 1}));
}

TEST(AssignBalancedTest, RejectsImpossibleCaps) {
  const std::vector<float> data = testing::random_floats(10, 2, 1);
  const std::vector<float> cent = testing::random_floats(3, 2, 2);
  std::vector<uint32_t> labels(10);
  const MatrixView view{data.data(), 10, 2};
  EXPECT_THAT(assign_balanced(view, cent.data(), 3, false, 3, labels.data(), nullptr, 1),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("need max_cluster_size >= 4")));
  EXPECT_THAT(assign_balanced(view, cent.data(), 3, false, 0, labels.data(), nullptr, 1),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("at least 1")));
  EXPECT_THAT(assign_balanced(view, cent.data(), 0, false, 5, labels.data(), nullptr, 1),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("0 clusters")));
}

}  // namespace
}  // namespace vecdex::cluster
