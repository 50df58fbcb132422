// SegmentSet internals shared by segment_set.cc (open, writes, search) and
// segment_set_jobs.cc (seal, compaction, swaps, manifest).
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

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

  // Serialises add, remove and swaps; guards `where`, `mutable_segment` and the writer-guarded
  // fields of every Segment.
  std::mutex writer;
  std::unordered_map<Pid, Segment*> where;  // live pid -> the published segment holding it
  std::shared_ptr<Segment> mutable_segment;
  std::atomic<uint64_t> next_id{0};

  std::mutex manifest_mutex;  // one manifest write at a time, from the then-current list
  std::atomic<bool> closing{false};
  std::unique_ptr<SegmentJobQueue> jobs;  // reset first on destruction: jobs use this Impl

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
  // Writer held: marks the full mutable segment as sealing and returns its build job.
  SegmentJobQueue::Job start_seal();
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
