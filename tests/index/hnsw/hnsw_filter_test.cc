// Filtered HNSW search: recall against filtered brute force at every selectivity, through
// each of the three strategies (brute force, two-hop walk, plain filtered walk).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "index/hnsw/hnsw_test_util.h"
#include "testing/status_matchers.h"

namespace vecdex {
namespace {

using testing::HnswData;

// (selectivity, ef). The plan picks brute force when allowed^2 <= ef * M0 * n, the two-hop
// walk below 40% selectivity, else the plain filtered walk: with n = 20000 and M0 = 32, ef = 16
// walks the graph from 16% up (two-hop at 30%), ef = 64 from 32% up.
class HnswFilterTest : public ::testing::TestWithParam<std::pair<double, uint32_t>> {
 protected:
  static void SetUpTestSuite() {
    data_ = new HnswData(testing::clustered(20000, 50, 24));
    index_ = testing::build("HNSW16,efc=100", *data_, 0).release();
  }
  static void TearDownTestSuite() {
    delete index_;
    delete data_;
  }
  static HnswData* data_;
  static Index* index_;
};
HnswData* HnswFilterTest::data_ = nullptr;
Index* HnswFilterTest::index_ = nullptr;

TEST_P(HnswFilterTest, RecallMatchesFilteredBruteForce) {
  ASSERT_NE(index_, nullptr);
  const double selectivity = GetParam().first;
  std::mt19937_64 rng(5);
  std::bernoulli_distribution keep(selectivity);
  std::vector<Id> allowed;
  for (Id id : data_->ids) {
    if (keep(rng)) allowed.push_back(id);
  }
  Filter filter = Filter::from_ids(allowed);
  auto truth = testing::exact_topk(data_->base, data_->ids, data_->queries, 10,
                                   [&](Id id) { return filter.allows(id); });
  SearchParams p;
  p.ef = GetParam().second;
  auto r = index_->search(data_->queries.view(), 10, p, &filter);
  VECDEX_ASSERT_OK(r);
  for (Id id : r->ids) EXPECT_TRUE(id == kNoId || filter.allows(id)) << id;
  EXPECT_GE(testing::recall(*r, truth), p.ef < 64 ? 0.9 : 0.95) << "selectivity " << selectivity;
}

INSTANTIATE_TEST_SUITE_P(Selectivity, HnswFilterTest,
                         ::testing::Values(std::pair{0.001, 64u}, std::pair{0.01, 64u},
                                           std::pair{0.1, 64u}, std::pair{0.3, 64u},
                                           std::pair{0.5, 64u}, std::pair{1.0, 64u},
                                           std::pair{0.2, 16u}, std::pair{0.3, 16u},
                                           std::pair{0.5, 16u}, std::pair{1.0, 16u}),
                         [](const auto& info) {
                           return "permille_" + std::to_string(int(info.param.first * 1000 + 0.5)) +
                                  "_ef" + std::to_string(info.param.second);
                         });

TEST_F(HnswFilterTest, RangeFilterOverEveryIdMatchesUnfiltered) {
  ASSERT_NE(index_, nullptr);
  Filter all = Filter::from_range(0, kNoId);
  auto a = index_->search(data_->queries.view(), 10);
  auto b = index_->search(data_->queries.view(), 10, {}, &all);
  VECDEX_ASSERT_OK(a);
  VECDEX_ASSERT_OK(b);
  EXPECT_EQ(a->ids, b->ids);
}

TEST_F(HnswFilterTest, FewerAllowedThanKPadsRows) {
  ASSERT_NE(index_, nullptr);
  std::vector<Id> three(data_->ids.begin(), data_->ids.begin() + 3);
  Filter f = Filter::from_ids(three);
  auto r = index_->search(data_->queries.view(), 5, {}, &f);
  VECDEX_ASSERT_OK(r);
  for (size_t q = 0; q < r->n; ++q) {
    std::set<Id> got(r->ids_row(q), r->ids_row(q) + 3);
    EXPECT_EQ(got, std::set<Id>(three.begin(), three.end()));
    EXPECT_EQ(r->ids_row(q)[3], kNoId);
    EXPECT_EQ(r->ids_row(q)[4], kNoId);
  }
}

}  // namespace
}  // namespace vecdex
