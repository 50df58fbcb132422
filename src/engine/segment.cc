// Segment: building, wrapping, writes under the family's concurrency rules, per-family search
// keys.
#include "engine/segment.h"

#include <mutex>
#include <shared_mutex>
#include <utility>

#include <fmt/format.h>

#include "vecdex/index_factory.h"

namespace vecdex::engine {

std::string_view segment_state_name(SegmentState state) {
  switch (state) {
    case SegmentState::kMutable:
      return "mutable";
    case SegmentState::kSealing:
      return "sealing";
    case SegmentState::kSealed:
      return "sealed";
    case SegmentState::kStaging:
      return "staging";
  }
  return "unknown";
}

Status Segment::add(std::span<const Pid> ids, MatrixView rows, uint32_t threads,
                    bool keep_vectors) {
  if (ids.empty()) return Status();
  BuildOptions build;
  build.threads = threads;
  if (concurrent_writes) {
    VECDEX_RETURN_IF_ERROR(index->add(ids, rows, build));
  } else {
    std::lock_guard<SegmentGate> exclusive(gate);
    VECDEX_RETURN_IF_ERROR(index->add(ids, rows, build));
  }
  pids.insert(pids.end(), ids.begin(), ids.end());
  if (keep_vectors) vectors.insert(vectors.end(), rows.data, rows.data + rows.rows * rows.dim);
  points.fetch_add(ids.size(), std::memory_order_relaxed);
  return Status();
}

size_t Segment::remove(std::span<const Pid> ids) {
  if (ids.empty()) return 0;
  Result<size_t> removed = size_t{0};
  if (concurrent_writes) {
    removed = index->remove(ids);
  } else {
    std::lock_guard<SegmentGate> exclusive(gate);
    removed = index->remove(ids);
  }
  // Every registered family removes; segment creation refuses one that does not.
  size_t n = removed.ok() ? *removed : 0;
  points.fetch_sub(n, std::memory_order_relaxed);
  deleted.fetch_add(n, std::memory_order_relaxed);
  return n;
}

Result<SearchResults> Segment::search(MatrixView queries, size_t k, const SearchParams& params,
                                      const Filter* allowed) const {
  SearchParams own = strip_search_keys(params, accepted_keys);
  if (concurrent_writes) return index->search(queries, k, own, allowed);
  std::shared_lock<SegmentGate> shared(gate);
  return index->search(queries, k, own, allowed);
}

double Segment::deleted_fraction() const {
  size_t d = deleted.load(std::memory_order_relaxed);
  size_t total = d + points.load(std::memory_order_relaxed);
  return total == 0 ? 0.0 : static_cast<double>(d) / static_cast<double>(total);
}

SearchParams accepted_search_keys(const Index& index) {
  // Index::search checks its keys before looking at the (empty) query batch, so a zero-row
  // search per key asks the family without a dependency on its internals.
  SearchParams accepted;
  auto probe = [&](auto field) {
    SearchParams one;
    one.*field = 1;
    if (index.search(MatrixView{nullptr, 0, index.dim()}, 1, one).ok()) accepted.*field = 1;
  };
  probe(&SearchParams::ef);
  probe(&SearchParams::nprobe);
  probe(&SearchParams::rerank);
  probe(&SearchParams::search_k);
  probe(&SearchParams::threads);
  return accepted;
}

SearchParams strip_search_keys(const SearchParams& params, const SearchParams& accepted) {
  SearchParams out;
  if (accepted.ef) out.ef = params.ef;
  if (accepted.nprobe) out.nprobe = params.nprobe;
  if (accepted.rerank) out.rerank = params.rerank;
  if (accepted.search_k) out.search_k = params.search_k;
  if (accepted.threads) out.threads = params.threads;
  return out;
}

std::unique_ptr<Segment> wrap_segment(uint64_t id, std::unique_ptr<Index> index,
                                      std::vector<Pid> pids, SegmentState state) {
  auto segment = std::make_unique<Segment>();
  segment->id = id;
  // Only HNSW documents add/remove concurrent with search (hnsw_index.h).
  segment->concurrent_writes = index->stats().family == "HNSW";
  segment->accepted_keys = accepted_search_keys(*index);
  segment->points.store(index->size(), std::memory_order_relaxed);
  segment->index = std::move(index);
  segment->pids = std::move(pids);
  segment->state.store(state, std::memory_order_relaxed);
  return segment;
}

Result<std::unique_ptr<Segment>> build_segment(uint64_t id, std::string_view spec, size_t dim,
                                               Metric metric, std::span<const Pid> ids,
                                               MatrixView rows, uint32_t threads) {
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> index, make_index(spec, dim, metric));
  BuildOptions build;
  build.threads = threads;
  if (!index->is_trained()) {
    VECDEX_RETURN_IF_ERROR(index->train(rows, build).with_context(
        fmt::format("segment {}: training {} on {} points", id, spec, rows.rows)));
  }
  VECDEX_RETURN_IF_ERROR(index->add(ids, rows, build).with_context(
      fmt::format("segment {}: adding {} points to {}", id, rows.rows, spec)));
  return wrap_segment(id, std::move(index), std::vector<Pid>(ids.begin(), ids.end()),
                      SegmentState::kSealed);
}

std::filesystem::path segment_file(const std::filesystem::path& dir, uint64_t id) {
  return dir / fmt::format("seg-{}.vdx", id);
}

}  // namespace vecdex::engine
