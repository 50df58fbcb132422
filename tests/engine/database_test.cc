// Database behaviour: collections (create, look up, drop, names), aliases, reopen keeping
// everything, and the errors of each call.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/database_fixture.h"

namespace vecdex {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::make_point;

TEST(DatabaseTest, CreateLookUpAndDuplicateCreate) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.path());
  ASSERT_NE(db, nullptr);
  auto c = db->create_collection(testing::test_config("a"));
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ((*c)->config().name, "a");
  EXPECT_EQ(*db->collection("a"), *c);
  EXPECT_THAT(db->create_collection(testing::test_config("a")),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("a already exists")));
  EXPECT_THAT(db->collection("nope"), StatusIs(StatusCode::kNotFound, HasSubstr("nope")));
  EXPECT_THAT(db->collection_names(), ElementsAre("a"));
}

TEST(DatabaseTest, BadConfigsAreInvalidArgument) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.path());
  ASSERT_NE(db, nullptr);
  auto expect_bad = [&](CollectionConfig c, std::string_view what) {
    EXPECT_THAT(db->create_collection(c), StatusIs(StatusCode::kInvalidArgument, HasSubstr(what)));
  };
  expect_bad(testing::test_config(""), "is empty");
  expect_bad(testing::test_config("has space"), "outside the allowed set");
  expect_bad(testing::test_config(std::string(65, 'n')), "65 bytes");
  expect_bad(testing::test_config("d0", 0), "dim 0");
  expect_bad(testing::test_config("d1", 70000), "dim 70000");
  expect_bad(testing::test_config("spec", 8, "HNSW32,bogus=1"), "index spec");
  auto dup = testing::test_config("schema");
  dup.schema.fields.push_back(dup.schema.fields[0]);
  expect_bad(dup, "schema");
  EXPECT_TRUE(db->collection_names().empty());
}

TEST(DatabaseTest, ReopenKeepsCollectionsPointsAliasesAndSearches) {
  testing::TempDir dir;
  std::vector<Point> points;
  auto config = testing::test_config("keep", 8, "HNSW16");
  config.schema.fields[0].required = true;
  {
    auto db = testing::open_db(dir.path());
    ASSERT_NE(db, nullptr);
    auto c = db->create_collection(config);
    ASSERT_THAT(c, IsOk());
    for (uint64_t i = 0; i < 150; ++i) {
      points.push_back(make_point(i, 8, i, Payload{{"color", std::string(i < 50 ? "red" : "blue")}},
                                  i % 2 ? "m1" : "m2"));
    }
    VECDEX_ASSERT_OK((*c)->upsert(points));
    std::vector<PointId> gone = {PointId(7)};
    ASSERT_THAT((*c)->remove(gone), IsOk());
    VECDEX_ASSERT_OK(db->set_alias("live", "keep"));
    VECDEX_ASSERT_OK(db->wait_idle());
  }
  auto db = testing::open_db(dir.path());
  ASSERT_NE(db, nullptr);
  auto c = db->collection("live");
  ASSERT_THAT(c, IsOk());
  EXPECT_EQ((*c)->config().name, "keep");
  EXPECT_EQ((*c)->config().index_spec, "HNSW16");
  EXPECT_TRUE((*c)->config().schema.fields[0].required);
  auto info = (*c)->info();
  EXPECT_EQ(info.points, 149u);
  EXPECT_EQ(info.model_versions.at("m1") + info.model_versions.at("m2"), 149u);
  EXPECT_EQ(info.coverage.at("color"), 149u);
  EXPECT_THAT((*c)->get(PointId(7)), StatusIs(StatusCode::kNotFound, HasSubstr("7")));
  EXPECT_EQ((*c)->get(PointId(8))->vector, points[8].vector);
  // Every point is found by its own vector after recovery (sealed segments reloaded, the
  // mutable one rebuilt from storage).
  size_t found = 0;
  for (uint64_t i = 0; i < 150; i += 5) {
    if (i == 7) continue;
    SearchRequest r;
    r.vector = points[i].vector;
    r.k = 1;
    r.params.ef = 64;
    auto res = (*c)->search(r);
    ASSERT_THAT(res, IsOk());
    found += !res->results.empty() && res->results[0].id == PointId(i);
  }
  EXPECT_EQ(found, 30u);
  // Filters work from the rebuilt payload index; new pids do not collide with old ones.
  SearchRequest r;
  r.vector = points[0].vector;
  r.k = 100;
  r.filter = testing::match("color", std::string("red"));
  EXPECT_EQ((*c)->search(r)->results.size(), 49u);  // ids 0..49 but 7
  Point again = make_point(100, 8, 999, Payload{{"color", std::string("red")}});
  VECDEX_ASSERT_OK((*c)->upsert(std::span<const Point>(&again, 1)));
  EXPECT_EQ((*c)->info().points, 149u);
  EXPECT_EQ((*c)->search(r)->results.size(), 50u);
}

TEST(DatabaseTest, AliasesSwitchAtomicallyAndGuardDrops) {
  testing::TempDir dir;
  auto db = testing::open_db(dir.path());
  ASSERT_NE(db, nullptr);
  auto blue = db->create_collection(testing::test_config("blue"));
  auto green = db->create_collection(testing::test_config("green"));
  ASSERT_THAT(blue, IsOk());
  ASSERT_THAT(green, IsOk());
  VECDEX_ASSERT_OK(db->set_alias("prod", "blue"));
  EXPECT_EQ(*db->collection("prod"), *blue);
  VECDEX_ASSERT_OK(db->set_alias("prod", "green"));
  EXPECT_EQ(*db->collection("prod"), *green);
  EXPECT_EQ(db->aliases().at("prod"), "green");

  EXPECT_THAT(db->set_alias("prod2", "nope"), StatusIs(StatusCode::kNotFound, HasSubstr("nope")));
  EXPECT_THAT(db->set_alias("x", "prod"), StatusIs(StatusCode::kNotFound, HasSubstr("alias")));
  EXPECT_THAT(db->set_alias("blue", "green"),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("a collection has that name")));
  EXPECT_THAT(db->set_alias("bad name", "green"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("alias")));
  EXPECT_THAT(db->create_collection(testing::test_config("prod")),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("alias")));
  EXPECT_THAT(db->drop_collection("green"),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("prod")));
  EXPECT_THAT(db->drop_collection("prod"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("is an alias")));
  VECDEX_ASSERT_OK(db->remove_alias("prod"));
  EXPECT_THAT(db->remove_alias("prod"), StatusIs(StatusCode::kNotFound, HasSubstr("prod")));
  EXPECT_THAT(db->collection("prod"), StatusIs(StatusCode::kNotFound, HasSubstr("prod")));
}

TEST(DatabaseTest, DropRemovesDataAndTheNameCanBeReused) {
  testing::TempDir dir;
  {
    auto db = testing::open_db(dir.path());
    ASSERT_NE(db, nullptr);
    auto c = db->create_collection(testing::test_config("tmp"));
    ASSERT_THAT(c, IsOk());
    std::vector<Point> points;
    for (uint64_t i = 0; i < 100; ++i) points.push_back(make_point(i, 8, i));
    VECDEX_ASSERT_OK((*c)->upsert(points));
    Collection* old = *c;
    VECDEX_ASSERT_OK(db->drop_collection("tmp"));
    // The old pointer stays valid and says the collection is gone.
    EXPECT_THAT(old->get(PointId(1)), StatusIs(StatusCode::kNotFound, HasSubstr("dropped")));
    EXPECT_THAT(old->upsert(points), StatusIs(StatusCode::kNotFound, HasSubstr("dropped")));
    EXPECT_THAT(db->drop_collection("tmp"), StatusIs(StatusCode::kNotFound, HasSubstr("tmp")));
    auto again = db->create_collection(testing::test_config("tmp"));
    ASSERT_THAT(again, IsOk());
    EXPECT_EQ((*again)->info().points, 0u);
    EXPECT_THAT((*again)->get(PointId(1)), StatusIs(StatusCode::kNotFound, HasSubstr("1")));
  }
  auto db = testing::open_db(dir.path());
  ASSERT_NE(db, nullptr);
  EXPECT_EQ((*db->collection("tmp"))->info().points, 0u);
  // Only the live collection's segment directory is left.
  size_t dirs = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path() / "segments")) {
    (void)e;
    ++dirs;
  }
  EXPECT_EQ(dirs, 1u);
}

TEST(DatabaseTest, OpenErrors) {
  testing::TempDir dir;
  DatabaseOptions o = testing::test_db_options();
  o.create_if_missing = false;
  EXPECT_THAT(Database::open(dir.file("missing"), o),
              StatusIs(StatusCode::kNotFound, HasSubstr("does not exist")));
  std::ofstream(dir.file("file")) << "x";
  EXPECT_THAT(Database::open(dir.file("file"), testing::test_db_options()),
              StatusIs(StatusCode::kIOError, HasSubstr("file")));
  auto first = testing::open_db(dir.file("db"));
  ASSERT_NE(first, nullptr);
  EXPECT_THAT(Database::open(dir.file("db"), testing::test_db_options()),
              StatusIs(StatusCode::kIOError, HasSubstr("lock")));
  o = testing::test_db_options();
  o.max_batch_points = 0;
  EXPECT_THAT(Database::open(dir.file("db2"), o),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("max_batch_points")));
}

TEST(DatabaseTest, EverySyncPolicyPersistsAcknowledgedWrites) {
  for (SyncPolicy policy : {SyncPolicy::kEveryWrite, SyncPolicy::kGroupCommit, SyncPolicy::kPeriodic}) {
    SCOPED_TRACE(static_cast<int>(policy));
    testing::TempDir dir;
    DatabaseOptions o = testing::test_db_options();
    o.sync = policy;
    o.group_commit_us = 200;
    o.periodic_sync_ms = 10;
    {
      auto db = testing::open_db(dir.path(), o);
      ASSERT_NE(db, nullptr);
      auto c = db->create_collection(testing::test_config());
      ASSERT_THAT(c, IsOk());
      for (uint64_t i = 0; i < 5; ++i) {
        Point p = make_point(i, 8, i);
        VECDEX_ASSERT_OK((*c)->upsert(std::span<const Point>(&p, 1)));
      }
    }
    auto db = testing::open_db(dir.path(), o);
    ASSERT_NE(db, nullptr);
    EXPECT_EQ((*db->collection("items"))->info().points, 5u);
  }
}

}  // namespace
}  // namespace vecdex
