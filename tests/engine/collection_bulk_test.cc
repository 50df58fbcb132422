// Collection bulk path and Collection::seal(): bulk batches land in the staging segment, are
// searchable at once, sealed once (when full, idle, or by seal()), and survive replacement,
// deletion and reopening; seal() seals whatever still takes writes.
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "engine/database_fixture.h"

namespace vecdex {
namespace {

using testing::make_point;

constexpr size_t kDim = 8;

// Bulk batches: 32+ points; segments of 64; the idle seal only when a test asks for it.
DatabaseOptions bulk_db_options() {
  DatabaseOptions o = testing::test_db_options();
  o.bulk_min_batch_points = 32;
  o.staging_idle_seal_ms = 3600 * 1000;
  o.compaction_min_points = 0;  // keep segments as they are
  return o;
}

std::vector<Point> make_points(uint64_t first_id, size_t n, uint64_t seed) {
  std::vector<Point> points;
  for (size_t i = 0; i < n; ++i) {
    uint64_t id = first_id + i;
    points.push_back(make_point(id, kDim, seed * 100000 + id,
                                Payload{{"batch", int64_t(seed)}}));
  }
  return points;
}

// "state:points" per segment, in order.
std::vector<std::string> layout(const Collection& c) {
  std::vector<std::string> out;
  for (const SegmentInfo& s : c.info().segments) {
    out.push_back(s.state + ":" + std::to_string(s.points));
  }
  return out;
}
using Layout = std::vector<std::string>;

class CollectionBulkTest : public ::testing::Test {
 protected:
  void open(const DatabaseOptions& o = bulk_db_options()) {
    c_ = nullptr;
    db_.reset();
    db_ = testing::open_db(dir_.path(), o);
    ASSERT_NE(db_, nullptr);
    auto c = db_->collection("items");
    if (!c.ok()) c = db_->create_collection(testing::test_config("items", kDim));
    ASSERT_THAT(c, IsOk());
    c_ = *c;
  }
  void upsert(const std::vector<Point>& points) {
    ASSERT_THAT(c_->upsert(points), IsOk());
    for (const Point& p : points) latest_[p.id.number()] = p;
  }
  void remove(std::vector<uint64_t> ids) {
    std::vector<PointId> pids(ids.begin(), ids.end());
    ASSERT_THAT(c_->remove(pids), IsOk());
    for (uint64_t id : ids) latest_.erase(id);
  }
  // Every live point is found by its own vector (distance 0), with its latest payload, and
  // removed ones are found by nothing.
  void expect_all_findable() {
    ASSERT_EQ(c_->info().points, latest_.size());
    for (const auto& [id, p] : latest_) {
      SearchRequest r;
      r.vector = p.vector;
      r.k = 1;
      r.with_payload = true;
      auto res = c_->search(r);
      ASSERT_THAT(res, IsOk());
      ASSERT_EQ(res->results.size(), 1u) << "id " << id;
      EXPECT_EQ(res->results[0].id, p.id);
      EXPECT_EQ(res->results[0].score, 0.0f);
      EXPECT_EQ(res->results[0].payload, p.payload);
    }
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  Collection* c_ = nullptr;
  std::map<uint64_t, Point> latest_;
};

TEST_F(CollectionBulkTest, BulkBatchIsStagedSearchableAtOnceSealedOnceAndReopened) {
  open();
  upsert(make_points(0, 40, 1));
  EXPECT_EQ(layout(*c_), (Layout{"staging:40", "mutable:0"}));
  EXPECT_EQ(c_->info().segments[0].index_spec, "Flat");
  expect_all_findable();
  upsert(make_points(40, 40, 2));  // fills the staging segment at 64, 16 go to a new one
  EXPECT_EQ(layout(*c_), (Layout{"sealed:64", "staging:16", "mutable:0"}));
  expect_all_findable();
  open();  // the staged 16 are re-added from storage
  expect_all_findable();
  EXPECT_EQ(c_->info().segments[0].state, "sealed");
  EXPECT_EQ(c_->info().segments[0].points, 64u);
}

TEST_F(CollectionBulkTest, BulkAndSmallBatchesMixAndReplaceAcrossSegments) {
  open();
  upsert(make_points(0, 40, 1));   // staging
  upsert(make_points(100, 5, 2));  // mutable
  // Replace: small batch over staged ids, bulk batch over mutable + staged + new ids.
  upsert(make_points(0, 4, 3));
  std::vector<Point> bulk = make_points(100, 5, 4);
  for (Point& p : make_points(20, 30, 4)) bulk.push_back(std::move(p));
  upsert(bulk);
  EXPECT_EQ(c_->info().points, 55u);  // ids 0..49 and 100..104
  expect_all_findable();
  auto got = c_->get(PointId(uint64_t{2}));
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(got->payload, (Payload{{"batch", int64_t(3)}}));
  // Every live point is counted in exactly one segment.
  size_t in_segments = 0;
  for (const SegmentInfo& s : c_->info().segments) in_segments += s.points;
  EXPECT_EQ(in_segments, 55u);
  ASSERT_THAT(c_->seal(), IsOk());
  ASSERT_THAT(db_->wait_idle(), IsOk());
  expect_all_findable();
}

TEST_F(CollectionBulkTest, DeletesInTheStagingSegment) {
  open();
  upsert(make_points(0, 50, 1));
  remove({0, 1, 49});
  auto gone = c_->remove_where(testing::match("batch", int64_t(7)));  // matches nothing
  ASSERT_THAT(gone, IsOk());
  EXPECT_EQ(*gone, 0u);
  EXPECT_EQ(layout(*c_), (Layout{"staging:47", "mutable:0"}));
  expect_all_findable();
  // The removed points are found by nobody, not even by their own vectors.
  for (uint64_t id : {0, 1, 49}) {
    SearchRequest r;
    std::vector<float> q = make_point(id, kDim, 100000 + id).vector;
    r.vector = q;
    r.k = 50;
    auto res = c_->search(r);
    ASSERT_THAT(res, IsOk());
    EXPECT_EQ(res->results.size(), 47u);
    for (const ScoredPoint& sp : res->results) EXPECT_NE(sp.id, PointId(id));
  }
  ASSERT_THAT(c_->seal(), IsOk());
  EXPECT_EQ(layout(*c_), (Layout{"sealed:47", "mutable:0"}));
  expect_all_findable();
}

TEST_F(CollectionBulkTest, SealSealsMutableAndStagingAndLaterUpsertsStartFresh) {
  open();
  ASSERT_THAT(c_->seal(), IsOk());  // empty: nothing to do
  EXPECT_EQ(layout(*c_), (Layout{"mutable:0"}));
  upsert(make_points(0, 10, 1));
  upsert(make_points(10, 40, 2));
  ASSERT_THAT(c_->seal(), IsOk());  // inline (background_threads == 0)
  EXPECT_EQ(layout(*c_), (Layout{"sealed:40", "sealed:10", "mutable:0"}));
  for (const SegmentInfo& s : c_->info().segments) {
    if (s.state == "sealed") {
      EXPECT_EQ(s.index_spec, "Flat");
    }
  }
  upsert(make_points(50, 3, 3));
  EXPECT_EQ(layout(*c_), (Layout{"sealed:40", "sealed:10", "mutable:3"}));
  expect_all_findable();
  open();  // sealed segments are loaded, not rebuilt
  EXPECT_EQ(layout(*c_), (Layout{"sealed:40", "sealed:10", "mutable:3"}));
  expect_all_findable();
}

TEST_F(CollectionBulkTest, SealBuildsInTheBackgroundAndWaitIdleWaitsForIt) {
  DatabaseOptions o = bulk_db_options();
  o.background_threads = 1;
  open(o);
  upsert(make_points(0, 50, 1));
  upsert(make_points(50, 5, 2));
  ASSERT_THAT(c_->seal(), IsOk());
  expect_all_findable();  // while the builds run
  ASSERT_THAT(db_->wait_idle(), IsOk());
  EXPECT_EQ(layout(*c_), (Layout{"sealed:50", "sealed:5", "mutable:0"}));
  expect_all_findable();
}

TEST_F(CollectionBulkTest, SealOfADroppedCollectionIsNotFound) {
  open();
  upsert(make_points(0, 5, 1));
  ASSERT_THAT(db_->drop_collection("items"), IsOk());
  EXPECT_THAT(c_->seal(), StatusIs(StatusCode::kNotFound, ::testing::HasSubstr("dropped")));
}

TEST_F(CollectionBulkTest, IdleZeroSealsEveryBulkBatchAtOnce) {
  DatabaseOptions o = bulk_db_options();
  o.staging_idle_seal_ms = 0;
  open(o);
  upsert(make_points(0, 40, 1));
  upsert(make_points(40, 3, 2));
  EXPECT_EQ(layout(*c_), (Layout{"sealed:40", "mutable:3"}));
  expect_all_findable();
}

TEST_F(CollectionBulkTest, IdleStagingSegmentIsSealedWithoutFurtherCalls) {
  DatabaseOptions o = bulk_db_options();
  o.staging_idle_seal_ms = 10;
  o.background_threads = 1;
  open(o);
  upsert(make_points(0, 40, 1));
  // Liveness, not timing: give it up to a minute.
  auto give_up = std::chrono::steady_clock::now() + std::chrono::minutes(1);
  while (c_->info().segments[0].state != "sealed" && std::chrono::steady_clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  EXPECT_EQ(layout(*c_), (Layout{"sealed:40", "mutable:0"}));
  expect_all_findable();
}

TEST_F(CollectionBulkTest, DisabledBulkPathKeepsLargeBatchesInTheMutableSegment) {
  DatabaseOptions o = bulk_db_options();
  o.bulk_min_batch_points = 0;
  open(o);
  upsert(make_points(0, 40, 1));
  EXPECT_EQ(layout(*c_), (Layout{"mutable:40"}));
}

TEST_F(CollectionBulkTest, SnapshotOfABulkLoadedCollectionImportsThroughTheBulkPath) {
  open();
  upsert(make_points(0, 100, 1));
  testing::TempDir snap;
  ASSERT_THAT(db_->export_snapshot("items", snap.path() / "s"), IsOk());
  auto imported = db_->import_snapshot(snap.path() / "s", "copy");
  ASSERT_THAT(imported, IsOk());
  EXPECT_EQ((*imported)->info().points, 100u);
  bool staged_or_sealed_only = true;
  for (const SegmentInfo& s : (*imported)->info().segments) {
    if (s.state == "mutable") staged_or_sealed_only = staged_or_sealed_only && s.points == 0;
  }
  EXPECT_TRUE(staged_or_sealed_only);
  c_ = *imported;
  expect_all_findable();
}

}  // namespace
}  // namespace vecdex
