// SegmentSet internals shared by segment_set.cc (open, writes, search) and
// segment_set_jobs.cc (seal, compaction, swaps, manifest).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "engine/idle_trigger.h"
#include "engine/segment.h"
#include "engine/segment_jobs.h"
#include "engine/segment_set.h"

namespace vecdex::engine {

// An immutable list of segments; searches take the current one (RCU style) and keep it alive.
using SegmentList = std::vector<std::shared_ptr<Segment>>;

struct SegmentSet::Impl {
  SegmentOptions options;
  FetchVectors fetch;
  SearchParams usable_keys;  // keys at least one of the two specs uses

  // The published list. Writers replace it under `writer`; list_mutex only guards the pointer.
  mutable std::mutex list_mutex;
  std::shared_ptr<const SegmentList> list;

  // Serialises add, remove and swaps; guards `where`, `mutable_segment`, `staging_segment`,
  // `last_bulk_add` and the writer-guarded fields of every Segment.
  std::mutex writer;
  std::unordered_map<Pid, Segment*> where;  // live pid -> the published segment holding it
  std::shared_ptr<Segment> mutable_segment;  // always present (the last in the list)
  std::shared_ptr<Segment> staging_segment;  // null until a bulk add opens one
  std::chrono::steady_clock::time_point last_bulk_add;
  std::atomic<uint64_t> next_id{0};

  std::mutex manifest_mutex;  // one manifest write at a time, from the then-current list
  std::atomic<bool> closing{false};
  std::unique_ptr<SegmentJobQueue> jobs;  // reset on destruction, after idle_seal
  std::unique_ptr<IdleTrigger> idle_seal;  // seals an idle staging segment; reset first

  std::shared_ptr<const SegmentList> snapshot() const {
    std::lock_guard<std::mutex> lock(list_mutex);
    return list;
  }
  void publish(SegmentList next) {
    auto fresh = std::make_shared<const SegmentList>(std::move(next));
    std::lock_guard<std::mutex> lock(list_mutex);
    list = std::move(fresh);
  }

  // Writer held: a new empty mutable segment, appended to the published list.
  Status open_mutable_segment();
  // Writer held: a new empty staging segment, published just before the mutable one.
  Status open_staging_segment();
  // Writer held: marks `full` (the mutable or staging segment) as sealing and returns its build
  // job; the caller replaces or clears its slot.
  SegmentJobQueue::Job start_seal(std::shared_ptr<Segment> full);
  // Writer held: appends the seal job of the staging segment when it holds points (the slot is
  // cleared: the next bulk add opens a fresh one).
  void seal_staging(std::vector<SegmentJobQueue::Job>& out);
  // The idle trigger's action: seals the staging segment if no bulk add came for
  // staging_idle_ms.
  void seal_idle_staging();
  // Writer held: the next background job besides fresh seals: a retry of a failed seal, or
  // sealed segments to merge or rewrite; an empty job when nothing qualifies.
  SegmentJobQueue::Job plan_compaction();
  void submit_all(std::vector<SegmentJobQueue::Job> jobs_to_run);

  Status seal(std::shared_ptr<Segment> source);
  Status compact(std::vector<std::shared_ptr<Segment>> sources, uint64_t new_id);
  // Collects the live pids of `sources` (and their rows' positions) and starts recording
  // removals on them.
  std::vector<Pid> begin_job(const std::vector<std::shared_ptr<Segment>>& sources);
  // Ends a failed job: stops recording, frees the sources for later jobs.
  void abandon_job(const std::vector<std::shared_ptr<Segment>>& sources);
  // Replaces `sources` by `replacement` (may be null: the sources just disappear) in the
  // published list, after replaying the removals recorded during the job on it.
  void swap_in(const std::vector<std::shared_ptr<Segment>>& sources,
               std::shared_ptr<Segment> replacement);
  // Writes the manifest of the currently published sealed segments.
  Status persist_manifest();
};

}  // namespace vecdex::engine
