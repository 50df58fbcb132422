// DatabaseImpl snapshots: export a collection's live points, import a verified artifact through
// the normal upsert path. See engine/snapshot.h for the format.
#include <utility>

#include "engine/database_impl.h"
#include "engine/keys.h"
#include "engine/point_record.h"
#include "engine/snapshot.h"

namespace vecdex::engine {

Status DatabaseImpl::export_snapshot(std::string_view collection,
                                     const std::filesystem::path& dir) const {
  CollectionImpl* c;
  {
    std::shared_lock<std::shared_mutex> lock(mu_);
    c = find_locked(collection);
  }
  if (c == nullptr) {
    return not_found("export_snapshot: no collection or alias named \"" +
                     std::string(collection) + "\"");
  }
  // A dropped collection stays allocated (dropped_), so c is safe to use without mu_.
  return write_snapshot(dir, c->config(), [c](const auto& fn) { return c->for_each_record(fn); })
      .with_context("export_snapshot of " + c->config().name);
}

Result<Collection*> DatabaseImpl::import_snapshot(const std::filesystem::path& dir,
                                                  std::string_view name) {
  // Everything is verified before anything is created.
  VECDEX_ASSIGN_OR_RETURN(SnapshotContents snapshot, read_snapshot(dir));
  CollectionConfig config = snapshot.config;
  config.name = std::string(name);
  CollectionImpl* c;
  {
    std::unique_lock<std::shared_mutex> lock(mu_);
    VECDEX_ASSIGN_OR_RETURN(c, create_locked(config, CollectionRecord::State::kImporting));
  }
  const size_t batch_points = std::min<size_t>(options_.max_batch_points, 4096);
  std::vector<Point> batch;
  auto flush = [&]() -> Status {
    Status s = c->upsert(batch);
    batch.clear();
    return s;
  };
  Status loaded = snapshot.for_each_record([&](std::string_view record) -> Status {
    VECDEX_ASSIGN_OR_RETURN(Point p, decode_point_record(record, config.dim));
    batch.push_back(std::move(p));
    return batch.size() == batch_points ? flush() : Status();
  });
  if (loaded.ok()) loaded = flush();
  if (loaded.ok()) {
    // Complete: flip the record to ready (until then a crash makes the next open drop it).
    CollectionRecord record{c->cid(), CollectionRecord::State::kReady, config};
    storage::WriteBatch done(*store_);
    done.put(storage::Column::kMeta, keys::collection_key(config.name),
             encode_collection_record(record));
    loaded = store_->commit(std::move(done));
  }
  if (!loaded.ok()) {
    std::unique_lock<std::shared_mutex> lock(mu_);
    // Unless someone dropped it meanwhile (and maybe reused the name).
    auto it = collections_.find(config.name);
    if (it != collections_.end() && it->second.get() == c) {
      drop_locked(config.name).ignore();  // the import's error is what the caller needs
    }
    return loaded.with_context("import_snapshot from " + dir.string());
  }
  return static_cast<Collection*>(c);
}

}  // namespace vecdex::engine
