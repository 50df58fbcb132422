// SnapshotStore: the server's snapshot directory, <snapshot_dir>/<collection>/<snapshot>/, each
// snapshot a Database::export_snapshot artifact (MANIFEST written last, so a directory without
// one is an export in progress and is not listed). Upload staging directories live beside them
// as <snapshot_dir>/.upload-XXXXXX.
//
// Thread safety: every method may be called concurrently. A name is reserved by creating its
// directory (atomic in the file system), so two concurrent creates never share one.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vecdex/database.h"
#include "vecdex/result.h"

namespace vecdex::server {

struct SnapshotEntry {
  std::string name;
  std::string created;  // UTC, ISO 8601 ("2024-05-01T12:00:00Z"): when its MANIFEST was written
  uint64_t bytes = 0;   // sum of its files
};

class SnapshotStore {
 public:
  static constexpr size_t kMaxNameBytes = 128;

  // An empty root disables snapshots (every call is FailedPrecondition).
  explicit SnapshotStore(std::filesystem::path root) : root_(std::move(root)) {}

  // 1..128 of [A-Za-z0-9_.-], not starting with '.', and not "upload" (a route of its own).
  static Status validate_name(std::string_view name);

  // Exports `collection` (its real name, not an alias) as a new snapshot named `name`, or
  // "<UTC yyyymmddThhmmssZ>-<n>" when none is given. AlreadyExists for a taken name.
  Result<SnapshotEntry> create(const Database& db, const std::string& collection,
                               std::optional<std::string_view> name);
  // The complete snapshots of `collection`, sorted by name (empty when there are none).
  Result<std::vector<SnapshotEntry>> list(const std::string& collection) const;
  // The directory of a complete snapshot; NotFound otherwise.
  Result<std::filesystem::path> find(const std::string& collection, std::string_view name) const;
  Status remove(const std::string& collection, std::string_view name);
  // True when snapshots of `collection` exist (also after the collection was dropped).
  bool has_collection(const std::string& collection) const;
  // A new empty directory for an upload; the caller removes it.
  Result<std::filesystem::path> make_staging_dir() const;

 private:
  Status check_enabled() const;
  Result<SnapshotEntry> entry_of(const std::filesystem::path& dir) const;

  std::filesystem::path root_;
  std::atomic<uint64_t> counter_{0};
};

}  // namespace vecdex::server
