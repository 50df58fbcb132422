// Insertion into the HNSW graph (Malkov & Yashunin, Alg. 1) and link repair after removal.
// One InsertWorker per thread; many workers insert into one Graph concurrently, each node's
// lists guarded by the graph's per-node lock and entry-point changes by one mutex.
#pragma once

#include <cstdint>
#include <mutex>
#include <vector>

#include "core/distance/distance.h"
#include "core/visited_pool.h"
#include "index/hnsw/graph.h"
#include "index/hnsw/neighbor_select.h"
#include "index/hnsw/search.h"
#include "quant/codec.h"

namespace vecdex::hnsw {

// What insertion needs besides the graph.
struct BuildContext {
  Graph* graph = nullptr;
  const quant::Codec* codec = nullptr;
  const distance::KernelTable* kernels = nullptr;
  uint32_t ef_construction = 200;
  std::mutex* entry_mutex = nullptr;  // held while the entry point / top level may change
  const Id* ids = nullptr;            // per slot; kNoId marks a deleted or free slot
};

// Per-thread insertion state and scratch. Not thread-safe itself; many workers may run on one
// graph at once.
template <typename Scorer>
class InsertWorker {
 public:
  explicit InsertWorker(const BuildContext& ctx);

  // Links node q (its code and level already set, lists empty) into the graph. `x` is its
  // vector (normalised for cosine) and serves as the query of the insertion search.
  void insert(Slot q, const float* x);

  // Rebuilds s's level-`level` list without the deleted nodes it links to, choosing (with the
  // heuristic) among its live links and the live links of those deleted neighbours.
  void repair(Slot s, int level);

 private:
  // Adds q to n's level-`level` list, shrinking it with the heuristic when full.
  void link_back(Slot n, Slot q, float dist, int level);
  // Called under q's lock before q's own level-`level` list is written: folds in links other
  // workers added to that list while q's search ran (they reached q from a higher level), so
  // the write does not drop them. Shrinks with the heuristic when over capacity.
  void keep_concurrent_links(Slot q, int level);
  bool deleted(Slot s) const { return __atomic_load_n(ctx_.ids + s, __ATOMIC_ACQUIRE) == kNoId; }

  BuildContext ctx_;
  Scorer query_;  // prepared with the node being inserted / repaired
  Scorer pair_;   // re-targeted by the heuristic and by shrinking
  VisitedTable visited_;
  BeamPool pool_;
  std::vector<Neighbor> candidates_;
  std::vector<Neighbor> selected_;
  std::vector<Neighbor> shrink_candidates_;  // link_back runs while selected_ is iterated
  std::vector<Neighbor> shrink_selected_;
};

}  // namespace vecdex::hnsw
