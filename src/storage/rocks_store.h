// RocksStore: vecdex's durable key-value store, a thin wrapper over one RocksDB database with
// three column families (meta, ids, points), atomic write batches, prefix/range scans, and the
// database's sync policy (wal_syncer.h). RocksDB headers stay inside storage/*.cc.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "storage/wal_syncer.h"
#include "vecdex/result.h"

namespace vecdex::storage {

// Column families. kMeta holds small records (collection configs, aliases, counters); kIds maps
// external ids to internal numbers; kPoints holds point records (vectors, payloads).
enum class Column : uint8_t { kMeta = 0, kIds = 1, kPoints = 2 };
inline constexpr size_t kColumnCount = 3;

struct StoreOptions {
  bool create_if_missing = true;        // otherwise NotFound for a missing database
  SyncMode sync = SyncMode::kEveryWrite;
  uint32_t group_commit_us = 500;       // kGroupCommit: least time between two fsyncs
  uint32_t periodic_sync_ms = 1000;     // kPeriodic: time between background fsyncs
};

class RocksStore;

// A set of puts and deletes applied atomically by RocksStore::commit (all or none, also across
// a crash). Bound to the store that made it. Not thread-safe.
class WriteBatch {
 public:
  explicit WriteBatch(const RocksStore& store);
  ~WriteBatch();
  WriteBatch(WriteBatch&&) noexcept;
  WriteBatch& operator=(WriteBatch&&) noexcept;

  void put(Column column, std::string_view key, std::string_view value);
  void remove(Column column, std::string_view key);
  // Deletes every key in [begin, end).
  void remove_range(Column column, std::string_view begin, std::string_view end);
  // Operations so far, and their encoded size.
  size_t count() const;
  size_t bytes() const;

 private:
  friend class RocksStore;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Thread safety: every method may be called concurrently (RocksDB serialises writers and lets
// readers run alongside). A scan sees a consistent point-in-time view.
class RocksStore {
 public:
  // Opens (or creates) the database in `dir`. NotFound when it is missing and
  // !create_if_missing; IOError when it cannot be opened (another process holds its lock, the
  // path is a file, permissions); Corruption when RocksDB finds damaged files or the stored
  // format version is not one this build reads.
  static Result<std::unique_ptr<RocksStore>> open(const std::filesystem::path& dir,
                                                  const StoreOptions& options);
  ~RocksStore();
  RocksStore(const RocksStore&) = delete;
  RocksStore& operator=(const RocksStore&) = delete;

  // Applies the batch atomically and returns once it is durable as the sync policy says.
  // On error nothing of the batch is visible.
  Status commit(WriteBatch batch);

  // The value under `key`, or nullopt when absent.
  Result<std::optional<std::string>> get(Column column, std::string_view key) const;
  // Values for several keys (nullopt for absent ones), from one consistent view.
  Result<std::vector<std::optional<std::string>>> multi_get(
      Column column, std::span<const std::string> keys) const;
  // Calls fn(key, value) for every key in [begin, end) in order (end "" = to the last key),
  // stopping at the first non-OK status fn returns (which scan then returns).
  Status scan(Column column, std::string_view begin, std::string_view end,
              const std::function<Status(std::string_view key, std::string_view value)>& fn) const;

  // Forces the WAL to disk now (shutdown, snapshot export).
  Status sync_wal();
  const std::filesystem::path& dir() const { return dir_; }
  SyncMode sync_mode() const { return syncer_->mode(); }
  uint64_t wal_syncs() const { return syncer_->syncs(); }

  // On-disk format version written at creation and checked at open.
  static constexpr uint32_t kFormatVersion = 1;

 private:
  friend class WriteBatch;
  struct Impl;
  RocksStore(std::filesystem::path dir, std::unique_ptr<Impl> impl);

  std::filesystem::path dir_;
  std::unique_ptr<Impl> impl_;
  std::unique_ptr<WalSyncer> syncer_;
};

}  // namespace vecdex::storage
