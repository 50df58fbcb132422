// HNSW construction and unfiltered search: recall on clustered data, determinism, parallel
// build, k > ef, spec errors, stats.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "index/hnsw/hnsw_test_util.h"
#include "testing/status_matchers.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;
using testing::HnswData;

class HnswBuildTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = new HnswData(testing::clustered(5000, 100, 32));
    truth_ = new std::vector<std::vector<Id>>(
        testing::exact_topk(data_->base, data_->ids, data_->queries, 10));
  }
  static void TearDownTestSuite() {
    delete data_;
    delete truth_;
  }
  static HnswData* data_;
  static std::vector<std::vector<Id>>* truth_;
};
HnswData* HnswBuildTest::data_ = nullptr;
std::vector<std::vector<Id>>* HnswBuildTest::truth_ = nullptr;

TEST_F(HnswBuildTest, RecallOnClusteredDataGrowsWithEf) {
  auto index = testing::build("HNSW16,efc=100", *data_, 1);
  ASSERT_NE(index, nullptr);
  double last = 0;
  for (uint32_t ef : {10u, 40u, 160u}) {
    SearchParams p;
    p.ef = ef;
    auto r = index->search(data_->queries.view(), 10, p);
    VECDEX_ASSERT_OK(r);
    double rc = testing::recall(*r, *truth_);
    EXPECT_GE(rc, last - 0.01) << "ef=" << ef;
    last = rc;
  }
  EXPECT_GE(last, 0.98);
}

TEST_F(HnswBuildTest, OneThreadBuildIsDeterministic) {
  auto a = testing::build("HNSW16,efc=64,seed=7", *data_, 1);
  auto b = testing::build("HNSW16,efc=64,seed=7", *data_, 1);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  auto ra = a->search(data_->queries.view(), 10);
  auto rb = b->search(data_->queries.view(), 10);
  VECDEX_ASSERT_OK(ra);
  VECDEX_ASSERT_OK(rb);
  EXPECT_EQ(ra->ids, rb->ids);
  EXPECT_EQ(ra->distances, rb->distances);
}

TEST_F(HnswBuildTest, ParallelBuildKeepsRecall) {
  auto index = testing::build("HNSW16,efc=100", *data_, 4);
  ASSERT_NE(index, nullptr);
  SearchParams p;
  p.ef = 100;
  auto r = index->search(data_->queries.view(), 10, p);
  VECDEX_ASSERT_OK(r);
  EXPECT_GE(testing::recall(*r, *truth_), 0.97);
}

TEST_F(HnswBuildTest, IncrementalAddsMatchOneBatchRecall) {
  auto index = make_index("HNSW16,efc=100", 32, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  const size_t chunk = 700;
  for (size_t at = 0; at < data_->base.rows; at += chunk) {
    size_t n = std::min(chunk, data_->base.rows - at);
    VECDEX_ASSERT_OK((*index)->add(std::span<const Id>(data_->ids.data() + at, n),
                                   MatrixView{data_->base.row(at), n, 32}, BuildOptions{2}));
  }
  EXPECT_EQ((*index)->size(), data_->base.rows);
  SearchParams p;
  p.ef = 100;
  auto r = (*index)->search(data_->queries.view(), 10, p);
  VECDEX_ASSERT_OK(r);
  EXPECT_GE(testing::recall(*r, *truth_), 0.97);
}

TEST_F(HnswBuildTest, KLargerThanEfUsesK) {
  auto index = testing::build("HNSW16,efc=100", *data_, 0);
  ASSERT_NE(index, nullptr);
  SearchParams p;
  p.ef = 8;
  auto r = index->search(data_->queries.view(), 50, p);
  VECDEX_ASSERT_OK(r);
  auto truth = testing::exact_topk(data_->base, data_->ids, data_->queries, 50);
  for (Id id : r->ids) EXPECT_NE(id, kNoId);
  EXPECT_GE(testing::recall(*r, truth), 0.9);
  for (size_t q = 0; q < r->n; ++q) {
    EXPECT_TRUE(std::is_sorted(r->distances_row(q), r->distances_row(q) + 50));
  }
}

TEST_F(HnswBuildTest, BatchThreadsDoNotChangeResults) {
  auto index = testing::build("HNSW16,efc=64", *data_, 0);
  ASSERT_NE(index, nullptr);
  SearchParams one;
  one.threads = 1;
  SearchParams many;
  many.threads = 4;
  auto a = index->search(data_->queries.view(), 10, one);
  auto b = index->search(data_->queries.view(), 10, many);
  VECDEX_ASSERT_OK(a);
  VECDEX_ASSERT_OK(b);
  EXPECT_EQ(a->ids, b->ids);
}

TEST(HnswSpecTest, RejectsBadSpecsNamingTheToken) {
  EXPECT_THAT(make_index("HNSW", 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected HNSW<M>")));
  EXPECT_THAT(make_index("HNSW1", 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("M must be in [2, 256]")));
  EXPECT_THAT(make_index("HNSW16,PQ8", 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown storage stage 'PQ8'")));
  EXPECT_THAT(make_index("HNSW16,efc=0", 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("efc=0")));
  EXPECT_THAT(make_index("HNSW16,m0=8", 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("m0=8")));
  EXPECT_THAT(make_index("HNSW16,ef=8", 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("HNSW accepts: efc, m0, seed")));
  EXPECT_THAT(make_index("HNSW16,Refine", 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("needs a lossy storage stage")));
}

TEST(HnswSpecTest, RerankNeedsRefine) {
  auto index = make_index("HNSW8", 4, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  std::vector<float> q(4, 0.f);
  SearchParams p;
  p.rerank = 10;
  EXPECT_THAT((*index)->search(MatrixView{q.data(), 1, 4}, 1, p),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("accepted: ef, threads")));
}

TEST_F(HnswBuildTest, StatsReportGraphFigures) {
  auto index = testing::build("HNSW16,efc=64", *data_, 0);
  ASSERT_NE(index, nullptr);
  IndexStats st = index->stats();
  EXPECT_EQ(st.family, "HNSW");
  EXPECT_EQ(st.count, data_->base.rows);
  EXPECT_GT(st.bytes, data_->base.rows * 32 * sizeof(float));
  auto get = [&](const std::string& key) {
    for (auto& [k, v] : st.extra) {
      if (k == key) return v;
    }
    return std::string();
  };
  EXPECT_EQ(get("M"), "16");
  EXPECT_EQ(get("M0"), "32");
  EXPECT_EQ(get("efc"), "64");
  EXPECT_EQ(get("codec"), "F32");
  EXPECT_FALSE(get("levels").empty());
  EXPECT_FALSE(get("bytes_per_vector").empty());
}

}  // namespace
}  // namespace vecdex
