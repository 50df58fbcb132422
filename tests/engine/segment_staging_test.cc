// SegmentSet bulk path: large adds go to the staging (Flat) segment, are searchable at once,
// sealed once with the collection's spec (when full, idle, or on seal()), removable, and come
// back after a reopen; small adds keep using the mutable segment.
#include "engine/segment_set.h"

#include <gtest/gtest.h>

#include <chrono>
#include <limits>
#include <thread>

#include "engine/segment.h"
#include "engine/segment_fixture.h"

namespace vecdex::engine {
namespace {

using ::testing::HasSubstr;
using namespace vecdex::engine::testing;

constexpr size_t kDim = 8;

// Bulk adds: 50+ points; segments of 100. Sealed segments are Flat, the mutable one HNSW16
// (searched with an ef above its size, so exact too).
SegmentOptions bulk_options(const std::filesystem::path& dir) {
  SegmentOptions o = small_options(dir, kDim, Metric::kL2, "Flat");
  o.bulk_min_batch_points = 50;
  o.staging_idle_ms = 3600 * 1000;  // never during a test unless it sets its own
  o.compaction_min_points = 0;      // keep segments as they are
  return o;
}

std::unique_ptr<SegmentSet> must_open(const SegmentOptions& o, FakeStorage& storage) {
  Result<std::unique_ptr<SegmentSet>> set = open_and_readd(o, storage);
  EXPECT_THAT(set, IsOk());
  return set.ok() ? std::move(*set) : nullptr;
}

// The segments as "state:points" strings, in order.
std::vector<std::string> layout(const SegmentSet& set) {
  std::vector<std::string> out;
  for (const SegmentInfo& s : set.info()) out.push_back(fmt::format("{}:{}", s.state, s.points));
  return out;
}

using Layout = std::vector<std::string>;

// Every stored point is its own nearest neighbour, and the top-10 is the exact one.
void expect_exact(SegmentSet& set, FakeStorage& storage) {
  std::vector<float> queries = vecdex::testing::random_floats(12, kDim, 77);
  SearchParams params;
  params.ef = 200;
  Result<SearchResults> got = set.search(MatrixView{queries.data(), 12, kDim}, 10, params,
                                         nullptr);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(recall_at_k(storage, *got, queries, kDim, Metric::kL2), 1.0);
}

TEST(SegmentStagingTest, BulkAddGoesToStagingAndIsSearchableAtOnce) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  auto set = must_open(bulk_options(dir.path()), storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 60, kDim, 1));
  EXPECT_EQ(layout(*set), (Layout{"staging:60", "mutable:0"}));
  EXPECT_EQ(set->info()[0].index_spec, "Flat");
  expect_exact(*set, storage);
  // 60 more: the staging segment fills at 100 and is sealed, the other 20 open a new one.
  VECDEX_ASSERT_OK(add_random(*set, storage, 60, 60, kDim, 2));
  EXPECT_EQ(layout(*set), (Layout{"sealed:100", "staging:20", "mutable:0"}));
  EXPECT_TRUE(std::filesystem::exists(segment_file(dir.path(), set->info()[0].id)));
  expect_exact(*set, storage);
}

TEST(SegmentStagingTest, BulkPointsAreIndexedOnceWithTheSpec) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = bulk_options(dir.path());
  o.index_spec = "IVF2,Flat";  // a spec neither writable segment uses
  auto set = must_open(o, storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 60, kDim, 3));
  const uint64_t staging_id = set->info()[0].id;
  VECDEX_ASSERT_OK(add_random(*set, storage, 60, 50, kDim, 4));
  std::vector<SegmentInfo> info = set->info();
  ASSERT_EQ(info.size(), 3u);
  // Sealed straight from the staging segment (same id): the mutable segment never held them.
  EXPECT_EQ(info[0].id, staging_id);
  EXPECT_EQ(info[0].state, "sealed");
  EXPECT_EQ(info[0].index_spec, "IVF2,Flat");
  EXPECT_EQ(info[0].points, 100u);
  EXPECT_EQ(info[1].state, "staging");
  EXPECT_EQ(info[1].points, 10u);
  EXPECT_EQ(info[2].state, "mutable");
  EXPECT_EQ(info[2].points, 0u);
  EXPECT_EQ(info[2].deleted, 0u);
}

TEST(SegmentStagingTest, SmallAndBulkAddsMix) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  auto set = must_open(bulk_options(dir.path()), storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 10, kDim, 4));    // mutable
  VECDEX_ASSERT_OK(add_random(*set, storage, 10, 70, kDim, 5));   // staging
  VECDEX_ASSERT_OK(add_random(*set, storage, 80, 49, kDim, 6));   // mutable (one short)
  VECDEX_ASSERT_OK(add_random(*set, storage, 129, 50, kDim, 7));  // staging: full at 100
  EXPECT_EQ(layout(*set), (Layout{"sealed:100", "staging:20", "mutable:59"}));
  expect_exact(*set, storage);
}

TEST(SegmentStagingTest, RemovesReachTheStagingSegmentAndItsSeal) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  auto set = must_open(bulk_options(dir.path()), storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 80, kDim, 8));
  std::vector<Pid> gone = {0, 7, 79};
  set->remove(gone);
  storage.erase(gone);
  EXPECT_EQ(layout(*set), (Layout{"staging:77", "mutable:0"}));
  EXPECT_EQ(set->info()[0].deleted, 3u);
  expect_exact(*set, storage);
  VECDEX_ASSERT_OK(set->seal());
  // The seal builds only the live points.
  EXPECT_EQ(layout(*set), (Layout{"sealed:77", "mutable:0"}));
  EXPECT_EQ(set->info()[0].deleted, 0u);
  expect_exact(*set, storage);
}

TEST(SegmentStagingTest, SealSealsTheWritableSegmentsThatHoldPoints) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  auto set = must_open(bulk_options(dir.path()), storage);
  VECDEX_ASSERT_OK(set->seal());  // nothing to seal
  EXPECT_EQ(layout(*set), (Layout{"mutable:0"}));
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 20, kDim, 9));
  VECDEX_ASSERT_OK(add_random(*set, storage, 20, 60, kDim, 10));
  VECDEX_ASSERT_OK(set->seal());
  // The staging segment opened after the mutable one but sits before it (the mutable is last).
  EXPECT_EQ(layout(*set), (Layout{"sealed:60", "sealed:20", "mutable:0"}));
  for (size_t i = 0; i < 2; ++i) EXPECT_EQ(set->info()[i].index_spec, "Flat");
  // Later adds open fresh writable segments.
  VECDEX_ASSERT_OK(add_random(*set, storage, 80, 5, kDim, 11));
  VECDEX_ASSERT_OK(add_random(*set, storage, 85, 55, kDim, 12));
  EXPECT_EQ(layout(*set), (Layout{"sealed:60", "sealed:20", "staging:55", "mutable:5"}));
  expect_exact(*set, storage);
  // The sealed segments are in the manifest: a reopen loads them and re-adds only the rest.
  set.reset();
  std::vector<Pid> missing;
  auto reopened = open_and_readd(bulk_options(dir.path()), storage, &missing);
  ASSERT_THAT(reopened, IsOk());
  EXPECT_EQ(missing.size(), 60u);
  expect_exact(**reopened, storage);
}

TEST(SegmentStagingTest, SealInTheBackgroundKeepsServing) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = bulk_options(dir.path());
  o.background_threads = 1;
  o.index_spec = "HNSW16";
  auto set = must_open(o, storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 90, kDim, 13));
  VECDEX_ASSERT_OK(set->seal());
  expect_exact(*set, storage);  // staging (sealing) or sealed: searched either way
  VECDEX_ASSERT_OK(set->wait_idle());
  EXPECT_EQ(layout(*set), (Layout{"sealed:90", "mutable:0"}));
  EXPECT_EQ(set->info()[0].index_spec, "HNSW16");
  expect_exact(*set, storage);
}

TEST(SegmentStagingTest, IdleZeroSealsAtTheEndOfEveryBulkAdd) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = bulk_options(dir.path());
  o.staging_idle_ms = 0;
  auto set = must_open(o, storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 60, kDim, 14));
  VECDEX_ASSERT_OK(add_random(*set, storage, 60, 10, kDim, 15));  // small: not sealed
  EXPECT_EQ(layout(*set), (Layout{"sealed:60", "mutable:10"}));
  expect_exact(*set, storage);
}

TEST(SegmentStagingTest, IdleStagingSegmentIsSealedAfterTheQuietPeriod) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = bulk_options(dir.path());
  o.staging_idle_ms = 10;
  o.background_threads = 1;
  auto set = must_open(o, storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 60, kDim, 16));
  // Liveness, not timing: wait (up to a minute) for the seal to have run.
  auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (set->info()[0].state != "sealed" && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  VECDEX_ASSERT_OK(set->wait_idle());
  EXPECT_EQ(layout(*set), (Layout{"sealed:60", "mutable:0"}));
  expect_exact(*set, storage);
}

TEST(SegmentStagingTest, InlineIdleSealRunsOnTheTriggerThread) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = bulk_options(dir.path());
  o.staging_idle_ms = 10;  // background_threads == 0: the seal runs on the trigger's thread
  auto set = must_open(o, storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 60, kDim, 17));
  auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (set->info()[0].state != "sealed" && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  VECDEX_ASSERT_OK(set->wait_idle());
  EXPECT_EQ(layout(*set), (Layout{"sealed:60", "mutable:0"}));
}

TEST(SegmentStagingTest, UnsealedStagingPointsComeBackAfterReopen) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  {
    auto set = must_open(bulk_options(dir.path()), storage);
    VECDEX_ASSERT_OK(add_random(*set, storage, 0, 130, kDim, 18));
    EXPECT_EQ(layout(*set), (Layout{"sealed:100", "staging:30", "mutable:0"}));
  }
  std::vector<Pid> missing;
  auto set = open_and_readd(bulk_options(dir.path()), storage, &missing);
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(missing, pid_range(100, 30));
  // Re-added in one call of 30 (< 50): the mutable segment takes them.
  EXPECT_EQ(layout(**set), (Layout{"sealed:100", "mutable:30"}));
  expect_exact(**set, storage);
}

TEST(SegmentStagingTest, DisabledBulkPathUsesTheMutableSegment) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = bulk_options(dir.path());
  o.bulk_min_batch_points = 0;
  auto set = must_open(o, storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 90, kDim, 19));
  EXPECT_EQ(layout(*set), (Layout{"mutable:90"}));
}

TEST(SegmentStagingTest, StagingSpecThatNeedsTrainingIsRejected) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = bulk_options(dir.path());
  o.staging_spec = "IVF4,Flat";
  std::vector<Pid> missing;
  EXPECT_THAT(SegmentSet::open(o, storage.fetch(), storage.live(), &missing),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("staging_spec 'IVF4,Flat' needs training")));
}

TEST(SegmentStagingTest, BadBulkAddAddsNothing) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  auto set = must_open(bulk_options(dir.path()), storage);
  std::vector<float> rows = vecdex::testing::random_floats(60, kDim, 20);
  rows[59 * kDim] = std::numeric_limits<float>::infinity();
  std::vector<Pid> pids = pid_range(0, 60);
  EXPECT_THAT(set->add(pids, MatrixView{rows.data(), 60, kDim}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("inf")));
  EXPECT_EQ(layout(*set), (Layout{"mutable:0"}));  // no staging segment was opened
}

}  // namespace
}  // namespace vecdex::engine
