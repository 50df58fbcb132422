// DatabaseImpl: the Database on disk. <dir>/rocksdb holds the store (storage/rocks_store.h, key
// layout in engine/keys.h); <dir>/segments/<collection number>/ holds each collection's sealed
// segment files. Collections, aliases and the collection counter live in the store's meta
// column; every change to them is one atomic batch.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <vector>

#include "engine/collection_impl.h"
#include "engine/collection_record.h"
#include "storage/rocks_store.h"
#include "vecdex/database.h"

namespace vecdex::engine {

// Thread safety: mu_ guards the name tables; collections do their own locking. A dropped
// collection stays allocated (answering NotFound) until the database closes, so pointers
// handed out never dangle.
class DatabaseImpl final : public Database {
 public:
  static Result<std::unique_ptr<Database>> open(const std::filesystem::path& dir,
                                                const DatabaseOptions& options);
  ~DatabaseImpl() override;

  Result<Collection*> create_collection(const CollectionConfig& config) override;
  Result<Collection*> collection(std::string_view name_or_alias) const override;
  Status drop_collection(std::string_view name) override;
  std::vector<std::string> collection_names() const override;

  Status set_alias(std::string_view alias, std::string_view collection) override;
  Status remove_alias(std::string_view alias) override;
  std::map<std::string, std::string> aliases() const override;

  Status export_snapshot(std::string_view collection,
                         const std::filesystem::path& dir) const override;
  Result<Collection*> import_snapshot(const std::filesystem::path& dir,
                                      std::string_view name) override;

  Status wait_idle() override;

 private:
  DatabaseImpl(std::filesystem::path dir, const DatabaseOptions& options);

  Status load();  // recovery: collections, aliases, stale segment directories
  std::filesystem::path segment_dir(uint32_t cid) const;
  // Creates a collection (mu_ held exclusively). AlreadyExists for a taken name.
  Result<CollectionImpl*> create_locked(const CollectionConfig& config,
                                        CollectionRecord::State state);
  // Deletes a collection's data, meta record and segment files (mu_ held exclusively).
  Status drop_locked(std::string_view name);
  CollectionImpl* find_locked(std::string_view name_or_alias) const;

  const std::filesystem::path dir_;
  const DatabaseOptions options_;
  std::unique_ptr<storage::RocksStore> store_;  // declared first: destroyed last

  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<CollectionImpl>, std::less<>> collections_;
  std::map<std::string, std::string, std::less<>> aliases_;
  std::vector<std::unique_ptr<CollectionImpl>> dropped_;
  uint32_t next_cid_ = 1;
};

}  // namespace vecdex::engine
