// Recovery from states only a crash or damage can leave: a damaged point record, id keys that
// disagree with the records, and an import that never finished.
#include <gtest/gtest.h>

#include "engine/collection_record.h"
#include "engine/database_fixture.h"
#include "engine/keys.h"
#include "storage/rocks_store.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;

// Fills a database with one collection ("items", number 1) of 10 points, then closes it.
void make_db(const std::filesystem::path& dir) {
  auto db = testing::open_db(dir);
  ASSERT_NE(db, nullptr);
  auto c = db->create_collection(testing::test_config());
  ASSERT_THAT(c, IsOk());
  std::vector<Point> points;
  for (uint64_t i = 0; i < 10; ++i) points.push_back(testing::make_point(i, 8, i));
  VECDEX_ASSERT_OK((*c)->upsert(points));
}

// Applies `edit` to the closed database's store directly.
void edit_store(const std::filesystem::path& dir,
                const std::function<void(storage::RocksStore&, storage::WriteBatch&)>& edit) {
  auto store = storage::RocksStore::open(dir / "rocksdb", {});
  ASSERT_THAT(store, IsOk());
  storage::WriteBatch batch(**store);
  edit(**store, batch);
  VECDEX_ASSERT_OK((*store)->commit(std::move(batch)));
}

TEST(RecoveryTest, DamagedPointRecordIsCorruptionAtOpen) {
  testing::TempDir dir;
  make_db(dir.path());
  edit_store(dir.path(), [](auto&, auto& batch) {
    batch.put(storage::Column::kPoints, engine::keys::point_key(1, 3), "\x01garbage");
  });
  EXPECT_THAT(Database::open(dir.path(), testing::test_db_options()),
              StatusIs(StatusCode::kCorruption, HasSubstr("collection items")));
}

TEST(RecoveryTest, IdKeysThatDisagreeWithRecordsAreCorruption) {
  testing::TempDir dir;
  make_db(dir.path());
  edit_store(dir.path(), [](auto&, auto& batch) {
    batch.remove(storage::Column::kPoints, engine::keys::point_key(1, 4));
  });
  EXPECT_THAT(Database::open(dir.path(), testing::test_db_options()),
              StatusIs(StatusCode::kCorruption, HasSubstr("id key")));
}

TEST(RecoveryTest, UnfinishedImportIsDroppedAtOpen) {
  testing::TempDir dir;
  make_db(dir.path());
  edit_store(dir.path(), [](auto&, auto& batch) {
    engine::CollectionRecord r{7, engine::CollectionRecord::State::kImporting,
                               testing::test_config("half")};
    batch.put(storage::Column::kMeta, engine::keys::collection_key("half"),
              engine::encode_collection_record(r));
    batch.put(storage::Column::kPoints, engine::keys::point_key(7, 0), "x");
  });
  auto db = testing::open_db(dir.path());
  ASSERT_NE(db, nullptr);
  EXPECT_THAT(db->collection_names(), ::testing::ElementsAre("items"));
  EXPECT_EQ((*db->collection("items"))->info().points, 10u);
  // Its data went with it: a new collection of that name starts empty.
  auto half = db->create_collection(testing::test_config("half"));
  ASSERT_THAT(half, IsOk());
  EXPECT_EQ((*half)->info().points, 0u);
}

}  // namespace
}  // namespace vecdex
