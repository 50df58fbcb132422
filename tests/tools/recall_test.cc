// Tests of recall@k (tools/vecdex/recall.cc).
#include "tools/vecdex/recall.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "testing/status_matchers.h"

namespace vecdex::cli {
namespace {

using ::testing::DoubleEq;
using ::testing::HasSubstr;

SearchResults make_results(size_t n, size_t k, std::vector<Id> ids) {
  SearchResults r;
  r.n = n;
  r.k = k;
  r.ids = std::move(ids);
  r.distances.assign(n * k, 0.0f);
  return r;
}

IdMatrix make_gt(size_t rows, size_t cols, std::vector<int32_t> data) {
  IdMatrix m;
  m.rows = rows;
  m.cols = cols;
  m.data = std::move(data);
  return m;
}

TEST(RecallTest, IdenticalSetsInAnyOrderAreOne) {
  SearchResults r = make_results(2, 3, {3, 1, 2, 7, 8, 9});
  IdMatrix gt = make_gt(2, 3, {1, 2, 3, 9, 8, 7});
  EXPECT_THAT(*recall_at_k(r, gt, 3), DoubleEq(1.0));
}

TEST(RecallTest, CountsOverlapOverAllQueries) {
  SearchResults r = make_results(2, 2, {1, 5, 4, 6});
  IdMatrix gt = make_gt(2, 2, {1, 2, 3, 4});
  EXPECT_THAT(*recall_at_k(r, gt, 2), DoubleEq(0.5));
}

TEST(RecallTest, UsesOnlyFirstKColumnsOfWiderGroundTruth) {
  // The 2nd result (id 9) is the 3rd true neighbour: outside the top-2, so it does not count.
  SearchResults r = make_results(1, 2, {1, 9});
  IdMatrix gt = make_gt(1, 4, {1, 2, 9, 10});
  EXPECT_THAT(*recall_at_k(r, gt, 2), DoubleEq(0.5));
}

TEST(RecallTest, UsesOnlyFirstKColumnsOfWiderResults) {
  SearchResults r = make_results(1, 3, {1, 2, 3});
  IdMatrix gt = make_gt(1, 2, {2, 1});
  EXPECT_THAT(*recall_at_k(r, gt, 2), DoubleEq(1.0));
}

TEST(RecallTest, PaddingNeverMatchesAndShortGroundTruthIsNotPenalised) {
  // Base of 2 vectors, k = 3: gt pads with -1 and results with kNoId.
  SearchResults r = make_results(1, 3, {0, 1, kNoId});
  IdMatrix gt = make_gt(1, 3, {1, 0, -1});
  EXPECT_THAT(*recall_at_k(r, gt, 3), DoubleEq(1.0));
  SearchResults miss = make_results(1, 3, {0, kNoId, kNoId});
  EXPECT_THAT(*recall_at_k(miss, gt, 3), DoubleEq(0.5));
}

TEST(RecallTest, GroundTruthTooNarrowOrShortIsAnError) {
  SearchResults r = make_results(2, 3, {1, 2, 3, 4, 5, 6});
  EXPECT_THAT(recall_at_k(r, make_gt(2, 2, {1, 2, 3, 4}), 3),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("2 columns")));
  EXPECT_THAT(recall_at_k(r, make_gt(1, 3, {1, 2, 3}), 3),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("1 rows")));
  EXPECT_THAT(recall_at_k(r, make_gt(2, 3, {1, 2, 3, 4, 5, 6}), 4),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("results")));
  EXPECT_THAT(recall_at_k(r, make_gt(2, 3, {1, 2, 3, 4, 5, 6}), 0),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("k")));
}

}  // namespace
}  // namespace vecdex::cli
