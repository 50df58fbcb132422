// kmeans(): cluster recovery, objective, determinism (seed and thread count), sampling,
// empty-cluster repair, spherical and balanced variants, and every input error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "cluster/kmeans.h"
#include "testing/random_data.h"
#include "testing/status_matchers.h"
#include "vecdex/dataset.h"

namespace vecdex::cluster {
namespace {

using ::testing::HasSubstr;

double squared_l2(const float* a, const float* b, size_t dim) {
  double acc = 0;
  for (size_t d = 0; d < dim; ++d) acc += (double{a[d]} - b[d]) * (double{a[d]} - b[d]);
  return acc;
}

// `clusters` centres spread far apart, `per` rows around each with noise of sd `noise`;
// labels[i] is the true cluster of row i.
struct Blobs {
  std::vector<float> data;
  std::vector<float> centres;
  std::vector<size_t> labels;
  size_t rows = 0;
  size_t dim = 0;
  MatrixView view() const { return MatrixView{data.data(), rows, dim}; }
};
Blobs make_blobs(size_t clusters, size_t per, size_t dim, float noise, uint64_t seed) {
  Blobs b;
  b.rows = clusters * per;
  b.dim = dim;
  b.centres = testing::random_floats(clusters, dim, seed);
  for (float& c : b.centres) c *= 20.0f;
  std::mt19937_64 rng(seed + 1);
  std::normal_distribution<float> gauss(0.0f, noise);
  for (size_t i = 0; i < b.rows; ++i) {
    const size_t c = i % clusters;  // interleaved, so row order says nothing about clusters
    b.labels.push_back(c);
    for (size_t d = 0; d < dim; ++d) b.data.push_back(b.centres[c * dim + d] + gauss(rng));
  }
  return b;
}

std::vector<uint32_t> labels_of(MatrixView data, const KMeansResult& r) {
  std::vector<uint32_t> labels(data.rows);
  assign_nearest(data, r.centroids.data(), r.k, false, labels.data(), nullptr, 1);
  return labels;
}

TEST(KMeansTest, RecoversWellSeparatedClusters) {
  for (KMeansInit init : {KMeansInit::kPlusPlus, KMeansInit::kRandom}) {
    const Blobs b = make_blobs(8, 100, 16, 0.5f, 7);
    KMeansOptions o;
    o.k = 8;
    o.init = init;
    auto r = kmeans(b.view(), o);
    VECDEX_ASSERT_OK(r);
    ASSERT_EQ(r->centroids.size(), 8u * 16u);
    // Every true centre has a centroid within a noise-sized distance (k-means++ always finds
    // them on such data; random init usually seeds two centres in one blob, and Lloyd cannot
    // move a centroid across the empty space between blobs, so it gets a looser check).
    size_t found = 0;
    for (size_t c = 0; c < 8; ++c) {
      double best = std::numeric_limits<double>::infinity();
      for (size_t j = 0; j < 8; ++j) {
        best = std::min(best, squared_l2(b.centres.data() + c * 16, r->centroids.data() + j * 16,
                                         16));
      }
      if (best < 0.1) ++found;
    }
    if (init == KMeansInit::kPlusPlus) {
      EXPECT_EQ(found, 8u);
      // Pure clusters: rows of one true cluster share a label, and no two clusters share one.
      const std::vector<uint32_t> labels = labels_of(b.view(), *r);
      std::vector<int> owner(8, -1);
      for (size_t i = 0; i < b.rows; ++i) {
        if (owner[labels[i]] == -1) owner[labels[i]] = static_cast<int>(b.labels[i]);
        EXPECT_EQ(owner[labels[i]], static_cast<int>(b.labels[i])) << "row " << i;
      }
      EXPECT_NEAR(r->objective, 800.0 * 16 * 0.25, 800.0 * 16 * 0.25 * 0.2);
    } else {
      EXPECT_GE(found, 4u);
    }
  }
}

TEST(KMeansTest, ObjectiveDecreasesFromInitAndMatchesReturnedCentroids) {
  auto data = generate_clustered({.n = 3000, .n_queries = 0, .dim = 24, .clusters = 40,
                                  .spread = 2.0f, .seed = 3});
  VECDEX_ASSERT_OK(data);
  const MatrixView view{data->base.data.data(), 3000, 24};
  KMeansOptions o;
  o.k = 32;
  o.iterations = 0;
  auto init = kmeans(view, o);
  VECDEX_ASSERT_OK(init);
  EXPECT_EQ(init->iterations_run, 0u);
  o.iterations = 15;
  auto trained = kmeans(view, o);
  VECDEX_ASSERT_OK(trained);
  EXPECT_GT(trained->iterations_run, 0u);
  EXPECT_LT(trained->objective, 0.9 * init->objective);
  // The objective is that of the returned centroids.
  double objective = 0;
  const std::vector<uint32_t> labels = labels_of(view, *trained);
  for (size_t i = 0; i < 3000; ++i) {
    objective += squared_l2(view.row(i), trained->centroids.data() + labels[i] * 24, 24);
  }
  EXPECT_NEAR(trained->objective, objective, 1e-4 * objective);
}

TEST(KMeansTest, StopsEarlyWhenConverged) {
  const Blobs b = make_blobs(4, 50, 3, 0.1f, 9);
  KMeansOptions o;
  o.k = 4;
  o.iterations = 50;
  auto r = kmeans(b.view(), o);
  VECDEX_ASSERT_OK(r);
  EXPECT_LT(r->iterations_run, 50u);
}

TEST(KMeansTest, SameSeedSameCentroidsAndThreadCountDoesNotMatter) {
  // 9000 rows: several assignment blocks and several k-means++ blocks, so threads really split.
  const std::vector<float> data = testing::random_floats(9000, 12, 5);
  const MatrixView view{data.data(), 9000, 12};
  KMeansOptions o;
  o.k = 40;
  o.iterations = 8;
  o.threads = 1;
  auto one = kmeans(view, o);
  o.threads = 2;
  auto two = kmeans(view, o);
  o.threads = 0;
  auto all = kmeans(view, o);
  VECDEX_ASSERT_OK(one);
  VECDEX_ASSERT_OK(two);
  VECDEX_ASSERT_OK(all);
  EXPECT_EQ(one->centroids, two->centroids);
  EXPECT_EQ(one->centroids, all->centroids);
  EXPECT_EQ(one->objective, two->objective);
  o.seed = 99;
  auto other = kmeans(view, o);
  VECDEX_ASSERT_OK(other);
  EXPECT_NE(one->centroids, other->centroids);
}

TEST(KMeansTest, SamplesAtMostMaxPointsPerCentroid) {
  const std::vector<float> data = testing::random_floats(5000, 4, 6);
  KMeansOptions o;
  o.k = 4;
  o.max_points_per_centroid = 100;
  auto r = kmeans(MatrixView{data.data(), 5000, 4}, o);
  VECDEX_ASSERT_OK(r);
  EXPECT_EQ(r->training_rows, 400u);
  o.max_points_per_centroid = 2000;
  r = kmeans(MatrixView{data.data(), 5000, 4}, o);
  VECDEX_ASSERT_OK(r);
  EXPECT_EQ(r->training_rows, 5000u);
}

TEST(KMeansTest, RepairsEmptyClustersFromDuplicatedRows) {
  // 6 distinct points, each repeated 50 times, and k = 10: seeding must pick duplicates, whose
  // clusters come out empty and get split off the big ones.
  const std::vector<float> points = testing::random_floats(6, 5, 8);
  std::vector<float> data;
  for (size_t rep = 0; rep < 50; ++rep) data.insert(data.end(), points.begin(), points.end());
  for (KMeansInit init : {KMeansInit::kPlusPlus, KMeansInit::kRandom}) {
    KMeansOptions o;
    o.k = 10;
    o.init = init;
    auto r = kmeans(MatrixView{data.data(), 300, 5}, o);
    VECDEX_ASSERT_OK(r);
    EXPECT_GT(r->empty_cluster_repairs, 0u);
    for (float v : r->centroids) EXPECT_TRUE(std::isfinite(v));
    EXPECT_NEAR(r->objective, 0.0, 1e-3);  // every distinct point is its own centroid
  }
}

TEST(KMeansTest, SphericalCentroidsHaveUnitNorm) {
  std::vector<float> data = testing::random_floats(2000, 10, 12);
  for (size_t i = 0; i < 2000; ++i) {
    double n = std::sqrt(squared_l2(data.data() + i * 10, std::vector<float>(10, 0.f).data(), 10));
    for (size_t d = 0; d < 10; ++d) data[i * 10 + d] = static_cast<float>(data[i * 10 + d] / n);
  }
  KMeansOptions o;
  o.k = 16;
  o.spherical = true;
  auto r = kmeans(MatrixView{data.data(), 2000, 10}, o);
  VECDEX_ASSERT_OK(r);
  for (size_t j = 0; j < 16; ++j) {
    double sq = 0;
    const float* c = r->centroids.data() + j * 10;
    for (size_t d = 0; d < 10; ++d) sq += double{c[d]} * c[d];
    EXPECT_NEAR(sq, 1.0, 1e-5) << "centroid " << j;
  }
  EXPECT_LT(r->objective, -0.5 * 2000);  // negated inner products: mean cosine above 0.5
}

TEST(KMeansTest, BalancedRespectsTheCap) {
  // Two tight blobs of 300 and 100 rows; k = 4 with a cap of 100 forces equal clusters.
  std::vector<float> data = testing::random_floats(400, 8, 13);
  for (size_t i = 0; i < 300; ++i) data[i * 8] += 10.0f;
  const MatrixView view{data.data(), 400, 8};
  KMeansOptions o;
  o.k = 4;
  o.max_cluster_size = 100;
  auto r = kmeans(view, o);
  VECDEX_ASSERT_OK(r);
  std::vector<uint32_t> labels(400);
  VECDEX_ASSERT_OK(assign_balanced(view, r->centroids.data(), 4, false, 100, labels.data(),
                                   nullptr, 1));
  std::vector<size_t> counts(4, 0);
  for (uint32_t l : labels) ++counts[l];
  EXPECT_EQ(counts, (std::vector<size_t>{100, 100, 100, 100}));
  // Unbalanced k-means on the same data gives uneven plain assignments; the cap changed things.
  o.max_cluster_size = 0;
  auto free_run = kmeans(view, o);
  VECDEX_ASSERT_OK(free_run);
  EXPECT_NE(free_run->centroids, r->centroids);
}

TEST(KMeansTest, BalancedWithSamplingScalesTheCap) {
  const std::vector<float> data = testing::random_floats(4000, 4, 14);
  KMeansOptions o;
  o.k = 8;
  o.max_points_per_centroid = 50;  // sample of 400 rows
  o.max_cluster_size = 500;        // exact balance on the data -> 50 per cluster on the sample
  auto r = kmeans(MatrixView{data.data(), 4000, 4}, o);
  VECDEX_ASSERT_OK(r);
  EXPECT_EQ(r->training_rows, 400u);
}

TEST(KMeansTest, PlusPlusSeedingNeverPicksACoveredPoint) {
  // 12 distinct points repeated in shuffled order: D^2 sampling gives covered points weight 0,
  // so k = 12 seeds land on 12 different points and the objective is 0 before Lloyd. 120 rows
  // seed on all rows; 600 rows seed on a 16 * k subsample.
  const std::vector<float> points = testing::random_floats(12, 9, 16);
  // A seed on an already covered point leaves some distinct point uncovered, which adds at
  // least the smallest squared gap between two distinct points to the objective. Anything far
  // below that is float rounding: the assignment expands |x|^2 + |c|^2 - 2 x.c, whose error
  // over 600 rows reaches ~1e-5 on some BLAS kernels (AVX2), where exact arithmetic gives 0.
  float min_gap = std::numeric_limits<float>::max();
  for (size_t a = 0; a < 12; ++a) {
    for (size_t b = a + 1; b < 12; ++b) {
      float d2 = 0;
      for (size_t j = 0; j < 9; ++j) {
        const float diff = points[a * 9 + j] - points[b * 9 + j];
        d2 += diff * diff;
      }
      min_gap = std::min(min_gap, d2);
    }
  }
  ASSERT_GT(min_gap, 1e-2f);
  for (size_t rows : {size_t{120}, size_t{600}}) {
    std::vector<float> data;
    std::mt19937_64 rng(3);
    for (size_t i = 0; i < rows; ++i) {
      const size_t p = i < 12 ? i : rng() % 12;  // every point at least once
      data.insert(data.end(), points.begin() + p * 9, points.begin() + (p + 1) * 9);
    }
    KMeansOptions o;
    o.k = 12;
    o.iterations = 0;
    for (uint64_t seed : {1, 2, 3, 4}) {
      o.seed = seed;
      auto r = kmeans(MatrixView{data.data(), rows, 9}, o);
      VECDEX_ASSERT_OK(r);
      EXPECT_LT(r->objective, 1e-3 * min_gap) << "seed " << seed << ", " << rows << " rows";
    }
  }
}

TEST(KMeansTest, KEqualsRowsPutsOneCentroidOnEachRow) {
  const std::vector<float> data = testing::random_floats(7, 3, 15);
  KMeansOptions o;
  o.k = 7;
  auto r = kmeans(MatrixView{data.data(), 7, 3}, o);
  VECDEX_ASSERT_OK(r);
  EXPECT_NEAR(r->objective, 0.0, 1e-9);
}

// ---- errors ----

TEST(KMeansErrorsTest, RejectsBadShapesAndOptions) {
  const std::vector<float> data = testing::random_floats(10, 3, 1);
  const MatrixView view{data.data(), 10, 3};
  KMeansOptions o;
  o.k = 0;
  EXPECT_THAT(kmeans(view, o), StatusIs(StatusCode::kInvalidArgument, HasSubstr("k is 0")));
  o.k = 11;
  EXPECT_THAT(kmeans(view, o),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("k = 11 exceeds the 10")));
  o.k = 2;
  EXPECT_THAT(kmeans(MatrixView{data.data(), 10, 0}, o),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim is 0")));
  EXPECT_THAT(kmeans(MatrixView{nullptr, 10, 3}, o),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("null")));
  EXPECT_THAT(kmeans(MatrixView{nullptr, 0, 3}, o),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("exceeds the 0 training rows")));
  o.max_points_per_centroid = 0;
  EXPECT_THAT(kmeans(view, o),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("max_points_per_centroid")));
  o.max_points_per_centroid = 256;
  o.k = 3;
  o.max_cluster_size = 3;
  EXPECT_THAT(kmeans(view, o),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("max_cluster_size = 3")));
  o.max_cluster_size = 4;
  VECDEX_EXPECT_OK(kmeans(view, o));
}

TEST(KMeansErrorsTest, RejectsNonFiniteValues) {
  KMeansOptions o;
  o.k = 2;
  for (float bad : {std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    std::vector<float> data = testing::random_floats(10, 3, 1);
    data[3 * 3 + 2] = bad;
    EXPECT_THAT(kmeans(MatrixView{data.data(), 10, 3}, o),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("row 3 has a non-finite")));
    EXPECT_THAT(kmeans(MatrixView{data.data(), 10, 3}, o),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("dimension 2")));
  }
}

}  // namespace
}  // namespace vecdex::cluster
