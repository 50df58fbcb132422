// Flat: exact results against a brute-force oracle computed here, for every metric and search
// path (scan, BLAS batch, subset filter), plus remove/add, range search and save/load/mmap.
#include "index/flat/flat_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "testing/random_data.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vecdex/index_factory.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;

// Exact oracle in double precision: reported-convention scores (L2: squared distance,
// ip/cosine: similarity), best first, ties by smaller id.
struct Hit {
  double score;
  Id id;
};
std::vector<Hit> oracle(const std::vector<float>& base, const std::vector<Id>& ids, size_t dim,
                        const float* q, Metric metric, const Filter* filter = nullptr) {
  std::vector<double> qn(q, q + dim);
  if (metric == Metric::kCosine) {
    double s = 0;
    for (double v : qn) s += v * v;
    for (double& v : qn) v /= std::sqrt(s);
  }
  std::vector<Hit> hits;
  for (size_t i = 0; i < ids.size(); ++i) {
    if (filter != nullptr && !filter->allows(ids[i])) continue;
    const float* x = base.data() + i * dim;
    double xs = 0, dot = 0, l2 = 0;
    for (size_t j = 0; j < dim; ++j) xs += double(x[j]) * x[j];
    double scale = metric == Metric::kCosine ? 1.0 / std::sqrt(xs) : 1.0;
    for (size_t j = 0; j < dim; ++j) {
      double xv = x[j] * scale;
      dot += qn[j] * xv;
      l2 += (qn[j] - xv) * (qn[j] - xv);
    }
    hits.push_back({metric == Metric::kL2 ? l2 : dot, ids[i]});
  }
  bool larger_better = metric_is_similarity(metric);
  std::sort(hits.begin(), hits.end(), [&](const Hit& a, const Hit& b) {
    if (a.score != b.score) return larger_better ? a.score > b.score : a.score < b.score;
    return a.id < b.id;
  });
  return hits;
}

struct Fixture {
  size_t n, dim;
  std::vector<float> base;
  std::vector<Id> ids;
  std::unique_ptr<Index> index;
};

Fixture make_flat(size_t n, size_t dim, Metric metric, uint64_t seed = 1) {
  Fixture f{n, dim, testing::random_floats(n, dim, seed), {}, nullptr};
  for (size_t i = 0; i < n; ++i) f.ids.push_back(1000 + 3 * i);
  f.index = std::move(make_index("Flat", dim, metric).value());
  EXPECT_THAT(f.index->add(f.ids, MatrixView{f.base.data(), n, dim}), IsOk());
  return f;
}

// Checks each row of `r` against the oracle: same ids (set-wise when scores are within the
// float tolerance of each other) and scores within tolerance.
void expect_exact(const Fixture& f, const std::vector<float>& queries, size_t nq, size_t k,
                  const SearchResults& r, Metric metric, const Filter* filter = nullptr) {
  ASSERT_EQ(r.n, nq);
  ASSERT_EQ(r.k, k);
  for (size_t q = 0; q < nq; ++q) {
    auto truth = oracle(f.base, f.ids, f.dim, queries.data() + q * f.dim, metric, filter);
    for (size_t i = 0; i < k; ++i) {
      if (i >= truth.size()) {
        EXPECT_EQ(r.ids_row(q)[i], kNoId);
        EXPECT_TRUE(std::isinf(r.distances_row(q)[i]));
        continue;
      }
      double tol = 1e-3 * std::max(1.0, std::abs(truth[i].score));
      EXPECT_NEAR(r.distances_row(q)[i], truth[i].score, tol) << "query " << q << " rank " << i;
      if (r.ids_row(q)[i] != truth[i].id) {
        // Only acceptable for a near tie.
        auto it = std::find_if(truth.begin(), truth.end(),
                               [&](const Hit& h) { return h.id == r.ids_row(q)[i]; });
        ASSERT_NE(it, truth.end());
        EXPECT_NEAR(it->score, truth[i].score, tol) << "query " << q << " rank " << i;
      }
    }
  }
}

class FlatMetricTest : public ::testing::TestWithParam<Metric> {};

TEST_P(FlatMetricTest, SingleQueryScanIsExact) {
  Metric metric = GetParam();
  Fixture f = make_flat(700, 37, metric);
  auto q = testing::random_floats(5, 37, 99);
  auto r = f.index->search(MatrixView{q.data(), 5, 37}, 10);
  VECDEX_ASSERT_OK(r);
  expect_exact(f, q, 5, 10, *r, metric);
}

TEST_P(FlatMetricTest, BatchBlasPathIsExact) {
  Metric metric = GetParam();
  Fixture f = make_flat(2500, 64, metric);  // more rows than one BLAS block
  auto q = testing::random_floats(300, 64, 7);
  auto r = f.index->search(MatrixView{q.data(), 300, 64}, 7);
  VECDEX_ASSERT_OK(r);
  expect_exact(f, q, 300, 7, *r, metric);
}

TEST_P(FlatMetricTest, BatchPathMatchesSingleQueryPath) {
  Metric metric = GetParam();
  Fixture f = make_flat(1500, 33, metric);
  auto q = testing::random_floats(40, 33, 5);
  auto batch = f.index->search(MatrixView{q.data(), 40, 33}, 5);
  VECDEX_ASSERT_OK(batch);
  for (size_t i = 0; i < 40; ++i) {
    auto one = f.index->search(MatrixView{q.data() + i * 33, 1, 33}, 5);
    VECDEX_ASSERT_OK(one);
    for (size_t j = 0; j < 5; ++j) {
      EXPECT_EQ(one->ids[j], batch->ids_row(i)[j]) << "query " << i;
      EXPECT_NEAR(one->distances[j], batch->distances_row(i)[j], 1e-3);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Metrics, FlatMetricTest,
                         ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                         [](const auto& info) { return std::string(metric_name(info.param)); });

TEST(FlatIndexTest, OneAndTwoThreadsGiveIdenticalResults) {
  Fixture f = make_flat(3000, 24, Metric::kL2);
  auto q = testing::random_floats(500, 24, 11);
  for (size_t nq : {size_t{5}, size_t{500}}) {
    SearchParams one, two;
    one.threads = 1;
    two.threads = 2;
    auto a = f.index->search(MatrixView{q.data(), nq, 24}, 10, one);
    auto b = f.index->search(MatrixView{q.data(), nq, 24}, 10, two);
    VECDEX_ASSERT_OK(a);
    VECDEX_ASSERT_OK(b);
    EXPECT_EQ(a->ids, b->ids);
    EXPECT_EQ(a->distances, b->distances);
  }
}

TEST(FlatIndexTest, FiltersAtEverySelectivityAreExact) {
  Fixture f = make_flat(2000, 16, Metric::kL2);
  auto q = testing::random_floats(40, 16, 3);
  std::vector<Id> few = {f.ids[3], f.ids[500], f.ids[1999], 42 /* not in index */};
  std::vector<uint64_t> many_words((f.ids.back() >> 6) + 1, 0);
  for (size_t i = 0; i < f.n; i += 2) many_words[f.ids[i] >> 6] |= 1ull << (f.ids[i] & 63);
  Filter filters[] = {Filter::from_range(0, ~0ull), Filter::from_ids({}), Filter::from_ids(few),
                      Filter::from_bitset(many_words)};
  for (const Filter& filter : filters) {
    for (size_t nq : {size_t{1}, size_t{40}}) {
      auto r = f.index->search(MatrixView{q.data(), nq, 16}, 5, {}, &filter);
      VECDEX_ASSERT_OK(r);
      expect_exact(f, q, nq, 5, *r, Metric::kL2, &filter);
      for (Id id : r->ids) EXPECT_TRUE(id == kNoId || filter.allows(id));
    }
  }
}

TEST(FlatIndexTest, RemoveThenSearchNeverReturnsRemovedIds) {
  Fixture f = make_flat(300, 8, Metric::kL2);
  std::vector<Id> gone = {f.ids[0], f.ids[150], f.ids[299], 7 /* unknown */};
  auto removed = f.index->remove(gone);
  VECDEX_ASSERT_OK(removed);
  EXPECT_EQ(*removed, 3u);
  EXPECT_EQ(f.index->size(), 297u);
  // Searching with each removed vector must not find it.
  for (size_t row : {size_t{0}, size_t{150}, size_t{299}}) {
    auto r = f.index->search(MatrixView{f.base.data() + row * 8, 1, 8}, 20);
    VECDEX_ASSERT_OK(r);
    for (Id id : r->ids) EXPECT_NE(id, f.ids[row]);
  }
  // The rest is still exact: rebuild the oracle's view without the removed rows.
  Fixture rest{0, 8, {}, {}, nullptr};
  for (size_t i = 0; i < 300; ++i) {
    if (i == 0 || i == 150 || i == 299) continue;
    rest.ids.push_back(f.ids[i]);
    rest.base.insert(rest.base.end(), f.base.begin() + i * 8, f.base.begin() + (i + 1) * 8);
  }
  auto q = testing::random_floats(30, 8, 4);
  auto r = f.index->search(MatrixView{q.data(), 30, 8}, 6);
  VECDEX_ASSERT_OK(r);
  expect_exact(rest, q, 30, 6, *r, Metric::kL2);
}

TEST(FlatIndexTest, AddAfterRemoveReusesTheId) {
  Fixture f = make_flat(50, 4, Metric::kL2);
  std::vector<Id> id = {f.ids[10]};
  VECDEX_ASSERT_OK(f.index->remove(id));
  std::vector<float> v = {100, 100, 100, 100};
  VECDEX_ASSERT_OK(f.index->add(id, MatrixView{v.data(), 1, 4}));
  auto r = f.index->search(MatrixView{v.data(), 1, 4}, 1);
  VECDEX_ASSERT_OK(r);
  EXPECT_EQ(r->ids[0], f.ids[10]);
  EXPECT_FLOAT_EQ(r->distances[0], 0.0f);
}

TEST(FlatIndexTest, DuplicateIdIsRejectedAndNothingIsAdded) {
  Fixture f = make_flat(10, 4, Metric::kL2);
  std::vector<float> v(8, 0.5f);
  std::vector<Id> existing = {999, f.ids[2]};
  EXPECT_THAT(f.index->add(existing, MatrixView{v.data(), 2, 4}),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("id 1006")));
  std::vector<Id> twice = {5, 5};
  EXPECT_THAT(f.index->add(twice, MatrixView{v.data(), 2, 4}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("id 5 appears twice")));
  EXPECT_EQ(f.index->size(), 10u);
}

TEST(FlatIndexTest, RangeSearchReturnsEverythingInsideTheRadius) {
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
    Fixture f = make_flat(400, 6, metric);
    auto q = testing::random_floats(3, 6, 8);
    float radius = metric == Metric::kL2 ? 1.5f : 0.8f;
    auto r = f.index->range_search(MatrixView{q.data(), 3, 6}, radius);
    VECDEX_ASSERT_OK(r);
    ASSERT_EQ(r->offsets.size(), 4u);
    for (size_t i = 0; i < 3; ++i) {
      auto truth = oracle(f.base, f.ids, 6, q.data() + i * 6, metric);
      size_t expected = 0;
      for (const Hit& h : truth) {
        bool inside = metric == Metric::kL2 ? h.score < radius : h.score > radius;
        expected += inside;
      }
      EXPECT_NEAR(double(r->offsets[i + 1] - r->offsets[i]), double(expected), 1.0);
      for (size_t j = r->offsets[i]; j < r->offsets[i + 1]; ++j) {
        if (metric == Metric::kL2) {
          EXPECT_LT(r->distances[j], radius);
        } else {
          EXPECT_GT(r->distances[j], radius);
        }
        if (j > r->offsets[i]) {
          EXPECT_TRUE(metric == Metric::kL2 ? r->distances[j - 1] <= r->distances[j]
                                            : r->distances[j - 1] >= r->distances[j]);
        }
      }
    }
  }
}

TEST(FlatIndexTest, SaveLoadAndMmapRoundTripThenAddCopiesOnWrite) {
  testing::TempDir dir;
  Fixture f = make_flat(500, 12, Metric::kCosine);
  auto q = testing::random_floats(20, 12, 2);
  auto before = f.index->search(MatrixView{q.data(), 20, 12}, 5);
  VECDEX_ASSERT_OK(before);
  VECDEX_ASSERT_OK(f.index->save(dir.file("flat.vdx")));
  for (bool use_mmap : {false, true}) {
    auto loaded = load_index(dir.file("flat.vdx"), LoadOptions{use_mmap});
    VECDEX_ASSERT_OK(loaded);
    Index& idx = **loaded;
    EXPECT_EQ(idx.size(), 500u);
    EXPECT_EQ(idx.metric(), Metric::kCosine);
    EXPECT_EQ(idx.spec(), "Flat");
    auto after = idx.search(MatrixView{q.data(), 20, 12}, 5);
    VECDEX_ASSERT_OK(after);
    EXPECT_EQ(after->ids, before->ids);
    EXPECT_EQ(after->distances, before->distances);
    std::vector<Id> id = {1};
    std::vector<float> v(12, 1.0f);
    VECDEX_ASSERT_OK(idx.add(id, MatrixView{v.data(), 1, 12}));
    std::vector<Id> gone = {f.ids[0]};
    VECDEX_ASSERT_OK(idx.remove(gone));
    EXPECT_EQ(idx.size(), 500u);
    auto r = idx.search(MatrixView{v.data(), 1, 12}, 1);
    VECDEX_ASSERT_OK(r);
    EXPECT_EQ(r->ids[0], 1u);
    EXPECT_NEAR(r->distances[0], 1.0f, 1e-5);
  }
  // The file on disk is untouched by the copy-on-write.
  auto again = load_index(dir.file("flat.vdx"), LoadOptions{true});
  VECDEX_ASSERT_OK(again);
  EXPECT_EQ((*again)->size(), 500u);
}

TEST(FlatIndexTest, CosineRejectsZeroVectors) {
  auto index = std::move(make_index("Flat", 3, Metric::kCosine).value());
  std::vector<float> v = {1, 0, 0, 0, 0, 0};
  std::vector<Id> ids = {1, 2};
  EXPECT_THAT(index->add(ids, MatrixView{v.data(), 2, 3}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("row 1 (id 2) is a zero vector")));
  std::vector<Id> one = {1};
  VECDEX_ASSERT_OK(index->add(one, MatrixView{v.data(), 1, 3}));
  EXPECT_THAT(index->search(MatrixView{v.data() + 3, 1, 3}, 1),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("query row 0 is a zero vector")));
}

TEST(FlatIndexTest, StatsReportFamilyCountAndKernelTarget) {
  Fixture f = make_flat(100, 8, Metric::kL2);
  IndexStats s = f.index->stats();
  EXPECT_EQ(s.family, "Flat");
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.dim, 8u);
  EXPECT_GE(s.bytes, 100u * 8 * sizeof(float));
  EXPECT_FALSE(s.simd_target.empty());
}

TEST(FlatIndexTest, LargeKBeyondSizeIsPadded) {
  Fixture f = make_flat(30, 4, Metric::kInnerProduct);
  auto q = testing::random_floats(20, 4, 1);
  auto r = f.index->search(MatrixView{q.data(), 20, 4}, 50);
  VECDEX_ASSERT_OK(r);
  expect_exact(f, q, 20, 50, *r, Metric::kInnerProduct);
  EXPECT_EQ(r->distances_row(3)[49], -std::numeric_limits<float>::infinity());
}

}  // namespace
}  // namespace vecdex
