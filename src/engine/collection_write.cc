// CollectionImpl writes: upsert, remove, remove_where; see collection_impl.h for the protocol
// (validate, one WriteBatch, add to segments, publish under the exclusive lock).
#include <cmath>
#include <unordered_set>
#include <utility>

#include "engine/collection_impl.h"
#include "engine/keys.h"
#include "engine/payload_codec.h"
#include "engine/point_record.h"

namespace vecdex::engine {
namespace {

constexpr size_t kMaxModelVersionBytes = 64;

}  // namespace

Status CollectionImpl::check_points(std::span<const Point> points) const {
  const std::string where = "upsert into " + config_.name;
  if (points.size() > options_.max_batch_points) {
    return invalid_argument(where + ": batch of " + std::to_string(points.size()) +
                            " points exceeds max_batch_points " +
                            std::to_string(options_.max_batch_points));
  }
  std::unordered_set<std::string> seen;
  seen.reserve(points.size());
  for (const Point& p : points) {
    const std::string who = where + ": point " + p.id.describe();
    if (p.vector.size() != config_.dim) {
      return invalid_argument(who + " has a vector of " + std::to_string(p.vector.size()) +
                              " floats; the collection's dim is " + std::to_string(config_.dim));
    }
    bool all_zero = true;
    for (size_t j = 0; j < p.vector.size(); ++j) {
      float v = p.vector[j];
      if (!std::isfinite(v)) {
        return invalid_argument(who + ": vector[" + std::to_string(j) + "] is " +
                                (std::isnan(v) ? "NaN" : (v > 0 ? "inf" : "-inf")) +
                                "; values must be finite");
      }
      all_zero = all_zero && v == 0.0f;
    }
    if (all_zero && config_.metric == Metric::kCosine) {
      return invalid_argument(who + " has an all-zero vector, which has no cosine direction");
    }
    if (p.model_version.size() > kMaxModelVersionBytes) {
      return invalid_argument(who + ": model_version is " +
                              std::to_string(p.model_version.size()) +
                              " bytes; at most 64 are allowed");
    }
    if (!p.id.is_number() &&
        (p.id.text().empty() || p.id.text().size() > PointId::kMaxStringBytes)) {
      return invalid_argument(who + ": string ids must be 1..256 bytes");
    }
    if (config_.schema.on_missing_required == PayloadSchema::MissingRequired::kReject) {
      for (const FieldSpec& f : config_.schema.fields) {
        if (f.required && p.payload.find(f.name) == p.payload.end()) {
          rejected_missing_required_.fetch_add(1, std::memory_order_relaxed);
          return invalid_argument(who + " lacks required payload field \"" + f.name + "\"");
        }
      }
    }
    VECDEX_RETURN_IF_ERROR(config_.schema.check(p.payload).with_context(who));
    if (!seen.insert(encode_point_id(p.id)).second) {
      return invalid_argument(who + " appears twice in the batch");
    }
  }
  return Status();
}

Result<std::vector<Payload>> CollectionImpl::read_payloads(std::span<const Pid> pids) const {
  std::vector<std::string> point_keys;
  point_keys.reserve(pids.size());
  for (Pid pid : pids) point_keys.push_back(keys::point_key(cid_, pid));
  VECDEX_ASSIGN_OR_RETURN(auto values, store_.multi_get(storage::Column::kPoints, point_keys));
  std::vector<Payload> payloads(pids.size());
  for (size_t i = 0; i < pids.size(); ++i) {
    if (!values[i]) {
      return corruption("collection " + config_.name + ": live point number " +
                        std::to_string(pids[i]) + " has no stored record");
    }
    VECDEX_ASSIGN_OR_RETURN(Point p, decode_point_record(*values[i], config_.dim));
    payloads[i] = std::move(p.payload);
  }
  return payloads;
}

Status CollectionImpl::upsert(std::span<const Point> points) {
  VECDEX_RETURN_IF_ERROR(check_points(points));
  if (points.empty()) return Status();
  std::lock_guard<std::mutex> write_lock(write_mu_);
  if (dropped_) return dropped_error();

  // ids_ changes only under write_mu_, so reading it here needs no state lock.
  const size_t n = points.size();
  std::vector<std::string> id_keys(n);
  std::vector<Pid> new_pids(n), old_pids;
  for (size_t i = 0; i < n; ++i) {
    id_keys[i] = encode_point_id(points[i].id);
    new_pids[i] = next_pid_ + i;
    if (auto old = ids_.find(id_keys[i])) old_pids.push_back(*old);
  }
  VECDEX_ASSIGN_OR_RETURN(std::vector<Payload> old_payloads, read_payloads(old_pids));

  storage::WriteBatch batch(store_);
  std::string record;
  std::vector<float> vectors(n * config_.dim);
  for (size_t i = 0; i < n; ++i) {
    record.clear();
    encode_point_record(points[i], id_keys[i], record);
    batch.put(storage::Column::kPoints, keys::point_key(cid_, new_pids[i]), record);
    batch.put(storage::Column::kIds, keys::id_key(cid_, id_keys[i]),
              keys::encode_u64(new_pids[i]));
    std::copy(points[i].vector.begin(), points[i].vector.end(),
              vectors.begin() + i * config_.dim);
  }
  for (Pid old : old_pids) batch.remove(storage::Column::kPoints, keys::point_key(cid_, old));
  batch.put(storage::Column::kMeta, keys::next_pid_key(cid_), keys::encode_u64(next_pid_ + n));
  VECDEX_RETURN_IF_ERROR(store_.commit(std::move(batch)).with_context("upsert into " + config_.name));
  next_pid_ += n;

  // Index the new vectors before publishing them; searches exclude pids >= published_end_
  // meanwhile, so the (possibly long) add runs without the exclusive lock.
  {
    std::unique_lock<std::shared_mutex> lock(state_mu_);
    add_in_flight_ = true;
  }
  Status added = segments_->add(new_pids, MatrixView{vectors.data(), n, config_.dim});
  {
    std::unique_lock<std::shared_mutex> lock(state_mu_);
    for (size_t i = 0; i < old_pids.size(); ++i) {
      payloads_.remove(old_pids[i], old_payloads[i]);
      ids_.remove(old_pids[i]);
    }
    for (size_t i = 0; i < n; ++i) {
      payloads_.add(new_pids[i], points[i].payload);
      ids_.add(new_pids[i], std::move(id_keys[i]), points[i].model_version);
    }
    published_end_ = next_pid_;
    add_in_flight_ = false;
    retiring_ = !old_pids.empty();
  }
  retire(old_pids);
  if (!added.ok()) {
    // The batch is durable; the next open indexes it from storage.
    return internal_error("upsert into " + config_.name +
                          ": stored, but indexing failed (searches miss these points until "
                          "the database is reopened): " + added.to_string());
  }
  return Status();
}

Result<size_t> CollectionImpl::remove_pids(std::vector<Pid> pids) {
  if (pids.empty()) return size_t{0};
  VECDEX_ASSIGN_OR_RETURN(std::vector<Payload> old_payloads, read_payloads(pids));
  storage::WriteBatch batch(store_);
  for (Pid pid : pids) {
    batch.remove(storage::Column::kIds, keys::id_key(cid_, ids_.entry(pid)->id_key));
    batch.remove(storage::Column::kPoints, keys::point_key(cid_, pid));
  }
  VECDEX_RETURN_IF_ERROR(store_.commit(std::move(batch)).with_context("remove from " + config_.name));
  {
    std::unique_lock<std::shared_mutex> lock(state_mu_);
    for (size_t i = 0; i < pids.size(); ++i) {
      payloads_.remove(pids[i], old_payloads[i]);
      ids_.remove(pids[i]);
    }
    retiring_ = true;
  }
  retire(pids);
  return pids.size();
}

void CollectionImpl::retire(std::span<const Pid> pids) {
  if (pids.empty()) return;
  segments_->remove(pids);  // segments_ only goes away under write_mu_ (mark_dropped)
  std::unique_lock<std::shared_mutex> lock(state_mu_);
  retiring_ = false;
}

Result<size_t> CollectionImpl::remove(std::span<const PointId> ids) {
  std::lock_guard<std::mutex> write_lock(write_mu_);
  if (dropped_) return dropped_error();
  std::unordered_set<Pid> seen;
  std::vector<Pid> pids;
  for (const PointId& id : ids) {
    auto pid = ids_.find(encode_point_id(id));
    if (pid && seen.insert(*pid).second) pids.push_back(*pid);
  }
  return remove_pids(std::move(pids));
}

Result<size_t> CollectionImpl::remove_where(const PayloadFilter& filter) {
  VECDEX_RETURN_IF_ERROR(filter.validate().with_context("remove_where on " + config_.name));
  std::lock_guard<std::mutex> write_lock(write_mu_);
  if (dropped_) return dropped_error();
  auto matched = payloads_.evaluate_within(filter, ids_.live_words());
  if (!matched.ok()) return matched.status().with_context("remove_where on " + config_.name);
  std::vector<Pid> pids;
  for (Id pid : matched->to_vector()) {
    if (ids_.entry(pid) != nullptr) pids.push_back(pid);
  }
  return remove_pids(std::move(pids));
}

Result<Point> CollectionImpl::get(const PointId& id) const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  if (dropped_) return dropped_error();
  auto pid = ids_.find(encode_point_id(id));
  auto missing = [&] {
    return not_found("point " + id.describe() + " is not in collection " + config_.name);
  };
  if (!pid) return missing();
  VECDEX_ASSIGN_OR_RETURN(auto value,
                          store_.get(storage::Column::kPoints, keys::point_key(cid_, *pid)));
  if (!value) return missing();  // removed by a write that is being published
  return decode_point_record(*value, config_.dim);
}

}  // namespace vecdex::engine
