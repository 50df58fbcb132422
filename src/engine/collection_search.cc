// CollectionImpl reads: search, search_batch (requests in parallel on the shared thread pool),
// info; see collection_impl.h.
#include <cmath>
#include <cstring>
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

// Whether any value is NaN or infinite (all exponent bits set): a branch-free pass that the
// compiler vectorises; the slow per-value test runs only to name the culprit.
bool has_nonfinite(std::span<const float> v) {
  uint32_t bad = 0;
  for (float x : v) {
    uint32_t bits;
    std::memcpy(&bits, &x, sizeof(bits));
    bad |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return bad != 0;
}

}  // namespace

Status CollectionImpl::check_request(const SearchRequest& r) const {
  // The message prefix is built only on the error paths (this runs once per query).
  auto where = [this] { return "search in " + config_.name; };
  if (r.vector.size() != config_.dim) {
    return invalid_argument(where() + ": query has " + std::to_string(r.vector.size()) +
                            " floats; the collection's dim is " + std::to_string(config_.dim));
  }
  if (has_nonfinite(r.vector)) {
    for (size_t j = 0; j < r.vector.size(); ++j) {
      if (!std::isfinite(r.vector[j])) {
        return invalid_argument(where() + ": query[" + std::to_string(j) + "] is " +
                                (std::isnan(r.vector[j]) ? "NaN" : "infinite") +
                                "; values must be finite");
      }
    }
  }
  if (r.k == 0 || r.k > Index::kMaxK) {
    return invalid_argument(where() + ": k is " + std::to_string(r.k) + "; expected 1.." +
                            std::to_string(Index::kMaxK));
  }
  if (r.filter) {
    Status valid = r.filter->validate();
    if (!valid.ok()) return valid.with_context(where() + ": filter");
  }
  if (r.restrict_to_version && !r.model_version) {
    return invalid_argument(where() + ": restrict_to_version needs the query's model_version");
  }
  return Status();
}

Result<std::optional<Filter>> CollectionImpl::allowed_pids(const SearchRequest& r) const {
  // The points a search may return: the live ones, or those of the query's version (a version's
  // bits are cleared when its points go, so they are live too).
  std::span<const uint64_t> within = ids_.live_words();
  const std::vector<uint64_t>* version = nullptr;
  if (r.restrict_to_version) {
    version = ids_.version_words(*r.model_version);
    within = version != nullptr ? std::span<const uint64_t>(*version) : std::span<const uint64_t>();
  }
  std::optional<Filter> by_payload;
  if (r.filter && !r.filter->empty()) {
    // Met with `within` word by word (evaluated for an unknown version too: a bad field is an
    // error either way).
    auto matched = payloads_.evaluate_within(*r.filter, within);
    if (!matched.ok()) return matched.status().with_context("search in " + config_.name);
    by_payload = std::move(matched).value();
  }
  if (r.restrict_to_version && !by_payload) {
    if (version == nullptr) return std::optional<Filter>(Filter::from_ids({}));
    return std::optional<Filter>(Filter::from_bitset(*version));
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
  // Resolve every hit and prefetch its entry first, then read the entries: the lookups are
  // independent cache misses (random pids), which overlap this way instead of queueing behind
  // each result's decoding.
  std::vector<const IdMap::Entry*> entries;
  entries.reserve(hits.k);
  std::vector<Pid> pids;
  pids.reserve(hits.k);
  for (size_t j = 0; j < hits.k && hits.ids[j] != kNoId; ++j) {
    const IdMap::Entry* entry = ids_.entry(hits.ids[j]);
    if (entry == nullptr) continue;  // replaced or removed; not published
    __builtin_prefetch(entry);
    hits.distances[entries.size()] = hits.distances[j];
    entries.push_back(entry);
    pids.push_back(hits.ids[j]);
  }
  const size_t found = entries.size();
  // The query's model version as a version index, to compare results by number.
  std::optional<uint32_t> query_version;
  if (r.model_version) query_version = ids_.version_index(*r.model_version);
  size_t other_versions = 0;
  response.results.resize(found);
  for (size_t i = 0; i < found; ++i) {
    ScoredPoint& sp = response.results[i];
    VECDEX_ASSIGN_OR_RETURN(sp.id, decode_point_id(bytes_of(entries[i]->id_key)));
    sp.score = hits.distances[i];
    sp.model_version = ids_.version_name(entries[i]->version);
    other_versions += entries[i]->version != query_version;
  }
  if (r.with_payload || r.with_vector) {
    other_versions = 0;  // recounted below over the points still stored
    std::vector<std::string> point_keys;
    point_keys.reserve(pids.size());
    for (Pid pid : pids) point_keys.push_back(keys::point_key(cid_, pid));
    VECDEX_ASSIGN_OR_RETURN(auto values, store_.multi_get(storage::Column::kPoints, point_keys));
    size_t kept = 0;
    for (size_t i = 0; i < pids.size(); ++i) {
      if (!values[i]) continue;  // removed by a write being published: the point is out
      VECDEX_ASSIGN_OR_RETURN(Point p, decode_point_record(*values[i], config_.dim));
      ScoredPoint& sp = response.results[i];
      if (r.with_payload) sp.payload = std::move(p.payload);
      if (r.with_vector) sp.vector = std::move(p.vector);
      other_versions += entries[i]->version != query_version;
      if (kept != i) response.results[kept] = std::move(sp);
      ++kept;
    }
    response.results.resize(kept);
  }
  if (r.model_version) {
    response.other_version_fraction =
        response.results.empty()
            ? 0.0
            : static_cast<double>(other_versions) / static_cast<double>(response.results.size());
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
