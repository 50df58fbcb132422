// CollectionImpl: a collection on the store. Storage (RocksDB, via storage::RocksStore) is the
// source of truth; memory holds what searches need: the id map (external id <-> pid, model
// versions), the payload secondary indexes and the segment set (vector indexes over pids).
//
// Writes (collection_write.cc) run one at a time per collection (write_mu_): validate
// everything, commit one WriteBatch (the records, id keys and the pid counter: atomic across a
// crash), add new vectors to the segments (searches skip pids not yet published), then publish
// under the exclusive state lock (id map, payload index: replaced and removed points leave
// them), and last remove the retired pids from the segments without that lock (searches
// filter them out meanwhile). A pid is never reused, so a pid's record never changes while it
// is live.
// Searches (collection_search.cc) hold the shared state lock: a point is either fully visible
// (mapped, indexed, with its payload) or not at all.
// Recovery (collection_open.cc) rebuilds memory by scanning the collection's records.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <vector>

#include "engine/id_map.h"
#include "engine/payload_index.h"
#include "engine/segment_set.h"
#include "storage/rocks_store.h"
#include "vecdex/database.h"

namespace vecdex::engine {

class CollectionImpl final : public Collection {
 public:
  // Opens collection number `cid` of `store`: rebuilds the in-memory state from its records and
  // opens (recovering) its segments in `segment_dir`. Corruption for damaged records.
  static Result<std::unique_ptr<CollectionImpl>> open(storage::RocksStore& store, uint32_t cid,
                                                      CollectionConfig config,
                                                      const DatabaseOptions& options,
                                                      std::filesystem::path segment_dir);
  ~CollectionImpl() override;

  const CollectionConfig& config() const override { return config_; }
  Status upsert(std::span<const Point> points) override;
  Result<size_t> remove(std::span<const PointId> ids) override;
  Result<size_t> remove_where(const PayloadFilter& filter) override;
  Result<Point> get(const PointId& id) const override;
  Result<SearchResponse> search(const SearchRequest& request) const override;
  Result<std::vector<SearchResponse>> search_batch(
      std::span<const SearchRequest> requests) const override;
  CollectionInfo info() const override;
  Status seal() override;

  uint32_t cid() const { return cid_; }
  const std::filesystem::path& segment_dir() const { return segment_dir_; }
  Status wait_idle();
  // After the database has deleted the collection's data: every later call fails with
  // NotFound, and the segments (with their background jobs) are shut down.
  void mark_dropped();
  // Calls fn(record bytes) for every live point while holding off writers (a consistent
  // state for snapshot export).
  Status for_each_record(const std::function<Status(std::string_view record)>& fn) const;

 private:
  CollectionImpl(storage::RocksStore& store, uint32_t cid, CollectionConfig config,
                 const DatabaseOptions& options, std::filesystem::path segment_dir);

  // collection_open.cc
  Status load_records();
  Status open_segments();
  Status fetch_vectors(std::span<const Pid> pids, float* out) const;

  // collection_write.cc
  Status check_points(std::span<const Point> points) const;
  // Old payloads of live pids being replaced or removed (read from storage).
  Result<std::vector<Payload>> read_payloads(std::span<const Pid> pids) const;
  Result<size_t> remove_pids(std::vector<Pid> pids);
  // Removes unpublished pids from the segments, outside the exclusive state lock: an index
  // removal can take long (HNSW repairs the links that pointed at the point) and searches need
  // not wait for it. write_mu_ held; retiring_ was set with the unpublishing.
  void retire(std::span<const Pid> pids);

  // collection_search.cc
  Status check_request(const SearchRequest& request) const;
  // The allowed-pid filter for a request (nullopt = everything published).
  Result<std::optional<Filter>> allowed_pids(const SearchRequest& request) const;
  Result<SearchResponse> search_locked(const SearchRequest& request) const;

  Status dropped_error() const;

  storage::RocksStore& store_;
  const uint32_t cid_;
  const CollectionConfig config_;
  const DatabaseOptions options_;
  const std::filesystem::path segment_dir_;

  mutable std::mutex write_mu_;  // one writer at a time: commit order == publish order
  Pid next_pid_ = 0;             // guarded by write_mu_

  mutable std::shared_mutex state_mu_;  // guards everything below
  IdMap ids_;
  PayloadIndex payloads_;
  std::unique_ptr<SegmentSet> segments_;
  // Pids >= published_end_ may be in the segments before they are published: searches
  // exclude them while an add is in flight.
  Pid published_end_ = 0;
  bool add_in_flight_ = false;
  // Unpublished pids are still in the segments (retire() is running): searches restrict
  // themselves to the live pids.
  bool retiring_ = false;
  bool dropped_ = false;

  mutable std::atomic<size_t> rejected_missing_required_{0};  // counted in check_points
};

}  // namespace vecdex::engine
