// RocksStore: atomic batches, reads and scans, persistence across reopen, the three sync
// policies, and the errors of open.
#include "storage/rocks_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace vecdex::storage {
namespace {

using ::testing::HasSubstr;

std::unique_ptr<RocksStore> open_store(const std::filesystem::path& dir, StoreOptions o = {}) {
  auto store = RocksStore::open(dir, o);
  EXPECT_THAT(store, IsOk());
  return store.ok() ? std::move(store).value() : nullptr;
}

std::optional<std::string> get(const RocksStore& store, Column c, std::string_view key) {
  auto r = store.get(c, key);
  EXPECT_THAT(r, IsOk());
  return r.ok() ? *r : std::nullopt;
}

TEST(RocksStoreTest, BatchPutGetDeleteAndColumnsAreSeparate) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  WriteBatch batch(*store);
  batch.put(Column::kMeta, "k", "meta");
  batch.put(Column::kPoints, "k", "points");
  batch.put(Column::kIds, "gone", "x");
  batch.remove(Column::kIds, "gone");
  EXPECT_EQ(batch.count(), 4u);
  VECDEX_ASSERT_OK(store->commit(std::move(batch)));
  EXPECT_EQ(get(*store, Column::kMeta, "k"), "meta");
  EXPECT_EQ(get(*store, Column::kPoints, "k"), "points");
  EXPECT_EQ(get(*store, Column::kIds, "k"), std::nullopt);
  EXPECT_EQ(get(*store, Column::kIds, "gone"), std::nullopt);
}

TEST(RocksStoreTest, ScanRangeAndRemoveRangeAndMultiGet) {
  testing::TempDir dir;
  auto store = open_store(dir.path());
  ASSERT_NE(store, nullptr);
  WriteBatch batch(*store);
  for (char c = 'a'; c <= 'f'; ++c) batch.put(Column::kPoints, std::string(1, c), "v");
  VECDEX_ASSERT_OK(store->commit(std::move(batch)));

  std::string seen;
  VECDEX_ASSERT_OK(store->scan(Column::kPoints, "b", "e", [&](auto key, auto value) {
    seen += key;
    return Status();
  }));
  EXPECT_EQ(seen, "bcd");
  // A callback error stops the scan and comes back.
  Status s = store->scan(Column::kPoints, "", "", [](auto, auto) {
    return invalid_argument("stop");
  });
  EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, HasSubstr("stop")));

  WriteBatch del(*store);
  del.remove_range(Column::kPoints, "b", "e");
  VECDEX_ASSERT_OK(store->commit(std::move(del)));
  std::vector<std::string> keys = {"a", "b", "e", "z"};
  auto values = store->multi_get(Column::kPoints, keys);
  ASSERT_THAT(values, IsOk());
  EXPECT_EQ((*values)[0], "v");
  EXPECT_EQ((*values)[1], std::nullopt);
  EXPECT_EQ((*values)[2], "v");
  EXPECT_EQ((*values)[3], std::nullopt);
}

TEST(RocksStoreTest, EverySyncModeKeepsCommittedDataAcrossReopen) {
  for (SyncMode mode : {SyncMode::kEveryWrite, SyncMode::kGroupCommit, SyncMode::kPeriodic}) {
    SCOPED_TRACE(static_cast<int>(mode));
    testing::TempDir dir;
    StoreOptions o;
    o.sync = mode;
    o.group_commit_us = 200;
    o.periodic_sync_ms = 5;
    {
      auto store = open_store(dir.path(), o);
      ASSERT_NE(store, nullptr);
      for (int i = 0; i < 20; ++i) {
        WriteBatch b(*store);
        b.put(Column::kIds, "key" + std::to_string(i), std::to_string(i));
        VECDEX_ASSERT_OK(store->commit(std::move(b)));
      }
      EXPECT_EQ(store->sync_mode(), mode);
    }
    auto store = open_store(dir.path(), o);
    ASSERT_NE(store, nullptr);
    for (int i = 0; i < 20; ++i) {
      EXPECT_EQ(get(*store, Column::kIds, "key" + std::to_string(i)), std::to_string(i));
    }
  }
}

TEST(RocksStoreTest, GroupCommitSharesSyncsBetweenConcurrentWriters) {
  testing::TempDir dir;
  StoreOptions o;
  o.sync = SyncMode::kGroupCommit;
  o.group_commit_us = 2000;
  auto store = open_store(dir.path(), o);
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 8, kWrites = 10;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kWrites; ++i) {
        WriteBatch b(*store);
        b.put(Column::kPoints, std::to_string(t) + "/" + std::to_string(i), "v");
        if (!store->commit(std::move(b)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  // Each writer waits for a sync that covers it; with 8 writers at once most syncs are shared.
  EXPECT_LT(store->wal_syncs(), uint64_t{kThreads * kWrites});
  EXPECT_GE(store->wal_syncs(), uint64_t{kWrites});
  int n = 0;
  VECDEX_ASSERT_OK(store->scan(Column::kPoints, "", "", [&](auto, auto) {
    ++n;
    return Status();
  }));
  EXPECT_EQ(n, kThreads * kWrites);
}

TEST(RocksStoreTest, OpenErrors) {
  testing::TempDir dir;
  StoreOptions no_create;
  no_create.create_if_missing = false;
  EXPECT_THAT(RocksStore::open(dir.file("missing"), no_create),
              StatusIs(StatusCode::kNotFound, HasSubstr("does not exist")));

  std::ofstream(dir.file("plain")) << "x";
  EXPECT_THAT(RocksStore::open(dir.file("plain"), {}),
              StatusIs(StatusCode::kIOError, HasSubstr("not a directory")));

  auto first = open_store(dir.file("db"));
  ASSERT_NE(first, nullptr);
  // RocksDB's LOCK file keeps a second opener out.
  EXPECT_THAT(RocksStore::open(dir.file("db"), {}), StatusIs(StatusCode::kIOError, HasSubstr("lock")));
}

TEST(RocksStoreTest, ForeignFormatVersionIsCorruption) {
  testing::TempDir dir;
  {
    auto store = open_store(dir.path());
    ASSERT_NE(store, nullptr);
    WriteBatch b(*store);
    b.put(Column::kMeta, std::string_view("\x00format", 7), std::string("\x09\0\0\0", 4));
    VECDEX_ASSERT_OK(store->commit(std::move(b)));
  }
  EXPECT_THAT(RocksStore::open(dir.path(), {}),
              StatusIs(StatusCode::kCorruption, HasSubstr("format version 9")));
}

TEST(RocksStoreTest, BatchFromAnotherStoreIsRejected) {
  testing::TempDir dir;
  auto a = open_store(dir.file("a"));
  auto b = open_store(dir.file("b"));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  WriteBatch batch(*a);
  batch.put(Column::kMeta, "k", "v");
  EXPECT_THAT(b->commit(std::move(batch)),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("another store")));
}

}  // namespace
}  // namespace vecdex::storage
