// CollectionImpl: construction, recovery from storage, segment fetches, drop; see
// collection_impl.h.
#include <algorithm>
#include <utility>

#include "engine/collection_impl.h"
#include "engine/keys.h"
#include "engine/payload_codec.h"
#include "engine/point_record.h"

namespace vecdex::engine {
namespace {

// Points re-added to the segments per call during recovery (bounds the vector buffer).
constexpr size_t kRecoveryChunk = 8192;

}  // namespace

CollectionImpl::CollectionImpl(storage::RocksStore& store, uint32_t cid, CollectionConfig config,
                               const DatabaseOptions& options, std::filesystem::path segment_dir)
    : store_(store), cid_(cid), config_(std::move(config)), options_(options),
      segment_dir_(std::move(segment_dir)), payloads_(config_.schema) {}

CollectionImpl::~CollectionImpl() = default;

Result<std::unique_ptr<CollectionImpl>> CollectionImpl::open(storage::RocksStore& store,
                                                             uint32_t cid,
                                                             CollectionConfig config,
                                                             const DatabaseOptions& options,
                                                             std::filesystem::path segment_dir) {
  std::unique_ptr<CollectionImpl> c(
      new CollectionImpl(store, cid, std::move(config), options, std::move(segment_dir)));
  VECDEX_RETURN_IF_ERROR(c->load_records().with_context("collection " + c->config_.name));
  VECDEX_RETURN_IF_ERROR(c->open_segments().with_context("collection " + c->config_.name));
  return c;
}

Status CollectionImpl::load_records() {
  const std::string begin = keys::collection_prefix(cid_);
  const std::string end = keys::collection_prefix_end(cid_);
  Pid max_pid_plus_one = 0;
  VECDEX_RETURN_IF_ERROR(store_.scan(
      storage::Column::kPoints, begin, end, [&](std::string_view key, std::string_view value) {
        auto pid = keys::pid_of_point_key(key);
        if (!pid) return corruption("malformed point key of " + std::to_string(key.size()) + " bytes");
        VECDEX_ASSIGN_OR_RETURN(Point p, decode_point_record(value, config_.dim));
        std::string id_key = encode_point_id(p.id);
        if (ids_.find(id_key)) {
          return corruption("id " + p.id.describe() + " is stored under two point numbers");
        }
        payloads_.add(*pid, p.payload);
        ids_.add(*pid, std::move(id_key), p.model_version);
        max_pid_plus_one = std::max(max_pid_plus_one, *pid + 1);
        return Status();
      }));
  // The id keys must name exactly the stored records (one batch writes both).
  size_t id_keys = 0;
  VECDEX_RETURN_IF_ERROR(store_.scan(
      storage::Column::kIds, begin, end, [&](std::string_view key, std::string_view value) {
        auto pid = keys::decode_u64(value);
        auto found = ids_.find(key.substr(begin.size()));
        if (!pid || !found || *found != *pid) {
          return corruption("id key " + std::to_string(id_keys) +
                            " does not match the stored point records");
        }
        ++id_keys;
        return Status();
      }));
  if (id_keys != ids_.size()) {
    return corruption(std::to_string(ids_.size()) + " point records but " +
                      std::to_string(id_keys) + " id keys");
  }
  VECDEX_ASSIGN_OR_RETURN(auto counter, store_.get(storage::Column::kMeta, keys::next_pid_key(cid_)));
  Pid stored_next = 0;
  if (counter) {
    auto v = keys::decode_u64(*counter);
    if (!v) return corruption("malformed point counter");
    stored_next = *v;
  }
  next_pid_ = std::max(stored_next, max_pid_plus_one);
  published_end_ = next_pid_;
  return Status();
}

Status CollectionImpl::fetch_vectors(std::span<const Pid> pids, float* out) const {
  std::vector<std::string> point_keys;
  point_keys.reserve(pids.size());
  for (Pid pid : pids) point_keys.push_back(keys::point_key(cid_, pid));
  VECDEX_ASSIGN_OR_RETURN(auto values, store_.multi_get(storage::Column::kPoints, point_keys));
  for (size_t i = 0; i < pids.size(); ++i) {
    if (!values[i]) return not_found("point number " + std::to_string(pids[i]) + " is gone");
    VECDEX_RETURN_IF_ERROR(decode_point_vector(*values[i], config_.dim, out + i * config_.dim));
  }
  return Status();
}

Status CollectionImpl::open_segments() {
  SegmentOptions o;
  o.dim = config_.dim;
  o.metric = config_.metric;
  o.index_spec = config_.index_spec;
  o.segment_max_points = options_.segment_max_points;
  o.compaction_min_points = options_.compaction_min_points;
  o.background_threads = options_.background_threads;
  o.bulk_min_batch_points = options_.bulk_min_batch_points;
  o.staging_idle_ms = options_.staging_idle_seal_ms;
  o.map_files = options_.map_segment_files;
  o.dir = segment_dir_;
  std::vector<Pid> missing;
  VECDEX_ASSIGN_OR_RETURN(
      segments_,
      SegmentSet::open(
          o, [this](std::span<const Pid> pids, float* out) { return fetch_vectors(pids, out); },
          [this](const std::function<void(Pid)>& fn) { ids_.for_each_live(fn); }, &missing));
  // Points of the (unpersisted) mutable and staging segments go back in from storage, in
  // chunks that are bulk batches (unless bulk_min_batch_points is larger or 0).
  std::sort(missing.begin(), missing.end());
  std::vector<float> vectors;
  for (size_t done = 0; done < missing.size(); done += kRecoveryChunk) {
    size_t n = std::min(kRecoveryChunk, missing.size() - done);
    std::span<const Pid> chunk(missing.data() + done, n);
    vectors.resize(n * config_.dim);
    VECDEX_RETURN_IF_ERROR(fetch_vectors(chunk, vectors.data()));
    VECDEX_RETURN_IF_ERROR(segments_->add(chunk, MatrixView{vectors.data(), n, config_.dim}));
  }
  return Status();
}

Status CollectionImpl::dropped_error() const {
  return not_found("collection " + config_.name + " was dropped");
}

void CollectionImpl::mark_dropped() {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  std::unique_lock<std::shared_mutex> lock(state_mu_);
  dropped_ = true;
  segments_.reset();  // joins a running background job
}

Status CollectionImpl::seal() {
  std::lock_guard<std::mutex> write_lock(write_mu_);  // after the upsert in flight, if any
  if (dropped_) return dropped_error();
  return segments_->seal().with_context("sealing " + config_.name);
}

Status CollectionImpl::wait_idle() {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  if (dropped_) return Status();
  SegmentSet* segments = segments_.get();
  lock.unlock();
  // Dropping takes write_mu_ and the exclusive lock; wait_idle runs under the database's lock,
  // which drop also needs, so the set stays alive here.
  return segments->wait_idle();
}

Status CollectionImpl::for_each_record(
    const std::function<Status(std::string_view record)>& fn) const {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  if (dropped_) return dropped_error();
  return store_.scan(storage::Column::kPoints, keys::collection_prefix(cid_),
                     keys::collection_prefix_end(cid_),
                     [&](std::string_view, std::string_view value) { return fn(value); });
}

}  // namespace vecdex::engine
