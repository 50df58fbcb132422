// Per-thread search scratch of HnswIndex, pooled so warm searches allocate nothing.
#pragma once

#include <memory>
#include <vector>

#include "core/topk.h"
#include "core/visited_pool.h"
#include "index/hnsw/neighbor_select.h"
#include "index/hnsw/scorer.h"
#include "index/hnsw/search.h"

namespace vecdex::hnsw {

struct QueryScratch {
  VisitedTable visited;
  BeamPool pool;                  // the beam W (unfiltered), or the allowed results (filtered)
  std::vector<Neighbor> heap;     // filtered walk: candidate min-heap C
  std::vector<Neighbor> cands;    // emit(): admissible candidates / exact re-scores
  std::vector<Slot> disallowed;   // filtered walk: neighbours to look through (two hops)
  TopK<Slot> top;                 // brute force: best positions in the plan's allowed list
  std::vector<float> top_dist;    // brute force: the top's distances, sorted
  std::vector<Slot> top_slot;     //   and positions
  std::unique_ptr<CodecScorer> codec_scorer;  // created on first use by a lossy-codec index
};

}  // namespace vecdex::hnsw

#include "index/hnsw/hnsw_index.h"

namespace vecdex::hnsw {

// Search parameters of one batch, resolved once (hnsw_search.cc).
struct HnswIndex::QueryPlan {
  size_t k = 0;
  size_t ef = 0;          // beam width: max(ef, k)
  size_t rerank = 0;      // with Refine: candidates re-scored exactly (>= k); 0 otherwise
  size_t width = 0;       // max(ef, rerank): capacity of the beam / result pool
  const Filter* filter = nullptr;
  bool brute_force = false;  // scan allowed_slots instead of walking the graph
  bool two_hop = false;      // filtered walk looks through disallowed neighbours (ACORN)
  // Brute force: the slots of the allowed ids (ascending) and the id each held when the plan was
  // made. A query checks its winners against these ids and, if a concurrent remove or add
  // changed one, scans again skipping every changed slot (filtered_search.cc).
  std::vector<Slot> allowed_slots;
  std::vector<Id> allowed_ids;
};

}  // namespace vecdex::hnsw
