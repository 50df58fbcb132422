// Per-thread scratch of an RPForest search, reused across queries through the index's pool.
#pragma once

#include <cstdint>
#include <utility>
#include <vector>

#include "core/topk.h"
#include "core/visited_pool.h"
#include "vecdex/types.h"

namespace vecdex::rpforest {

struct QueryScratch {
  VisitedTable seen;                          // slots already scored by this query
  std::vector<std::pair<float, uint32_t>> queue;    // (priority, node), a max-heap
  TopK<Slot> top;
  std::vector<float> out_dist;
  std::vector<Slot> out_slot;
};

}  // namespace vecdex::rpforest
