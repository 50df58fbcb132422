// CollectionImpl reads: search, search_batch (requests in parallel on the shared thread pool),
// info; see collection_impl.h.
#include <cmath>
#include <utility>

#include "core/thread_pool.h"
#include "engine/collection_impl.h"
#include "engine/keys.h"
#include "engine/payload_codec.h"
#include "engine/point_record.h"

namespace vecdex::engine {
namespace {

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

}  // namespace

Status CollectionImpl::check_request(const SearchRequest& r) const {
  const std::string where = "search in " + config_.name;
  if (r.vector.size() != config_.dim) {
    return invalid_argument(where + ": query has " + std::to_string(r.vector.size()) +
                            " floats; the collection's dim is " + std::to_string(config_.dim));
  }
  for (size_t j = 0; j < r.vector.size(); ++j) {
    if (!std::isfinite(r.vector[j])) {
      return invalid_argument(where + ": query[" + std::to_string(j) + "] is " +
                              (std::isnan(r.vector[j]) ? "NaN" : "infinite") +
                              "; values must be finite");
    }
  }
  if (r.k == 0 || r.k > Index::kMaxK) {
    return invalid_argument(where + ": k is " + std::to_string(r.k) + "; expected 1.." +
                            std::to_string(Index::kMaxK));
  }
  if (r.filter) VECDEX_RETURN_IF_ERROR(r.filter->validate().with_context(where + ": filter"));
  if (r.restrict_to_version && !r.model_version) {
    return invalid_argument(where + ": restrict_to_version needs the query's model_version");
  }
  return Status();
}

Result<std::optional<Filter>> CollectionImpl::allowed_pids(const SearchRequest& r) const {
  std::optional<Filter> by_payload;
  if (r.filter && !r.filter->empty()) {
    auto matched = payloads_.evaluate_within(*r.filter, ids_.live_words());
    if (!matched.ok()) return matched.status().with_context("search in " + config_.name);
    by_payload = std::move(matched).value();
  }
  if (r.restrict_to_version) {
    const std::vector<uint64_t>* words = ids_.version_words(*r.model_version);
    if (words == nullptr) return std::optional<Filter>(Filter::from_ids({}));
    if (!by_payload) return std::optional<Filter>(Filter::from_bitset(*words));
    // Both: walk the payload matches and keep those of the version.
    Filter version = Filter::from_bitset(*words);
    std::vector<Id> both;
    by_payload->for_each([&](Id pid) {
      if (version.allows(pid)) both.push_back(pid);
    });
    return std::optional<Filter>(Filter::from_ids(both));
  }
  // Payload matches are published points only; otherwise hide the points of a write that is
  // in flight: retired ones still in the segments, or added ones not yet published.
  if (!by_payload && retiring_) {
    return std::optional<Filter>(Filter::from_bitset(ids_.live_words()));
  }
  if (!by_payload && add_in_flight_) {
    return std::optional<Filter>(Filter::from_range(0, published_end_));
  }
  return by_payload;
}

Result<SearchResponse> CollectionImpl::search_locked(const SearchRequest& r) const {
  VECDEX_RETURN_IF_ERROR(check_request(r));
  VECDEX_ASSIGN_OR_RETURN(std::optional<Filter> allowed, allowed_pids(r));
  SearchResponse response;
  if (allowed && allowed->count() == 0) {
    if (r.model_version) response.other_version_fraction = 0.0;
    return response;
  }
  VECDEX_ASSIGN_OR_RETURN(
      SearchResults hits,
      segments_->search(MatrixView{r.vector.data(), 1, config_.dim}, r.k, r.params,
                        allowed ? &*allowed : nullptr));
  std::vector<Pid> pids;
  for (size_t j = 0; j < hits.k; ++j) {
    Pid pid = hits.ids[j];
    if (pid == kNoId) continue;
    const IdMap::Entry* entry = ids_.entry(pid);
    if (entry == nullptr) continue;  // replaced or removed; not published
    ScoredPoint sp;
    VECDEX_ASSIGN_OR_RETURN(sp.id, decode_point_id(bytes_of(entry->id_key)));
    sp.score = hits.distances[j];
    sp.model_version = ids_.version_name(entry->version);
    response.results.push_back(std::move(sp));
    pids.push_back(pid);
  }
  if (r.with_payload || r.with_vector) {
    std::vector<std::string> point_keys;
    for (Pid pid : pids) point_keys.push_back(keys::point_key(cid_, pid));
    VECDEX_ASSIGN_OR_RETURN(auto values, store_.multi_get(storage::Column::kPoints, point_keys));
    std::vector<ScoredPoint> kept;
    for (size_t i = 0; i < pids.size(); ++i) {
      if (!values[i]) continue;  // removed by a write being published: the point is out
      VECDEX_ASSIGN_OR_RETURN(Point p, decode_point_record(*values[i], config_.dim));
      ScoredPoint& sp = response.results[i];
      if (r.with_payload) sp.payload = std::move(p.payload);
      if (r.with_vector) sp.vector = std::move(p.vector);
      kept.push_back(std::move(sp));
    }
    response.results = std::move(kept);
  }
  if (r.model_version) {
    size_t other = 0;
    for (const ScoredPoint& sp : response.results) other += sp.model_version != *r.model_version;
    response.other_version_fraction =
        response.results.empty() ? 0.0
                                 : static_cast<double>(other) / response.results.size();
  }
  return response;
}

Result<SearchResponse> CollectionImpl::search(const SearchRequest& request) const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  if (dropped_) return dropped_error();
  return search_locked(request);
}

Result<std::vector<SearchResponse>> CollectionImpl::search_batch(
    std::span<const SearchRequest> requests) const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  if (dropped_) return dropped_error();
  // The requests run on the shared pool; the helpers read the state under this thread's shared
  // lock, which is held until every request is done.
  std::vector<Result<SearchResponse>> answers(requests.size(),
                                              Status(StatusCode::kInternal, "not run"));
  default_thread_pool().parallel_for(requests.size(), 0, [&](size_t i, size_t) {
    answers[i] = search_locked(requests[i]);
  });
  std::vector<SearchResponse> out;
  out.reserve(requests.size());
  for (size_t i = 0; i < answers.size(); ++i) {
    if (!answers[i].ok()) return answers[i].status().with_context("request " + std::to_string(i));
    out.push_back(std::move(answers[i]).value());
  }
  return out;
}

CollectionInfo CollectionImpl::info() const {
  std::shared_lock<std::shared_mutex> lock(state_mu_);
  CollectionInfo info;
  info.config = config_;
  info.rejected_missing_required = rejected_missing_required_.load(std::memory_order_relaxed);
  if (dropped_) return info;
  info.points = ids_.size();
  info.segments = segments_->info();
  info.model_versions = ids_.version_counts();
  info.coverage = payloads_.coverage();
  info.pending_background_jobs = segments_->pending_jobs();
  return info;
}

}  // namespace vecdex::engine
