// SegmentSet compaction: small sealed segments merge, deletion-heavy ones are rewritten from the
// live vectors in storage, and removals during the job reach the new segment.
#include <gtest/gtest.h>

#include "engine/segment_fixture.h"

namespace vecdex::engine {
namespace {

using ::testing::HasSubstr;
using namespace vecdex::engine::testing;

constexpr size_t kDim = 6;

SegmentOptions merge_options(const std::filesystem::path& dir) {
  SegmentOptions o = small_options(dir, kDim);
  o.mutable_spec = "Flat";
  o.segment_max_points = 50;
  o.compaction_min_points = 120;  // every sealed segment is small; two fit in one merge
  return o;
}

std::unique_ptr<SegmentSet> must_open(const SegmentOptions& o, FakeStorage& storage) {
  Result<std::unique_ptr<SegmentSet>> set = open_and_readd(o, storage);
  EXPECT_THAT(set, IsOk());
  return set.ok() ? std::move(*set) : nullptr;
}

// Exact top-10 of 12 random queries equals brute force over the storage.
void expect_exact(SegmentSet& set, const FakeStorage& storage) {
  std::vector<float> queries = vecdex::testing::random_floats(12, kDim, 77);
  Result<SearchResults> got = set.search(MatrixView{queries.data(), 12, kDim}, 10, {}, nullptr);
  ASSERT_THAT(got, IsOk());
  for (size_t q = 0; q < 12; ++q) {
    std::vector<Pid> truth = exact_top_k(storage, queries.data() + q * kDim, kDim, 10,
                                         Metric::kL2);
    EXPECT_EQ(std::vector<Pid>(got->ids_row(q), got->ids_row(q) + 10), truth) << "query " << q;
  }
}

TEST(SegmentCompactionTest, SmallSealedSegmentsAreMerged) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  auto set = must_open(merge_options(dir.path()), storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 100, kDim, 1));
  VECDEX_ASSERT_OK(set->wait_idle());
  std::vector<SegmentInfo> info = set->info();
  ASSERT_EQ(info.size(), 2u);
  EXPECT_EQ(info[0].state, "sealed");
  EXPECT_EQ(info[0].points, 100u);
  EXPECT_EQ(info[0].id, 3u);  // 0 and 1 were sealed, 2 is the mutable one
  EXPECT_EQ(info[1].state, "mutable");
  EXPECT_FALSE(std::filesystem::exists(dir.file("seg-0.vdx")));
  EXPECT_FALSE(std::filesystem::exists(dir.file("seg-1.vdx")));
  EXPECT_TRUE(std::filesystem::exists(dir.file("seg-3.vdx")));
  expect_exact(*set, storage);
}

TEST(SegmentCompactionTest, SegmentWithManyDeletionsIsRewrittenWithoutThem) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = small_options(dir.path(), kDim);
  o.mutable_spec = "Flat";
  auto set = must_open(o, storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 200, kDim, 2));
  std::vector<Pid> few = pid_range(100, 20);  // 20% of segment 1: kept as is
  set->remove(few);
  storage.erase(few);
  ASSERT_EQ(set->info()[1].deleted, 20u);
  std::vector<Pid> many = pid_range(0, 40);  // 40% of segment 0: rewritten
  set->remove(many);
  storage.erase(many);
  VECDEX_ASSERT_OK(set->wait_idle());
  std::vector<SegmentInfo> info = set->info();
  ASSERT_EQ(info.size(), 3u);
  EXPECT_EQ(info[0].id, 3u);
  EXPECT_EQ(info[0].points, 60u);
  EXPECT_EQ(info[0].deleted, 0u);
  EXPECT_EQ(info[1].id, 1u);
  EXPECT_EQ(info[1].deleted, 20u);
  EXPECT_FALSE(std::filesystem::exists(dir.file("seg-0.vdx")));
  expect_exact(*set, storage);
}

TEST(SegmentCompactionTest, RemovalDuringCompactionReachesTheMergedSegment) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  auto set = must_open(merge_options(dir.path()), storage);
  Pid victim = 5;
  bool fired = false;
  storage.on_fetch = [&] {
    if (fired) return;
    fired = true;
    set->remove({&victim, 1});  // after the job listed its pids, before the swap
  };
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 100, kDim, 3));
  VECDEX_ASSERT_OK(set->wait_idle());
  ASSERT_TRUE(fired);
  storage.erase({&victim, 1});
  std::vector<SegmentInfo> info = set->info();
  EXPECT_EQ(info[0].id, 3u);
  EXPECT_EQ(info[0].points, 99u);
  EXPECT_EQ(info[0].deleted, 1u);
  expect_exact(*set, storage);
}

TEST(SegmentCompactionTest, RetriesWhenStorageNoLongerHoldsAListedPid) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  auto set = must_open(merge_options(dir.path()), storage);
  Pid victim = 7;
  bool fired = false;
  storage.on_fetch = [&] {
    if (fired) return;
    fired = true;
    storage.erase({&victim, 1});  // the collection deletes from storage first ...
    set->remove({&victim, 1});    // ... then from the segments
  };
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 100, kDim, 4));
  VECDEX_ASSERT_OK(set->wait_idle());
  EXPECT_EQ(storage.fetch_calls(), 2u);  // NotFound, then a fresh list
  EXPECT_EQ(set->info()[0].points, 99u);
  expect_exact(*set, storage);
}

TEST(SegmentCompactionTest, FailedCompactionIsReportedAndRetriedLater) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  auto set = must_open(merge_options(dir.path()), storage);
  storage.fail_fetch = io_error("read vectors: disk gone");
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 100, kDim, 5));
  EXPECT_THAT(set->wait_idle(), StatusIs(StatusCode::kIOError, HasSubstr("disk gone")));
  EXPECT_THAT(set->wait_idle(), IsOk());  // reported once
  std::vector<SegmentInfo> info = set->info();
  ASSERT_EQ(info.size(), 3u);  // both sealed segments still serve
  expect_exact(*set, storage);
  storage.fail_fetch = Status();
  Pid one = 60;
  set->remove({&one, 1});  // any change to a sealed segment plans compaction again
  storage.erase({&one, 1});
  VECDEX_ASSERT_OK(set->wait_idle());
  info = set->info();
  ASSERT_EQ(info.size(), 2u);
  EXPECT_EQ(info[0].points, 99u);
  expect_exact(*set, storage);
}

}  // namespace
}  // namespace vecdex::engine
