// SegmentSet: the searchable side of a collection. Points (internal number + vector) live in
// segments: one mutable segment that takes new points and is searchable at once, and sealed
// segments whose index was built with the collection's spec in the background. When the
// mutable segment reaches segment_max_points it is sealed (a new mutable one opens) and a
// background job builds its index, saves it to `dir`, and swaps it in; compaction merges sealed
// segments below compaction_min_points live points (and segments with many deletions) into one,
// rebuilding from the live vectors. Searches fan out over every segment and merge the top-k.
//
// Bulk path: an add() of at least bulk_min_batch_points points goes to the staging segment
// instead, an exact index (staging_spec, Flat) whose adds are a copy and whose searches are a
// scan, so a bulk point is indexed once, by the seal build, and not also into an HNSW graph.
// The staging segment is opened by the first bulk add, and sealed like the mutable one when
// it reaches segment_max_points, when no bulk add has come for staging_idle_ms, or by seal().
//
// On disk (options.dir): seg-<id>.vdx per sealed segment (Index::save format) and
// segments.manifest (segment ids and the pids each file holds, checksummed; segment_manifest.h).
// The mutable and staging segments are not persisted: the collection's storage is the source
// of truth. They keep a copy of their vectors (for the seal build) besides their index.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "engine/payload_index.h"  // Pid
#include "vecdex/database.h"       // SegmentInfo
#include "vecdex/filter.h"
#include "vecdex/index.h"
#include "vecdex/result.h"
#include "vecdex/search_params.h"
#include "vecdex/types.h"

namespace vecdex::engine {

struct SegmentOptions {
  size_t dim = 0;
  Metric metric = Metric::kL2;
  std::string index_spec = "HNSW32";   // sealed segments (trained on the segment when needed)
  std::string mutable_spec = "HNSW16";  // the mutable segment (must need no training)
  std::string staging_spec = "Flat";    // the staging segment (must need no training)
  size_t bulk_min_batch_points = 2000;  // add() calls this large go to staging (0 = never)
  // A staging segment holding points is sealed after this long without a bulk add (0 = at the
  // end of every bulk add).
  uint32_t staging_idle_ms = 2000;
  size_t segment_max_points = 200000;
  size_t compaction_min_points = 50000;
  uint32_t background_threads = 1;  // 0: seal / compact inline in the call that triggers it
  uint32_t build_threads = 0;       // threads per index build or add (0 = all cores)
  std::filesystem::path dir;        // sealed segment files + the segment manifest live here
  bool map_files = false;           // reopened segment files: mapped, or read into memory
};

// Fetches the stored vectors of `pids` (dim floats each, in order) from the collection's
// storage; used by compaction and recovery. Must be callable from background threads. Must fail
// with NotFound when a pid is no longer stored (deleted after the job took its list; the job
// then retries with a fresh list); other errors fail the job (reported by wait_idle). With
// background_threads == 0 it runs inside add()/remove(), so it must not need a lock that the
// caller of add()/remove() holds.
using FetchVectors = std::function<Status(std::span<const Pid> pids, float* out)>;

// Calls the given function once for every live pid of the collection.
using ForEachLivePid = std::function<void(const std::function<void(Pid)>&)>;

// Thread safety: all methods may be called concurrently; add/remove are serialised internally
// and run concurrently with searches; background jobs swap segments atomically (a search sees
// a point in exactly one segment or, once deleted, in none).
class SegmentSet {
 public:
  // Opens the set in options.dir (created if missing). Loads the segment manifest and sealed
  // segment files when present; points that `for_each_live_pid` does not list are removed from
  // the loaded indexes. `missing` (required) receives the live pids that are in no sealed
  // segment, for the caller to add() again (they were in the mutable segment, which is not
  // persisted). Damaged or missing segment files are rebuilt from storage with `fetch` (when
  // that fails too, their pids go to `missing`); a damaged manifest counts as absent (every live
  // pid is missing). Segment files that the manifest does not name are deleted.
  // InvalidArgument for bad options (dim 0, segment_max_points 0, a malformed spec, a mutable
  // or staging spec that needs training); IOError when the directory or manifest cannot be
  // written.
  static Result<std::unique_ptr<SegmentSet>> open(SegmentOptions options, FetchVectors fetch,
                                                  const ForEachLivePid& for_each_live_pid,
                                                  std::vector<Pid>* missing);
  // Waits for a running job; queued jobs and a pending idle seal are dropped (redone after
  // reopen: their points are re-added from storage).
  ~SegmentSet();

  // Adds points (pids never seen before) to the mutable segment, or to the staging segment when
  // there are at least bulk_min_batch_points of them; searchable when the call returns. On
  // error nothing was added: InvalidArgument for a wrong dim, NaN/Inf (or a zero vector with
  // cosine), a pid repeated in the call or the reserved kNoId; AlreadyExists for a pid already
  // present.
  Status add(std::span<const Pid> pids, MatrixView vectors);
  // Removes points; excluded from searches when the call returns. Unknown pids are skipped.
  void remove(std::span<const Pid> pids);

  // Top-k over every segment for each query, ids are pids, rows best first in the Metric
  // convention (L2 ascending, similarity descending), padded with kNoId. `allowed` (over pids)
  // may be null. Each segment receives only the keys of `params` its family uses;
  // InvalidArgument for a key that neither spec uses, and for the Index::search errors.
  Result<SearchResults> search(MatrixView queries, size_t k, const SearchParams& params,
                               const Filter* allowed) const;

  // Seals the mutable and staging segments when they hold points (as if they were full): their
  // builds are queued (run inline with background_threads == 0) and the next adds open fresh
  // ones. Build failures are reported by wait_idle.
  Status seal();

  // One entry per segment, in segment order (sealed and sealing ones first, then the staging
  // one if any, the mutable one last).
  std::vector<SegmentInfo> info() const;
  // Background jobs queued or running.
  size_t pending_jobs() const;
  // Blocks until no background job is queued or running; returns the first job failure since
  // the previous call (and forgets it).
  Status wait_idle();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  explicit SegmentSet(std::unique_ptr<Impl> impl);
};

}  // namespace vecdex::engine
