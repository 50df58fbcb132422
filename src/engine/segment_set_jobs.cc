// SegmentSet background work: sealing the full mutable segment (build the collection's spec
// from the segment's kept vectors), compaction (rebuild small or deletion-heavy sealed segments
// from the live vectors in storage), the atomic swap, and the manifest.
//
// A job's life: begin_job (writer lock: snapshot of live pids, removals start being recorded)
// -> build + save without locks -> swap_in (writer lock: replay recorded removals on the new
// index, repoint pids, publish the new list) -> manifest -> delete replaced files. The new
// file is on disk before the list that names it is published, so every manifest write finds
// its files; files a crash leaves unnamed are deleted by open().
#include <algorithm>
#include <chrono>
#include <system_error>
#include <utility>

#include <fmt/format.h>

#include "vecdex/index_factory.h"
#include "engine/segment_manifest.h"
#include "engine/segment_set_impl.h"

namespace vecdex::engine {
namespace {

// Sealed segments with more than this share of deleted points are rewritten by compaction.
constexpr double kMaxDeletedFraction = 0.3;
// Attempts to fetch a job's vectors when storage reports pids deleted under it.
constexpr int kFetchAttempts = 3;

}  // namespace

Status SegmentSet::Impl::open_mutable_segment() {
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> index,
                          make_index(options.mutable_spec, options.dim, options.metric));
  mutable_segment = wrap_segment(next_id.fetch_add(1), std::move(index), {},
                                 SegmentState::kMutable);
  SegmentList next = *snapshot();
  next.push_back(mutable_segment);
  publish(std::move(next));
  return Status();
}

Status SegmentSet::Impl::open_staging_segment() {
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> index,
                          make_index(options.staging_spec, options.dim, options.metric));
  staging_segment = wrap_segment(next_id.fetch_add(1), std::move(index), {},
                                 SegmentState::kStaging);
  SegmentList next = *snapshot();
  next.insert(next.end() - 1, staging_segment);  // the mutable segment stays last
  publish(std::move(next));
  return Status();
}

SegmentJobQueue::Job SegmentSet::Impl::start_seal(std::shared_ptr<Segment> full) {
  full->state.store(SegmentState::kSealing, std::memory_order_release);
  full->busy = true;
  return [this, full] { return seal(full); };
}

void SegmentSet::Impl::seal_staging(std::vector<SegmentJobQueue::Job>& out) {
  if (staging_segment == nullptr || staging_segment->pids.empty()) return;
  out.push_back(start_seal(std::move(staging_segment)));
  staging_segment = nullptr;
}

void SegmentSet::Impl::seal_idle_staging() {
  std::vector<SegmentJobQueue::Job> jobs_to_run;
  {
    std::lock_guard<std::mutex> lock(writer);
    if (closing.load()) return;
    // A bulk add after the poke that set this deadline has poked again: wait for that one.
    auto quiet = std::chrono::steady_clock::now() - last_bulk_add;
    if (quiet < std::chrono::milliseconds(options.staging_idle_ms)) return;
    seal_staging(jobs_to_run);
  }
  submit_all(std::move(jobs_to_run));
}

SegmentJobQueue::Job SegmentSet::Impl::plan_compaction() {
  std::vector<std::shared_ptr<Segment>> candidates;
  std::shared_ptr<const SegmentList> current = snapshot();  // alive while iterating
  for (const std::shared_ptr<Segment>& s : *current) {
    // A seal that failed (e.g. a full disk) is retried first; it still has its vectors.
    if (!s->busy && s->state.load(std::memory_order_acquire) == SegmentState::kSealing) {
      s->busy = true;
      return [this, s] { return seal(s); };
    }
  }
  for (const std::shared_ptr<Segment>& s : *current) {
    if (s->busy || s->state.load(std::memory_order_acquire) != SegmentState::kSealed) continue;
    if (s->points.load() < options.compaction_min_points ||
        s->deleted_fraction() > kMaxDeletedFraction) {
      candidates.push_back(s);
    }
  }
  if (candidates.empty()) return {};
  std::sort(candidates.begin(), candidates.end(),
            [](const auto& a, const auto& b) { return a->points.load() < b->points.load(); });
  // Merge the smallest first, up to one full segment's worth of points.
  size_t cap = std::max(options.segment_max_points, options.compaction_min_points);
  std::vector<std::shared_ptr<Segment>> picked;
  size_t total = 0;
  for (const std::shared_ptr<Segment>& s : candidates) {
    size_t n = s->points.load();
    if (!picked.empty() && total + n > cap) break;
    picked.push_back(s);
    total += n;
  }
  bool worth_it = picked.size() >= 2 || picked[0]->deleted_fraction() > kMaxDeletedFraction;
  if (!worth_it) return {};
  for (const std::shared_ptr<Segment>& s : picked) s->busy = true;
  uint64_t new_id = next_id.fetch_add(1);
  return [this, picked = std::move(picked), new_id] { return compact(picked, new_id); };
}

void SegmentSet::Impl::submit_all(std::vector<SegmentJobQueue::Job> jobs_to_run) {
  for (SegmentJobQueue::Job& job : jobs_to_run) {
    if (job) jobs->submit(std::move(job));
  }
}

std::vector<Pid> SegmentSet::Impl::begin_job(
    const std::vector<std::shared_ptr<Segment>>& sources) {
  std::lock_guard<std::mutex> lock(writer);
  std::vector<Pid> live;
  for (const std::shared_ptr<Segment>& s : sources) {
    s->recording = true;
    s->removed_during_job.clear();
    for (Pid pid : s->pids) {
      auto it = where.find(pid);
      if (it != where.end() && it->second == s.get()) live.push_back(pid);
    }
  }
  return live;
}

void SegmentSet::Impl::abandon_job(const std::vector<std::shared_ptr<Segment>>& sources) {
  std::lock_guard<std::mutex> lock(writer);
  for (const std::shared_ptr<Segment>& s : sources) {
    s->recording = false;
    s->removed_during_job.clear();
    // The sources stay searchable and become free for a later attempt (plan_compaction).
    s->busy = false;
  }
}

void SegmentSet::Impl::swap_in(const std::vector<std::shared_ptr<Segment>>& sources,
                               std::shared_ptr<Segment> replacement) {
  std::lock_guard<std::mutex> lock(writer);
  std::vector<Pid> removed;
  for (const std::shared_ptr<Segment>& s : sources) {
    removed.insert(removed.end(), s->removed_during_job.begin(), s->removed_during_job.end());
    s->recording = false;
    s->removed_during_job.clear();
  }
  if (replacement != nullptr) {
    // Not yet published: nothing else touches the new index.
    replacement->remove(removed);
    for (Pid pid : replacement->pids) {
      auto it = where.find(pid);
      if (it == where.end()) continue;
      for (const std::shared_ptr<Segment>& s : sources) {
        if (it->second == s.get()) it->second = replacement.get();
      }
    }
  }
  SegmentList next;
  bool placed = false;
  std::shared_ptr<const SegmentList> current = snapshot();  // alive while iterating
  for (const std::shared_ptr<Segment>& s : *current) {
    bool replaced = std::find(sources.begin(), sources.end(), s) != sources.end();
    if (!replaced) {
      next.push_back(s);
    } else if (!placed && replacement != nullptr) {
      next.push_back(replacement);
      placed = true;
    }
  }
  publish(std::move(next));
}

Status SegmentSet::Impl::seal(std::shared_ptr<Segment> source) {
  std::vector<std::shared_ptr<Segment>> sources{source};
  std::vector<Pid> live = begin_job(sources);
  // The source takes no more adds once sealing, so its vectors can be read without the lock.
  std::unordered_map<Pid, size_t> row_of;
  row_of.reserve(source->pids.size());
  for (size_t i = 0; i < source->pids.size(); ++i) row_of.emplace(source->pids[i], i);
  std::vector<float> rows(live.size() * options.dim);
  for (size_t i = 0; i < live.size(); ++i) {
    const float* from = source->vectors.data() + row_of[live[i]] * options.dim;
    std::copy(from, from + options.dim, rows.data() + i * options.dim);
  }
  std::shared_ptr<Segment> sealed;
  if (!live.empty()) {
    Result<std::unique_ptr<Segment>> built =
        build_segment(source->id, options.index_spec, options.dim, options.metric, live,
                      MatrixView{rows.data(), live.size(), options.dim}, options.build_threads);
    Status saved = built.ok() ? (*built)->index->save(segment_file(options.dir, source->id))
                              : built.status();
    if (!saved.ok()) {
      abandon_job(sources);
      return saved.with_context(fmt::format("sealing segment {}", source->id));
    }
    sealed = std::move(*built);
  }
  if (closing.load()) return Status();
  swap_in(sources, sealed);
  VECDEX_RETURN_IF_ERROR(persist_manifest());
  SegmentJobQueue::Job follow_up;
  {
    std::lock_guard<std::mutex> lock(writer);
    follow_up = plan_compaction();
  }
  submit_all({std::move(follow_up)});
  return Status();
}

Status SegmentSet::Impl::compact(std::vector<std::shared_ptr<Segment>> sources, uint64_t new_id) {
  std::vector<Pid> live;
  std::vector<float> rows;
  Status fetched;
  for (int attempt = 0; attempt < kFetchAttempts; ++attempt) {
    live = begin_job(sources);
    rows.assign(live.size() * options.dim, 0.0f);
    fetched = live.empty() ? Status() : fetch(live, rows.data());
    if (fetched.code() != StatusCode::kNotFound) break;
  }
  std::shared_ptr<Segment> merged;
  if (fetched.ok() && !live.empty()) {
    Result<std::unique_ptr<Segment>> built =
        build_segment(new_id, options.index_spec, options.dim, options.metric, live,
                      MatrixView{rows.data(), live.size(), options.dim}, options.build_threads);
    fetched = built.ok() ? (*built)->index->save(segment_file(options.dir, new_id))
                         : built.status();
    if (built.ok()) merged = std::move(*built);
  }
  if (!fetched.ok()) {
    abandon_job(sources);
    return fetched.with_context(fmt::format("compacting {} segments", sources.size()));
  }
  if (closing.load()) return Status();
  swap_in(sources, merged);
  VECDEX_RETURN_IF_ERROR(persist_manifest());
  for (const std::shared_ptr<Segment>& s : sources) {
    std::error_code ignored;
    std::filesystem::remove(segment_file(options.dir, s->id), ignored);
  }
  SegmentJobQueue::Job follow_up;
  {
    std::lock_guard<std::mutex> lock(writer);
    follow_up = plan_compaction();
  }
  submit_all({std::move(follow_up)});
  return Status();
}

Status SegmentSet::Impl::persist_manifest() {
  std::lock_guard<std::mutex> lock(manifest_mutex);
  SegmentManifest manifest;
  manifest.next_segment_id = next_id.load();
  std::shared_ptr<const SegmentList> current = snapshot();  // alive while iterating
  for (const std::shared_ptr<Segment>& s : *current) {
    if (s->state.load(std::memory_order_acquire) != SegmentState::kSealed) continue;
    manifest.segments.push_back({s->id, s->pids});
  }
  return write_manifest(options.dir, manifest);
}

}  // namespace vecdex::engine
