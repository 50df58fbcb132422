// RPForest search: recall against exact search for every metric (growing with search_k),
// exactness when search_k covers the forest, determinism for a seed at any thread count,
// padding, empty index, degenerate data, stats.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "index/hnsw/hnsw_test_util.h"
#include "testing/random_data.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vecdex/index_factory.h"

namespace vecdex {
namespace {

using testing::HnswData;

std::unique_ptr<Index> build(const std::string& spec, const HnswData& d, Metric metric,
                             uint32_t threads = 0) {
  auto index = make_index(spec, d.base.dim, metric);
  if (!index.ok()) return nullptr;
  if (!(*index)->add(d.ids, d.base.view(), BuildOptions{threads}).ok()) return nullptr;
  return std::move(index).value();
}

// Exact top-k ids of every query, from the Flat index (any metric).
std::vector<std::vector<Id>> truth(const HnswData& d, Metric metric, size_t k) {
  auto flat = build("Flat", d, metric);
  std::vector<std::vector<Id>> out(d.queries.rows);
  if (flat == nullptr) return out;
  auto r = flat->search(d.queries.view(), k);
  if (!r.ok()) return out;
  for (size_t q = 0; q < r->n; ++q) {
    out[q].assign(r->ids_row(q), r->ids_row(q) + k);
  }
  return out;
}

SearchParams with_search_k(uint32_t search_k) {
  SearchParams p;
  p.search_k = search_k;
  return p;
}

class RpForestMetricTest : public ::testing::TestWithParam<Metric> {};

TEST_P(RpForestMetricTest, RecallGrowsWithSearchKAndReachesNinety) {
  const Metric metric = GetParam();
  HnswData d = testing::clustered(4000, 50, 24);
  auto index = build("RPForest10,leaf=16", d, metric);
  ASSERT_NE(index, nullptr);
  const auto exact = truth(d, metric, 10);
  double previous = -1.0;
  for (uint32_t search_k : {10u, 100u, 400u, 2000u}) {
    auto r = index->search(d.queries.view(), 10, with_search_k(search_k));
    VECDEX_ASSERT_OK(r);
    const double recall = testing::recall(*r, exact);
    EXPECT_GE(recall, previous - 0.02) << "search_k " << search_k;
    previous = recall;
    if (search_k == 10) {
      EXPECT_LT(recall, 0.9) << "a tiny search_k cannot find most neighbours";
    }
  }
  EXPECT_GE(previous, 0.9) << metric_name(metric);
  // Distances are the metric's: ascending squared L2, or descending similarity.
  auto r = index->search(d.queries.view(), 10, with_search_k(2000));
  VECDEX_ASSERT_OK(r);
  for (size_t q = 0; q < r->n; ++q) {
    for (size_t i = 1; i < r->k; ++i) {
      if (metric == Metric::kL2) {
        EXPECT_LE(r->distances_row(q)[i - 1], r->distances_row(q)[i]);
      } else {
        EXPECT_GE(r->distances_row(q)[i - 1], r->distances_row(q)[i]);
      }
    }
  }
}

TEST_P(RpForestMetricTest, SearchKCoveringTheForestIsExact) {
  const Metric metric = GetParam();
  HnswData d = testing::clustered(1500, 20, 12, 7);
  auto index = build("RPForest4,leaf=8", d, metric);
  ASSERT_NE(index, nullptr);
  auto r = index->search(d.queries.view(), 10, with_search_k(4 * 1500));
  VECDEX_ASSERT_OK(r);
  EXPECT_DOUBLE_EQ(testing::recall(*r, truth(d, metric, 10)), 1.0);
}

INSTANTIATE_TEST_SUITE_P(Metrics, RpForestMetricTest,
                         ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                         [](const auto& info) { return std::string(metric_name(info.param)); });

TEST(RpForestSearchTest, DefaultSearchKGivesUsefulRecall) {
  HnswData d = testing::clustered(4000, 50, 24);
  auto index = build("RPForest10,leaf=16", d, Metric::kL2);
  ASSERT_NE(index, nullptr);
  auto r = index->search(d.queries.view(), 10);
  VECDEX_ASSERT_OK(r);
  EXPECT_GE(testing::recall(*r, truth(d, Metric::kL2, 10)), 0.8);
}

TEST(RpForestSearchTest, DeterministicForASeedAtAnyThreadCount) {
  testing::TempDir dir;
  HnswData d = testing::clustered(3000, 30, 16);
  auto one = build("RPForest8,leaf=12,seed=5", d, Metric::kL2, 1);
  auto many = build("RPForest8,leaf=12,seed=5", d, Metric::kL2, 4);
  auto other = build("RPForest8,leaf=12,seed=6", d, Metric::kL2, 1);
  ASSERT_NE(one, nullptr);
  ASSERT_NE(many, nullptr);
  ASSERT_NE(other, nullptr);
  const SearchParams p = with_search_k(60);
  auto a = one->search(d.queries.view(), 10, p);
  auto b = many->search(d.queries.view(), 10, p);
  auto c = other->search(d.queries.view(), 10, p);
  VECDEX_ASSERT_OK(a);
  VECDEX_ASSERT_OK(b);
  VECDEX_ASSERT_OK(c);
  EXPECT_EQ(a->ids, b->ids);
  EXPECT_EQ(a->distances, b->distances);
  EXPECT_NE(a->ids, c->ids) << "another seed should grow other trees";
  // The files are byte-identical too.
  VECDEX_ASSERT_OK(one->save(dir.file("one.vdx")));
  VECDEX_ASSERT_OK(many->save(dir.file("many.vdx")));
  auto slurp = [&](const char* name) {
    std::ifstream f(dir.file(name), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
  };
  const std::string sa = slurp("one.vdx");
  const std::string sb = slurp("many.vdx");
  EXPECT_FALSE(sa.empty());
  EXPECT_EQ(sa, sb);
}

TEST(RpForestSearchTest, BatchAndSingleQueriesAgree) {
  HnswData d = testing::clustered(2000, 16, 16);
  auto index = build("RPForest6", d, Metric::kL2);
  ASSERT_NE(index, nullptr);
  SearchParams p = with_search_k(300);
  p.threads = 3;
  auto batch = index->search(d.queries.view(), 5, p);
  VECDEX_ASSERT_OK(batch);
  for (size_t q = 0; q < d.queries.rows; ++q) {
    auto one = index->search(MatrixView{d.queries.row(q), 1, 16}, 5, p);
    VECDEX_ASSERT_OK(one);
    EXPECT_EQ(one->ids, std::vector<Id>(batch->ids_row(q), batch->ids_row(q) + 5));
  }
}

TEST(RpForestSearchTest, KLargerThanSizePadsRows) {
  const std::vector<float> base = testing::random_floats(7, 5, 3);
  const std::vector<float> queries = testing::random_floats(2, 5, 4);
  std::vector<Id> ids = {10, 11, 12, 13, 14, 15, 16};
  auto made = make_index("RPForest3,leaf=2", 5, Metric::kInnerProduct);
  VECDEX_ASSERT_OK(made);
  auto& index = *made;
  VECDEX_ASSERT_OK(index->add(ids, MatrixView{base.data(), 7, 5}));
  auto r = index->search(MatrixView{queries.data(), 2, 5}, 10, with_search_k(1000));
  VECDEX_ASSERT_OK(r);
  for (size_t q = 0; q < 2; ++q) {
    for (size_t i = 0; i < 7; ++i) EXPECT_NE(r->ids_row(q)[i], kNoId);
    for (size_t i = 7; i < 10; ++i) {
      EXPECT_EQ(r->ids_row(q)[i], kNoId);
      EXPECT_EQ(r->distances_row(q)[i], -std::numeric_limits<float>::infinity());
    }
  }
}

TEST(RpForestSearchTest, EmptyIndexReturnsPaddedRows) {
  auto index = make_index("RPForest5", 3, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  std::vector<float> q = {1, 2, 3};
  auto r = (*index)->search(MatrixView{q.data(), 1, 3}, 4);
  VECDEX_ASSERT_OK(r);
  EXPECT_EQ(r->ids, std::vector<Id>(4, kNoId));
  EXPECT_EQ(r->distances[0], std::numeric_limits<float>::infinity());
  EXPECT_EQ((*index)->size(), 0u);
}

TEST(RpForestSearchTest, IdenticalPointsFallBackToRandomSplits) {
  const size_t n = 300, dim = 6;
  std::vector<float> same(n * dim, 0.25f);
  std::vector<Id> ids(n);
  for (size_t i = 0; i < n; ++i) ids[i] = i;
  auto index = make_index("RPForest3,leaf=4", dim, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  VECDEX_ASSERT_OK((*index)->add(ids, MatrixView{same.data(), n, dim}));
  const IndexStats st = (*index)->stats();
  auto extra = [&](const std::string& key) {
    for (const auto& [k, v] : st.extra) {
      if (k == key) return v;
    }
    return std::string();
  };
  EXPECT_NE(extra("random_splits"), "0");
  auto r = (*index)->search(MatrixView{same.data(), 1, dim}, 5, with_search_k(20));
  VECDEX_ASSERT_OK(r);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_NE(r->ids[i], kNoId);
    EXPECT_EQ(r->distances[i], 0.0f);
  }
}

TEST(RpForestSearchTest, StatsDescribeTheForest) {
  HnswData d = testing::clustered(2000, 1, 10);
  auto index = build("RPForest7,leaf=20", d, Metric::kL2);
  ASSERT_NE(index, nullptr);
  const IndexStats st = index->stats();
  EXPECT_EQ(st.family, "RPForest");
  EXPECT_EQ(st.count, 2000u);
  EXPECT_GT(st.bytes, 2000u * 10 * sizeof(float));
  std::map<std::string, std::string> extra(st.extra.begin(), st.extra.end());
  EXPECT_EQ(extra["ntrees"], "7");
  EXPECT_EQ(extra["leaf"], "20");
  EXPECT_GT(std::stoul(extra["nodes"]), 7u * (2000 / 20));
  const double depth = std::stod(extra["mean_depth"]);
  EXPECT_GT(depth, 5.0);   // log2(2000 / 20) ~ 6.6 for balanced splits
  EXPECT_LT(depth, 12.0);
}

}  // namespace
}  // namespace vecdex
