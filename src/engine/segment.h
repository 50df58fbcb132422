// Segment: one index over a subset of a collection's points (pids as the index's ids), with
// the bookkeeping SegmentSet needs: state, live/deleted counts, the pids it holds, and which
// search keys its family uses. See segment_set.h for the lifecycle.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/rw_gate.h"
#include "engine/payload_index.h"  // Pid
#include "vecdex/index.h"
#include "vecdex/result.h"
#include "vecdex/search_params.h"
#include "vecdex/types.h"

namespace vecdex::engine {

// kMutable: the HNSW16 segment that takes small batches; kStaging: the Flat segment that takes
// bulk batches (segment_set.h); both turn kSealing when full or sealed on request.
enum class SegmentState : uint8_t { kMutable = 0, kSealing = 1, kSealed = 2, kStaging = 3 };
std::string_view segment_state_name(SegmentState state);

// Segments whose family needs exclusive writes share their index with searches through an
// RwGate (core/rw_gate.h): a waiting remove() is not starved by a stream of searches.
using SegmentGate = RwGate;

// Invariants: `index` never changes once the segment is published; `pids` lists every point
// added to `index` (live or removed since), in add order; `vectors` (mutable and staging only)
// holds their vectors row for row, for the seal build. Fields marked "writer" are guarded by
// SegmentSet's writer mutex; the atomics may be read by anyone.
// Thread safety: search() may run concurrently with everything; add/remove are called by the
// (serialised) writer and take the gate when the family needs exclusive writes.
struct Segment {
  uint64_t id = 0;
  std::unique_ptr<Index> index;
  // Index family allows add/remove concurrent with search (HNSW); otherwise the gate is used.
  bool concurrent_writes = false;
  // Search keys this segment's family accepts (others are stripped per segment).
  SearchParams accepted_keys;  // a key is "accepted" when set (value 1)
  mutable SegmentGate gate;

  std::atomic<SegmentState> state{SegmentState::kMutable};
  std::atomic<size_t> points{0};   // live points
  std::atomic<size_t> deleted{0};  // removed since the index was built

  // Writer-guarded.
  std::vector<Pid> pids;
  std::vector<float> vectors;
  bool busy = false;            // a seal or compaction job owns it
  bool recording = false;       // the job wants removals replayed on the new index
  std::vector<Pid> removed_during_job;

  // Adds rows to the index (and to `vectors` when keep_vectors), counting them live.
  Status add(std::span<const Pid> ids, MatrixView rows, uint32_t threads, bool keep_vectors);
  // Removes ids known to be in the segment; returns how many the index held.
  size_t remove(std::span<const Pid> ids);
  // Index::search with the keys of `params` this family does not use stripped.
  Result<SearchResults> search(MatrixView queries, size_t k, const SearchParams& params,
                               const Filter* allowed) const;
  double deleted_fraction() const;
};

// Builds a segment over `ids`/`rows` with `spec`: makes the index, trains it on the rows when
// the family needs it, adds them. The segment is sealed-state and owns no vector copy.
Result<std::unique_ptr<Segment>> build_segment(uint64_t id, std::string_view spec, size_t dim,
                                               Metric metric, std::span<const Pid> ids,
                                               MatrixView rows, uint32_t threads);
// Wraps an existing index (made or loaded) into a segment: fills concurrent_writes and
// accepted_keys. `pids` are the ids the index holds.
std::unique_ptr<Segment> wrap_segment(uint64_t id, std::unique_ptr<Index> index,
                                      std::vector<Pid> pids, SegmentState state);

// The search keys `index` accepts, each set to 1 in the result.
SearchParams accepted_search_keys(const Index& index);
// Copy of `params` keeping only the keys set in `accepted`.
SearchParams strip_search_keys(const SearchParams& params, const SearchParams& accepted);

// dir / "seg-<id>.vdx".
std::filesystem::path segment_file(const std::filesystem::path& dir, uint64_t id);

}  // namespace vecdex::engine
