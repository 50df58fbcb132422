// RPForest updates and filters: add after the first build (routing + leaf splits), remove
// (excluded at once, compaction, slot reuse), and filtered search at every selectivity.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>
#include <vector>

#include "index/hnsw/hnsw_test_util.h"
#include "testing/status_matchers.h"
#include "vecdex/index_factory.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;
using testing::HnswData;

SearchParams with_search_k(uint32_t search_k) {
  SearchParams p;
  p.search_k = search_k;
  return p;
}

std::map<std::string, std::string> extras(const Index& index) {
  const IndexStats st = index.stats();
  return {st.extra.begin(), st.extra.end()};
}

MatrixView rows(const HnswData& d, size_t first, size_t count) {
  return MatrixView{d.base.row(first), count, d.base.dim};
}

TEST(RpForestUpdateTest, AddAfterBuildRoutesAndSplitsLeaves) {
  HnswData d = testing::clustered(3000, 40, 16);
  auto index = make_index("RPForest8,leaf=10", 16, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  Index& idx = **index;
  VECDEX_ASSERT_OK(idx.add(std::span(d.ids).first(2000), rows(d, 0, 2000)));
  const size_t nodes_before = std::stoul(extras(idx)["nodes"]);
  // Two smaller adds (each less than the index size): routed into the trees, not rebuilt.
  VECDEX_ASSERT_OK(idx.add(std::span(d.ids).subspan(2000, 600), rows(d, 2000, 600)));
  VECDEX_ASSERT_OK(idx.add(std::span(d.ids).subspan(2600, 400), rows(d, 2600, 400)));
  EXPECT_EQ(idx.size(), 3000u);
  EXPECT_GT(std::stoul(extras(idx)["nodes"]), nodes_before) << "overfull leaves were split";
  auto r = idx.search(d.queries.view(), 10, with_search_k(2000));
  VECDEX_ASSERT_OK(r);
  EXPECT_GE(testing::recall(*r, testing::exact_topk(d.base, d.ids, d.queries, 10)), 0.9);
  // Every added point finds itself.
  auto self = idx.search(rows(d, 2000, 1000), 1, with_search_k(50));
  VECDEX_ASSERT_OK(self);
  size_t found = 0;
  for (size_t i = 0; i < 1000; ++i) found += self->ids[i] == d.ids[2000 + i];
  EXPECT_GE(found, 990u);
}

TEST(RpForestUpdateTest, AddRejectsPresentIdsAndChangesNothing) {
  HnswData d = testing::clustered(200, 1, 8);
  auto index = make_index("RPForest4", 8, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  VECDEX_ASSERT_OK((*index)->add(d.ids, d.base.view()));
  std::vector<Id> again = {1, d.ids[5]};
  EXPECT_THAT((*index)->add(again, rows(d, 0, 2)),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("id 1035 (row 1)")));
  EXPECT_EQ((*index)->size(), 200u);
}

TEST(RpForestUpdateTest, RemovedIdsVanishAtOnceAndSlotsAreReused) {
  HnswData d = testing::clustered(2000, 30, 12);
  auto index = make_index("RPForest6,leaf=16", 12, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  Index& idx = **index;
  VECDEX_ASSERT_OK(idx.add(d.ids, d.base.view()));
  // A few removals stay tombstones; they must never come back.
  std::vector<Id> few(d.ids.begin(), d.ids.begin() + 10);
  few.push_back(123456789);  // unknown: not counted
  auto removed = idx.remove(few);
  VECDEX_ASSERT_OK(removed);
  EXPECT_EQ(*removed, 10u);
  EXPECT_NE(extras(idx)["tombstones"], "0");
  auto self = idx.search(rows(d, 0, 10), 3, with_search_k(500));
  VECDEX_ASSERT_OK(self);
  const std::set<Id> gone(few.begin(), few.end());
  for (Id id : self->ids) EXPECT_EQ(gone.count(id), 0u);
  // Many removals compact the leaves.
  std::vector<Id> many(d.ids.begin() + 10, d.ids.begin() + 800);
  auto removed_many = idx.remove(many);
  VECDEX_ASSERT_OK(removed_many);
  EXPECT_EQ(*removed_many, 790u);
  EXPECT_EQ(extras(idx)["tombstones"], "0");
  EXPECT_EQ(idx.size(), 1200u);
  std::vector<Id> live_ids(d.ids.begin() + 800, d.ids.end());
  FloatMatrix live_base;
  live_base.rows = 1200;
  live_base.dim = 12;
  live_base.data.assign(d.base.row(800), d.base.row(800) + 1200 * 12);
  auto r = idx.search(d.queries.view(), 10, with_search_k(1500));
  VECDEX_ASSERT_OK(r);
  EXPECT_GE(testing::recall(*r, testing::exact_topk(live_base, live_ids, d.queries, 10)), 0.9);
  // Re-adding removed ids works (into reused slots) and they are found again.
  std::vector<Id> back(d.ids.begin(), d.ids.begin() + 100);
  VECDEX_ASSERT_OK(idx.add(back, rows(d, 0, 100)));
  EXPECT_EQ(idx.size(), 1300u);
  auto again = idx.search(rows(d, 0, 100), 1, with_search_k(100));
  VECDEX_ASSERT_OK(again);
  size_t found = 0;
  for (size_t i = 0; i < 100; ++i) found += again->ids[i] == d.ids[i];
  EXPECT_GE(found, 98u);
}

TEST(RpForestUpdateTest, RemovingEverythingLeavesAnEmptySearchableIndex) {
  HnswData d = testing::clustered(300, 2, 8);
  auto index = make_index("RPForest3", 8, Metric::kCosine);
  VECDEX_ASSERT_OK(index);
  VECDEX_ASSERT_OK((*index)->add(d.ids, d.base.view()));
  auto removed = (*index)->remove(d.ids);
  VECDEX_ASSERT_OK(removed);
  EXPECT_EQ(*removed, 300u);
  auto r = (*index)->search(d.queries.view(), 3);
  VECDEX_ASSERT_OK(r);
  EXPECT_EQ(r->ids, std::vector<Id>(6, kNoId));
  VECDEX_ASSERT_OK((*index)->add(std::span(d.ids).first(5), rows(d, 0, 5)));
  auto one = (*index)->search(rows(d, 3, 1), 1);
  VECDEX_ASSERT_OK(one);
  EXPECT_EQ(one->ids[0], d.ids[3]);
}

struct FilterCase {
  size_t allowed;     // ids allowed, spread evenly over the 3000
  uint32_t search_k;
};

class RpForestFilterTest : public ::testing::TestWithParam<FilterCase> {};

// Selectivities from 1 point to all of them, through both plans: brute force over the allowed
// points (few allowed or a large search_k) and the tree search that skips disallowed entries.
TEST_P(RpForestFilterTest, ReturnsOnlyAllowedIdsWithRecall) {
  const size_t allowed_count = GetParam().allowed;
  HnswData d = testing::clustered(3000, 30, 16);
  auto index = make_index("RPForest8,leaf=16", 16, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  VECDEX_ASSERT_OK((*index)->add(d.ids, d.base.view()));
  std::vector<Id> allowed;
  const size_t step = 3000 / allowed_count;
  for (size_t i = 0; i < 3000 && allowed.size() < allowed_count; i += step) {
    allowed.push_back(d.ids[i]);
  }
  const Filter filter = Filter::from_ids(allowed);
  const std::set<Id> allowed_set(allowed.begin(), allowed.end());
  auto r = (*index)->search(d.queries.view(), 10, with_search_k(GetParam().search_k), &filter);
  VECDEX_ASSERT_OK(r);
  for (size_t q = 0; q < r->n; ++q) {
    for (size_t i = 0; i < r->k; ++i) {
      const Id id = r->ids_row(q)[i];
      if (i < allowed_set.size()) EXPECT_NE(id, kNoId);
      if (id != kNoId) EXPECT_EQ(allowed_set.count(id), 1u);
    }
  }
  const auto exact = testing::exact_topk(d.base, d.ids, d.queries, 10,
                                         [&](Id id) { return allowed_set.count(id) > 0; });
  EXPECT_GE(testing::recall(*r, exact), 0.9);
}

INSTANTIATE_TEST_SUITE_P(Selectivities, RpForestFilterTest,
                         ::testing::Values(FilterCase{1, 300}, FilterCase{5, 300},
                                           FilterCase{60, 300}, FilterCase{300, 300},
                                           FilterCase{1500, 300}, FilterCase{1500, 3000},
                                           FilterCase{3000, 1500}));

TEST(RpForestFilterTest, FilterAllowingEverythingGivesTheUnfilteredAnswer) {
  HnswData d = testing::clustered(1000, 10, 8);
  auto index = make_index("RPForest5", 8, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  VECDEX_ASSERT_OK((*index)->add(d.ids, d.base.view()));
  const Filter all = Filter::from_range(0, kNoId);
  auto plain = (*index)->search(d.queries.view(), 5, with_search_k(100));
  auto filtered = (*index)->search(d.queries.view(), 5, with_search_k(100), &all);
  VECDEX_ASSERT_OK(plain);
  VECDEX_ASSERT_OK(filtered);
  EXPECT_EQ(plain->ids, filtered->ids);
  const Filter none = Filter::from_ids({});
  auto empty = (*index)->search(d.queries.view(), 5, {}, &none);
  VECDEX_ASSERT_OK(empty);
  EXPECT_EQ(empty->ids, std::vector<Id>(50, kNoId));
}

TEST(RpForestFilterTest, FilterSkipsRemovedIds) {
  HnswData d = testing::clustered(1000, 5, 8);
  auto index = make_index("RPForest5", 8, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  VECDEX_ASSERT_OK((*index)->add(d.ids, d.base.view()));
  std::vector<Id> few(d.ids.begin(), d.ids.begin() + 4);
  VECDEX_ASSERT_OK((*index)->remove(std::span(few).first(2)));
  const Filter filter = Filter::from_ids(few);
  auto r = (*index)->search(d.queries.view(), 4, {}, &filter);
  VECDEX_ASSERT_OK(r);
  for (size_t q = 0; q < r->n; ++q) {
    std::set<Id> got(r->ids_row(q), r->ids_row(q) + 4);
    EXPECT_EQ(got, (std::set<Id>{d.ids[2], d.ids[3], kNoId}));
  }
}

}  // namespace
}  // namespace vecdex
