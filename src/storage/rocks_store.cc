// RocksStore on RocksDB, see rocks_store.h.
#include "storage/rocks_store.h"

#include <array>
#include <cstring>
#include <system_error>
#include <utility>

#include <rocksdb/db.h>
#include <rocksdb/iterator.h>
#include <rocksdb/options.h>
#include <rocksdb/write_batch.h>

#include "storage/rocks_status.h"

namespace vecdex::storage {
namespace {

// "default" is RocksDB's kDefaultColumnFamilyName, which every database must open.
constexpr std::array<const char*, kColumnCount> kColumnNames = {"default", "ids", "points"};
// Lives in kMeta; sorts before every engine key (engine keys start with a printable byte).
constexpr std::string_view kFormatKey{"\x00format", 7};

rocksdb::Slice slice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }
std::string_view view(const rocksdb::Slice& s) { return std::string_view(s.data(), s.size()); }

}  // namespace

struct RocksStore::Impl {
  std::unique_ptr<rocksdb::DB> db;
  std::array<rocksdb::ColumnFamilyHandle*, kColumnCount> columns{};
  SyncMode sync = SyncMode::kEveryWrite;

  rocksdb::ColumnFamilyHandle* cf(Column c) const { return columns[static_cast<size_t>(c)]; }

  ~Impl() {
    if (!db) return;
    for (auto* handle : columns) {
      if (handle != nullptr) db->DestroyColumnFamilyHandle(handle).PermitUncheckedError();
    }
    db->Close().PermitUncheckedError();
  }
};

struct WriteBatch::Impl {
  const RocksStore::Impl* store;
  rocksdb::WriteBatch batch;
};

WriteBatch::WriteBatch(const RocksStore& store)
    : impl_(std::make_unique<Impl>()) {
  impl_->store = store.impl_.get();
}
WriteBatch::~WriteBatch() = default;
WriteBatch::WriteBatch(WriteBatch&&) noexcept = default;
WriteBatch& WriteBatch::operator=(WriteBatch&&) noexcept = default;

// RocksDB's WriteBatch only fails these for column families of another database or keys over
// 4 GiB; neither can come from vecdex, so the statuses are dropped.
void WriteBatch::put(Column column, std::string_view key, std::string_view value) {
  impl_->batch.Put(impl_->store->cf(column), slice(key), slice(value)).PermitUncheckedError();
}
void WriteBatch::remove(Column column, std::string_view key) {
  impl_->batch.Delete(impl_->store->cf(column), slice(key)).PermitUncheckedError();
}
void WriteBatch::remove_range(Column column, std::string_view begin, std::string_view end) {
  impl_->batch.DeleteRange(impl_->store->cf(column), slice(begin), slice(end))
      .PermitUncheckedError();
}
size_t WriteBatch::count() const { return impl_->batch.Count(); }
size_t WriteBatch::bytes() const { return impl_->batch.GetDataSize(); }

RocksStore::RocksStore(std::filesystem::path dir, std::unique_ptr<Impl> impl)
    : dir_(std::move(dir)), impl_(std::move(impl)) {}

RocksStore::~RocksStore() {
  syncer_.reset();  // stops the periodic thread before the database goes away
  impl_.reset();
}

Result<std::unique_ptr<RocksStore>> RocksStore::open(const std::filesystem::path& dir,
                                                     const StoreOptions& options) {
  std::error_code ec;
  const bool exists = std::filesystem::exists(dir / "CURRENT", ec);
  if (!exists && !options.create_if_missing) {
    return not_found("database " + dir.string() + " does not exist (create_if_missing is off)");
  }
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_directory(dir, ec)) {
    return io_error("database path " + dir.string() + " is not a directory");
  }

  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  rocksdb::ColumnFamilyOptions cf_options;
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const char* name : kColumnNames) descriptors.emplace_back(name, cf_options);

  auto impl = std::make_unique<Impl>();
  impl->sync = options.sync;
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s = rocksdb::DB::Open(db_options, dir.string(), descriptors, &handles, &raw);
  if (!s.ok()) return from_rocksdb(s, "opening database " + dir.string());
  impl->db.reset(raw);
  for (size_t i = 0; i < kColumnCount; ++i) impl->columns[i] = handles[i];

  // Format version: written once at creation, checked at every open.
  std::string value;
  s = impl->db->Get(rocksdb::ReadOptions(), impl->cf(Column::kMeta), slice(kFormatKey), &value);
  if (s.IsNotFound()) {
    char bytes[4];
    uint32_t v = kFormatVersion;
    std::memcpy(bytes, &v, 4);
    rocksdb::WriteOptions wo;
    wo.sync = true;
    s = impl->db->Put(wo, impl->cf(Column::kMeta), slice(kFormatKey), rocksdb::Slice(bytes, 4));
    if (!s.ok()) return from_rocksdb(s, "writing format version to " + dir.string());
  } else if (!s.ok()) {
    return from_rocksdb(s, "reading format version of " + dir.string());
  } else {
    uint32_t v = 0;
    if (value.size() == 4) std::memcpy(&v, value.data(), 4);
    if (value.size() != 4 || v != kFormatVersion) {
      return corruption("database " + dir.string() + " has storage format version " +
                        (value.size() == 4 ? std::to_string(v) : "<malformed>") +
                        ", this build reads version " + std::to_string(kFormatVersion));
    }
  }

  rocksdb::DB* db = impl->db.get();
  auto store = std::unique_ptr<RocksStore>(new RocksStore(dir, std::move(impl)));
  store->syncer_ = std::make_unique<WalSyncer>(
      options.sync, std::chrono::microseconds(options.group_commit_us),
      std::chrono::milliseconds(options.periodic_sync_ms),
      [db] { return from_rocksdb(db->FlushWAL(/*sync=*/true), "syncing the WAL"); });
  return store;
}

Status RocksStore::commit(WriteBatch batch) {
  if (batch.impl_->store != impl_.get()) {
    return invalid_argument("commit: the batch was made for another store");
  }
  VECDEX_RETURN_IF_ERROR(syncer_->error());
  rocksdb::WriteOptions wo;
  wo.sync = impl_->sync == SyncMode::kEveryWrite;
  VECDEX_RETURN_IF_ERROR(
      from_rocksdb(impl_->db->Write(wo, &batch.impl_->batch), "writing a batch"));
  return syncer_->wait_durable();
}

Result<std::optional<std::string>> RocksStore::get(Column column, std::string_view key) const {
  std::string value;
  rocksdb::Status s = impl_->db->Get(rocksdb::ReadOptions(), impl_->cf(column), slice(key), &value);
  if (s.IsNotFound()) return std::optional<std::string>();
  VECDEX_RETURN_IF_ERROR(from_rocksdb(s, "reading a key"));
  return std::optional<std::string>(std::move(value));
}

Result<std::vector<std::optional<std::string>>> RocksStore::multi_get(
    Column column, std::span<const std::string> keys) const {
  std::vector<rocksdb::Slice> slices;
  slices.reserve(keys.size());
  for (const std::string& k : keys) slices.emplace_back(k);
  std::vector<rocksdb::ColumnFamilyHandle*> cfs(keys.size(), impl_->cf(column));
  std::vector<std::string> values;
  std::vector<rocksdb::Status> statuses =
      impl_->db->MultiGet(rocksdb::ReadOptions(), cfs, slices, &values);
  std::vector<std::optional<std::string>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) {
    if (statuses[i].IsNotFound()) continue;
    VECDEX_RETURN_IF_ERROR(from_rocksdb(statuses[i], "reading keys"));
    out[i] = std::move(values[i]);
  }
  return out;
}

Status RocksStore::scan(
    Column column, std::string_view begin, std::string_view end,
    const std::function<Status(std::string_view key, std::string_view value)>& fn) const {
  rocksdb::ReadOptions ro;
  rocksdb::Slice upper = slice(end);
  if (!end.empty()) ro.iterate_upper_bound = &upper;
  std::unique_ptr<rocksdb::Iterator> it(impl_->db->NewIterator(ro, impl_->cf(column)));
  for (it->Seek(slice(begin)); it->Valid(); it->Next()) {
    VECDEX_RETURN_IF_ERROR(fn(view(it->key()), view(it->value())));
  }
  return from_rocksdb(it->status(), "scanning keys");
}

Status RocksStore::sync_wal() {
  return from_rocksdb(impl_->db->FlushWAL(/*sync=*/true), "syncing the WAL");
}

}  // namespace vecdex::storage
