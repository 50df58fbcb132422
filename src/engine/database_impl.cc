// DatabaseImpl: open and recovery, collections and aliases; snapshots are in
// database_snapshot.cc. See database_impl.h.
#include "engine/database_impl.h"

#include <system_error>
#include <utility>

#include "engine/keys.h"

namespace vecdex::engine {
namespace {

storage::SyncMode sync_mode(SyncPolicy policy) {
  switch (policy) {
    case SyncPolicy::kEveryWrite: return storage::SyncMode::kEveryWrite;
    case SyncPolicy::kGroupCommit: return storage::SyncMode::kGroupCommit;
    case SyncPolicy::kPeriodic: return storage::SyncMode::kPeriodic;
  }
  return storage::SyncMode::kEveryWrite;
}

// "\"name\"" (built by appending: GCC 12 warns falsely about "\"" + std::string(...)).
std::string quoted(std::string_view name) {
  std::string q(1, '"');
  q.append(name);
  q.push_back('"');
  return q;
}

std::string prefix_end(char tag) { return std::string(1, static_cast<char>(tag + 1)); }

}  // namespace

DatabaseImpl::DatabaseImpl(std::filesystem::path dir, const DatabaseOptions& options)
    : dir_(std::move(dir)), options_(options) {}

DatabaseImpl::~DatabaseImpl() {
  // Collections first (their background jobs read the store), then the store.
  collections_.clear();
  dropped_.clear();
  if (store_) store_->sync_wal().ignore();  // best effort: kPeriodic's last interval
}

Result<std::unique_ptr<Database>> DatabaseImpl::open(const std::filesystem::path& dir,
                                                     const DatabaseOptions& options) {
  if (options.max_batch_points == 0 || options.segment_max_points == 0) {
    return invalid_argument("database options: max_batch_points and segment_max_points must be "
                            "positive");
  }
  std::error_code ec;
  if (options.create_if_missing) {
    std::filesystem::create_directories(dir, ec);
    if (ec) return io_error("creating database directory " + dir.string() + ": " + ec.message());
  }
  storage::StoreOptions so;
  so.create_if_missing = options.create_if_missing;
  so.sync = sync_mode(options.sync);
  so.group_commit_us = options.group_commit_us;
  so.periodic_sync_ms = options.periodic_sync_ms;
  std::unique_ptr<DatabaseImpl> db(new DatabaseImpl(dir, options));
  VECDEX_ASSIGN_OR_RETURN(db->store_, storage::RocksStore::open(dir / "rocksdb", so));
  VECDEX_RETURN_IF_ERROR(db->load().with_context("opening database " + dir.string()));
  return std::unique_ptr<Database>(std::move(db));
}

std::filesystem::path DatabaseImpl::segment_dir(uint32_t cid) const {
  return dir_ / "segments" / std::to_string(cid);
}

Status DatabaseImpl::load() {
  using storage::Column;
  VECDEX_ASSIGN_OR_RETURN(auto next, store_->get(Column::kMeta, keys::kNextCollectionKey));
  if (next) {
    auto v = keys::decode_u32(*next);
    if (!v) return corruption("malformed collection counter");
    next_cid_ = *v;
  }
  std::vector<CollectionRecord> records;
  VECDEX_RETURN_IF_ERROR(store_->scan(
      Column::kMeta, std::string(1, keys::kCollectionTag), prefix_end(keys::kCollectionTag),
      [&](std::string_view key, std::string_view value) {
        auto record = decode_collection_record(value);
        if (!record.ok()) return record.status().with_context("collection " + std::string(key.substr(1)));
        if (record->config.name != key.substr(1)) {
          return corruption("collection record " + std::string(key.substr(1)) + " names " +
                            record->config.name);
        }
        records.push_back(std::move(record).value());
        return Status();
      }));
  for (CollectionRecord& r : records) {
    if (r.state == CollectionRecord::State::kImporting) {
      // An import that did not finish (crash): it was never acknowledged, so it goes.
      collections_.emplace(r.config.name, nullptr);
      VECDEX_RETURN_IF_ERROR(drop_locked(r.config.name));
      continue;
    }
    VECDEX_ASSIGN_OR_RETURN(auto c, CollectionImpl::open(*store_, r.cid, r.config, options_,
                                                         segment_dir(r.cid)));
    collections_.emplace(r.config.name, std::move(c));
  }
  VECDEX_RETURN_IF_ERROR(store_->scan(
      Column::kMeta, std::string(1, keys::kAliasTag), prefix_end(keys::kAliasTag),
      [&](std::string_view key, std::string_view value) {
        aliases_.emplace(std::string(key.substr(1)), std::string(value));
        return Status();
      }));
  // Segment directories of dropped collections (a crash between the drop and the delete).
  std::error_code ec;
  if (std::filesystem::is_directory(dir_ / "segments", ec)) {
    std::vector<std::filesystem::path> stale;
    for (const auto& entry : std::filesystem::directory_iterator(dir_ / "segments", ec)) {
      bool live = false;
      for (const auto& [name, c] : collections_) live = live || entry.path() == c->segment_dir();
      if (!live) stale.push_back(entry.path());
    }
    for (const auto& p : stale) std::filesystem::remove_all(p, ec);
  }
  return Status();
}

CollectionImpl* DatabaseImpl::find_locked(std::string_view name_or_alias) const {
  auto it = collections_.find(name_or_alias);
  if (it != collections_.end()) return it->second.get();
  auto alias = aliases_.find(name_or_alias);
  if (alias == aliases_.end()) return nullptr;
  it = collections_.find(alias->second);
  return it == collections_.end() ? nullptr : it->second.get();
}

Result<CollectionImpl*> DatabaseImpl::create_locked(const CollectionConfig& config,
                                                    CollectionRecord::State state) {
  VECDEX_RETURN_IF_ERROR(check_collection_config(config));
  if (collections_.count(config.name) != 0) {
    return already_exists("collection " + config.name + " already exists");
  }
  if (aliases_.count(config.name) != 0) {
    return already_exists("collection name " + config.name + " is taken by an alias");
  }
  if (next_cid_ == UINT32_MAX) return resource_exhausted("collection numbers are exhausted");
  CollectionRecord record{next_cid_, state, config};
  storage::WriteBatch batch(*store_);
  batch.put(storage::Column::kMeta, keys::collection_key(config.name),
            encode_collection_record(record));
  batch.put(storage::Column::kMeta, keys::kNextCollectionKey, keys::encode_u32(next_cid_ + 1));
  VECDEX_RETURN_IF_ERROR(store_->commit(std::move(batch)));
  ++next_cid_;
  auto c = CollectionImpl::open(*store_, record.cid, config, options_, segment_dir(record.cid));
  if (!c.ok()) {
    collections_.emplace(config.name, nullptr);
    drop_locked(config.name).ignore();  // undo the record; the error below is what matters
    return c.status();
  }
  CollectionImpl* raw = c->get();
  collections_.emplace(config.name, std::move(c).value());
  return raw;
}

Result<Collection*> DatabaseImpl::create_collection(const CollectionConfig& config) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  VECDEX_ASSIGN_OR_RETURN(CollectionImpl * c, create_locked(config, CollectionRecord::State::kReady));
  return static_cast<Collection*>(c);
}

Result<Collection*> DatabaseImpl::collection(std::string_view name_or_alias) const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  CollectionImpl* c = find_locked(name_or_alias);
  if (c == nullptr) {
    return not_found("no collection or alias named " + quoted(name_or_alias));
  }
  return static_cast<Collection*>(c);
}

Status DatabaseImpl::drop_locked(std::string_view name) {
  auto it = collections_.find(name);
  // A null entry is a half-created or half-imported collection: read its number from storage.
  VECDEX_ASSIGN_OR_RETURN(auto value,
                          store_->get(storage::Column::kMeta, keys::collection_key(name)));
  if (!value) return not_found("collection " + std::string(name) + " has no stored record");
  VECDEX_ASSIGN_OR_RETURN(CollectionRecord record, decode_collection_record(*value));
  const uint32_t cid = record.cid;
  storage::WriteBatch batch(*store_);
  batch.remove(storage::Column::kMeta, keys::collection_key(name));
  batch.remove(storage::Column::kMeta, keys::next_pid_key(cid));
  for (auto column : {storage::Column::kIds, storage::Column::kPoints}) {
    batch.remove_range(column, keys::collection_prefix(cid), keys::collection_prefix_end(cid));
  }
  VECDEX_RETURN_IF_ERROR(store_->commit(std::move(batch)));
  if (it != collections_.end()) {
    if (it->second) {
      it->second->mark_dropped();
      dropped_.push_back(std::move(it->second));
    }
    collections_.erase(it);
  }
  std::error_code ec;
  std::filesystem::remove_all(segment_dir(cid), ec);  // leftovers go at the next open
  return Status();
}

Status DatabaseImpl::drop_collection(std::string_view name) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (collections_.count(name) == 0) {
    if (aliases_.count(name) != 0) {
      return invalid_argument(quoted(name) +
                              " is an alias; drop_collection takes a collection name");
    }
    return not_found("no collection named " + quoted(name));
  }
  std::string users;
  for (const auto& [alias, target] : aliases_) {
    if (target != name) continue;
    if (!users.empty()) users += ", ";
    users += alias;
  }
  if (!users.empty()) {
    return failed_precondition("collection " + std::string(name) + " is the target of alias(es) " +
                               users + "; switch or remove them first");
  }
  return drop_locked(name);
}

std::vector<std::string> DatabaseImpl::collection_names() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  std::vector<std::string> names;
  for (const auto& [name, c] : collections_) names.push_back(name);
  return names;
}

Status DatabaseImpl::set_alias(std::string_view alias, std::string_view collection) {
  VECDEX_RETURN_IF_ERROR(check_name(alias, "alias"));
  std::unique_lock<std::shared_mutex> lock(mu_);
  if (collections_.count(alias) != 0) {
    return already_exists("alias " + std::string(alias) + ": a collection has that name");
  }
  if (collections_.count(collection) == 0) {
    return not_found("alias " + std::string(alias) + ": no collection named " + quoted(collection) +
                     (aliases_.count(collection) ? " (it is an alias; aliases point at collections)"
                                                 : ""));
  }
  storage::WriteBatch batch(*store_);
  batch.put(storage::Column::kMeta, keys::alias_key(alias), collection);
  VECDEX_RETURN_IF_ERROR(store_->commit(std::move(batch)));
  aliases_[std::string(alias)] = std::string(collection);
  return Status();
}

Status DatabaseImpl::remove_alias(std::string_view alias) {
  std::unique_lock<std::shared_mutex> lock(mu_);
  auto it = aliases_.find(alias);
  if (it == aliases_.end()) return not_found("no alias named " + quoted(alias));
  storage::WriteBatch batch(*store_);
  batch.remove(storage::Column::kMeta, keys::alias_key(alias));
  VECDEX_RETURN_IF_ERROR(store_->commit(std::move(batch)));
  aliases_.erase(it);
  return Status();
}

std::map<std::string, std::string> DatabaseImpl::aliases() const {
  std::shared_lock<std::shared_mutex> lock(mu_);
  return {aliases_.begin(), aliases_.end()};
}

Status DatabaseImpl::wait_idle() {
  // The shared lock keeps drop_collection (exclusive) from freeing a segment set we wait on.
  std::shared_lock<std::shared_mutex> lock(mu_);
  Status first;
  for (const auto& [name, c] : collections_) {
    Status s = c->wait_idle();
    if (!s.ok() && first.ok()) first = s.with_context("collection " + name);
  }
  return first;
}

}  // namespace vecdex::engine

namespace vecdex {

Result<std::unique_ptr<Database>> Database::open(const std::filesystem::path& dir,
                                                 const DatabaseOptions& options) {
  return engine::DatabaseImpl::open(dir, options);
}

}  // namespace vecdex
