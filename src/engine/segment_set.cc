// SegmentSet: writes into the mutable segment, removals wherever a point lives, and the search
// fan-out with its top-k merge. Background work is in segment_set_jobs.cc, recovery in
// segment_set_open.cc.
#include "engine/segment_set.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <unordered_set>
#include <utility>

#include <fmt/format.h>

#include "core/thread_pool.h"
#include "engine/segment_set_impl.h"
#include "index/vector_ops.h"

namespace vecdex::engine {
namespace {

// Input checks of add(), done before anything changes so that a failing call adds nothing.
Status check_add(std::span<const Pid> pids, MatrixView vectors, const SegmentOptions& options,
                 const std::unordered_map<Pid, Segment*>& where) {
  if (pids.size() != vectors.rows) {
    return invalid_argument(fmt::format("segments add: {} pids for {} vectors; expected one pid "
                                        "per vector",
                                        pids.size(), vectors.rows));
  }
  if (pids.empty()) return Status();
  if (vectors.dim != options.dim) {
    return invalid_argument(fmt::format("segments add: vectors have dim {}, collection dim is {}",
                                        vectors.dim, options.dim));
  }
  if (vectors.data == nullptr) return invalid_argument("segments add: vector data is null");
  VECDEX_RETURN_IF_ERROR(check_finite(vectors, "segments add", "vector", pids));
  if (options.metric == Metric::kCosine) {
    VECDEX_RETURN_IF_ERROR(check_nonzero_rows(vectors, "segments add", "vector", pids));
  }
  std::unordered_set<Pid> seen;
  seen.reserve(pids.size());
  for (size_t i = 0; i < pids.size(); ++i) {
    if (pids[i] == kNoId) {
      return invalid_argument(fmt::format("segments add: row {} uses pid {}, reserved for padding",
                                          i, kNoId));
    }
    if (!seen.insert(pids[i]).second) {
      return invalid_argument(fmt::format("segments add: pid {} appears twice in one call",
                                          pids[i]));
    }
    if (where.count(pids[i]) != 0) {
      return already_exists(fmt::format("segments add: pid {} is already present", pids[i]));
    }
  }
  return Status();
}

std::string key_names(const SearchParams& p) {
  return fmt::format("{}", fmt::join(p.keys_set(), ", "));
}

}  // namespace

SegmentSet::SegmentSet(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SegmentSet::~SegmentSet() {
  impl_->closing.store(true);
  impl_->idle_seal.reset();  // its action submits jobs
  impl_->jobs.reset();
}

Status SegmentSet::add(std::span<const Pid> pids, MatrixView vectors) {
  Impl& s = *impl_;
  const bool bulk =
      s.options.bulk_min_batch_points > 0 && pids.size() >= s.options.bulk_min_batch_points;
  std::vector<SegmentJobQueue::Job> jobs_to_run;
  {
    std::lock_guard<std::mutex> lock(s.writer);
    VECDEX_RETURN_IF_ERROR(check_add(pids, vectors, s.options, s.where));
    size_t done = 0;
    while (done < pids.size()) {
      if (bulk && s.staging_segment == nullptr) VECDEX_RETURN_IF_ERROR(s.open_staging_segment());
      Segment& target = bulk ? *s.staging_segment : *s.mutable_segment;
      size_t room = s.options.segment_max_points - target.pids.size();
      size_t take = std::min(room, pids.size() - done);
      MatrixView rows{vectors.row(done), take, vectors.dim};
      VECDEX_RETURN_IF_ERROR(
          target.add(pids.subspan(done, take), rows, s.options.build_threads, true));
      for (size_t i = done; i < done + take; ++i) s.where[pids[i]] = &target;
      done += take;
      if (target.pids.size() < s.options.segment_max_points) continue;
      if (bulk) {
        s.seal_staging(jobs_to_run);
      } else {
        jobs_to_run.push_back(s.start_seal(s.mutable_segment));
        VECDEX_RETURN_IF_ERROR(s.open_mutable_segment());
      }
    }
    if (bulk) {
      s.last_bulk_add = std::chrono::steady_clock::now();
      if (s.options.staging_idle_ms == 0) s.seal_staging(jobs_to_run);
    }
  }
  s.submit_all(std::move(jobs_to_run));
  if (bulk && s.idle_seal != nullptr) s.idle_seal->poke();
  return Status();
}

Status SegmentSet::seal() {
  Impl& s = *impl_;
  std::vector<SegmentJobQueue::Job> jobs_to_run;
  {
    std::lock_guard<std::mutex> lock(s.writer);
    if (!s.mutable_segment->pids.empty()) {
      jobs_to_run.push_back(s.start_seal(s.mutable_segment));
      VECDEX_RETURN_IF_ERROR(s.open_mutable_segment());
    }
    s.seal_staging(jobs_to_run);
  }
  s.submit_all(std::move(jobs_to_run));
  return Status();
}

void SegmentSet::remove(std::span<const Pid> pids) {
  Impl& s = *impl_;
  std::vector<SegmentJobQueue::Job> jobs_to_run;
  {
    std::lock_guard<std::mutex> lock(s.writer);
    std::unordered_map<Segment*, std::vector<Pid>> by_segment;
    for (Pid pid : pids) {
      auto it = s.where.find(pid);
      if (it == s.where.end()) continue;
      by_segment[it->second].push_back(pid);
      s.where.erase(it);
    }
    bool touched_sealed = false;
    for (auto& [segment, ids] : by_segment) {
      segment->remove(ids);
      if (segment->recording) {
        segment->removed_during_job.insert(segment->removed_during_job.end(), ids.begin(),
                                           ids.end());
      }
      touched_sealed |= segment->state.load() == SegmentState::kSealed;
    }
    if (touched_sealed) jobs_to_run.push_back(s.plan_compaction());
  }
  s.submit_all(std::move(jobs_to_run));
}

Result<SearchResults> SegmentSet::search(MatrixView queries, size_t k, const SearchParams& params,
                                         const Filter* allowed) const {
  const Impl& s = *impl_;
  if (k == 0 || k > Index::kMaxK) {
    return invalid_argument(fmt::format("search: k must be in [1, {}], got {}", Index::kMaxK, k));
  }
  SearchParams unused = params;
  if (s.usable_keys.ef) unused.ef.reset();
  if (s.usable_keys.nprobe) unused.nprobe.reset();
  if (s.usable_keys.rerank) unused.rerank.reset();
  if (s.usable_keys.search_k) unused.search_k.reset();
  if (s.usable_keys.threads) unused.threads.reset();
  if (unused.any_set()) {
    return invalid_argument(fmt::format("search: parameter '{}' is not used by the segment specs "
                                        "'{}', '{}' and '{}'",
                                        key_names(unused), s.options.mutable_spec,
                                        s.options.staging_spec, s.options.index_spec));
  }
  std::shared_ptr<const SegmentList> list = s.snapshot();
  // Empty segments have nothing to add; when all are empty the last (mutable) one still runs,
  // so that the queries are validated.
  std::vector<const Segment*> targets;
  for (const std::shared_ptr<Segment>& seg : *list) {
    if (seg->points.load(std::memory_order_relaxed) > 0) targets.push_back(seg.get());
  }
  if (targets.empty()) targets.push_back(list->back().get());
  // One segment (the common case once a collection is compacted): its answer is the answer.
  if (targets.size() == 1) return targets[0]->search(queries, k, params, allowed);
  std::vector<Result<SearchResults>> parts(targets.size(), Status(StatusCode::kInternal, "unset"));
  size_t threads = std::min(targets.size(), resolve_thread_count(params.threads.value_or(0)));
  default_thread_pool().parallel_for(targets.size(), threads, [&](size_t task, size_t) {
    parts[task] = targets[task]->search(queries, k, params, allowed);
  });
  for (const Result<SearchResults>& part : parts) {
    if (!part.ok()) return part.status();
  }
  if (parts.size() == 1) return std::move(parts[0]);

  bool similarity = metric_is_similarity(s.options.metric);
  SearchResults out;
  out.n = queries.rows;
  out.k = k;
  out.ids.assign(out.n * k, kNoId);
  out.distances.assign(out.n * k, similarity ? -std::numeric_limits<float>::infinity()
                                             : std::numeric_limits<float>::infinity());
  std::vector<std::pair<float, Id>> hits;
  for (size_t q = 0; q < out.n; ++q) {
    hits.clear();
    for (const Result<SearchResults>& part : parts) {
      const Id* ids = part->ids_row(q);
      const float* dists = part->distances_row(q);
      for (size_t j = 0; j < k && ids[j] != kNoId; ++j) hits.emplace_back(dists[j], ids[j]);
    }
    size_t n = std::min(k, hits.size());
    auto better = [similarity](const auto& a, const auto& b) {
      if (a.first != b.first) return similarity ? a.first > b.first : a.first < b.first;
      return a.second < b.second;
    };
    std::partial_sort(hits.begin(), hits.begin() + n, hits.end(), better);
    for (size_t j = 0; j < n; ++j) {
      out.distances[q * k + j] = hits[j].first;
      out.ids[q * k + j] = hits[j].second;
    }
  }
  return out;
}

std::vector<SegmentInfo> SegmentSet::info() const {
  std::vector<SegmentInfo> out;
  // Hold the snapshot in a variable: a range-for over *snapshot() would let it die first.
  std::shared_ptr<const SegmentList> list = impl_->snapshot();
  for (const std::shared_ptr<Segment>& seg : *list) {
    SegmentInfo info;
    info.id = seg->id;
    info.state = std::string(segment_state_name(seg->state.load()));
    info.points = seg->points.load();
    info.deleted = seg->deleted.load();
    info.index_spec = seg->index->spec();
    out.push_back(std::move(info));
  }
  return out;
}

size_t SegmentSet::pending_jobs() const { return impl_->jobs->pending(); }

Status SegmentSet::wait_idle() { return impl_->jobs->wait_idle(); }

}  // namespace vecdex::engine
