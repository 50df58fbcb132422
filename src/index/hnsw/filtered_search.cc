// Filtered HNSW search, correct at any selectivity:
//  - few allowed points: brute force over them (the plan lists their slots);
//  - many: the walk navigates through every node but only allowed nodes enter the results,
//    and the search stops when the best candidate is farther than the ef-th allowed result
//    (hnswlib's filtered walk);
//  - in between: disallowed neighbours are looked through to their own neighbours (two hops,
//    as ACORN-1 does, Patel et al. 2024), so the walk is not stuck behind filtered-out nodes,
//    and only allowed nodes are scored.
#include <algorithm>
#include <functional>

#include "core/topk.h"
#include "index/hnsw/hnsw_index.h"
#include "index/hnsw/query_scratch.h"

namespace vecdex::hnsw {
namespace {

// Min-heap order for the candidate heap C (std heap functions build max-heaps).
bool farther(const Neighbor& a, const Neighbor& b) { return b < a; }

}  // namespace

template <typename Scorer>
void HnswIndex::brute_force_one(const float* q, const QueryPlan& plan, QueryScratch& s,
                                Scorer& score, Id* ids, float* dists) const {
  // Exact originals when kept (no re-rank needed), otherwise the codec.
  const bool exact = params_.refine;
  if (!exact) score.prepare(q);
  TopK<Slot>& top = s.top;
  const std::vector<Slot>& slots = plan.allowed_slots;
  // Slots only grow and the shared lock held by the caller pins the arrays, so every planned
  // slot is addressable. Whether a slot still holds its planned id is checked for the winners
  // only (a per-slot load costs ~6% of this loop); if one of them changed under a concurrent
  // add/remove, the scan runs again testing every slot.
  auto scan = [&](bool check_each) {
    top.reset(plan.k);
    for (size_t i = 0; i < slots.size(); ++i) {
      if (check_each && id_at(slots[i]) != plan.allowed_ids[i]) continue;
      const float d = exact ? exact_distance(q, slots[i]) : score(graph_.code(slots[i]));
      if (d <= top.threshold()) top.push(d, static_cast<Slot>(i));  // position in the plan
    }
  };
  scan(false);
  size_t n = top.size();
  if (s.top_dist.size() < n) {
    s.top_dist.resize(n);
    s.top_slot.resize(n);
  }
  top.extract_sorted(s.top_dist.data(), s.top_slot.data());
  bool changed = false;
  for (size_t i = 0; i < n; ++i) {
    const size_t at = s.top_slot[i];
    changed |= id_at(slots[at]) != plan.allowed_ids[at];
  }
  if (changed) {
    scan(true);
    n = top.size();
    top.extract_sorted(s.top_dist.data(), s.top_slot.data());
  }
  for (size_t i = 0; i < n; ++i) {
    ids[i] = plan.allowed_ids[s.top_slot[i]];
    dists[i] = s.top_dist[i];
  }
}

template <typename Scorer>
void HnswIndex::search_filtered_one(const float* q, const QueryPlan& plan, QueryScratch& s,
                                    Scorer& score, Id* ids, float* dists) const {
  const Graph::Entry e = graph_.entry();
  if (e.level < 0) return;
  const Filter& filter = *plan.filter;
  auto allowed = [&](Slot slot) {
    Id id = id_at(slot);
    return id != kNoId && filter.allows(id);
  };
  score.prepare(q);
  Slot cur = e.slot;
  float cur_dist = score(graph_.code(cur));
  greedy_descent(graph_, score, e.level, 0, cur, cur_dist);

  const Graph& g = graph_;
  const uint32_t cap = g.capacity_at(0);
  VisitedTable& visited = s.visited;
  BeamPool& results = s.pool;  // allowed nodes only, best plan.width
  std::vector<Neighbor>& heap = s.heap;
  visited.ensure(g.slots());
  visited.next_epoch();
  results.reset(plan.width);
  heap.clear();
  visited.mark(cur);
  heap.push_back(Neighbor{cur_dist, cur});
  if (allowed(cur)) results.insert(cur_dist, cur);
  auto consider = [&](Slot nb, float d) {
    if (!results.accepts(d)) return;
    heap.push_back(Neighbor{d, nb});
    std::push_heap(heap.begin(), heap.end(), farther);
    results.insert(d, nb);
  };
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end(), farther);
    const Neighbor c = heap.back();
    heap.pop_back();
    if (results.full() && c.dist > results.dist(results.size() - 1)) break;
    const uint32_t* list = g.list(c.slot, 0);
    const uint32_t n = std::min(load_word(list), cap);
    if (!plan.two_hop) {
      for (uint32_t i = 0; i < n; ++i) {
        Slot nb = load_word(list + 1 + i);
        if (visited.test_and_mark(nb)) continue;
        float d = score(g.code(nb));
        if (!results.accepts(d)) continue;
        heap.push_back(Neighbor{d, nb});
        std::push_heap(heap.begin(), heap.end(), farther);
        if (allowed(nb)) results.insert(d, nb);
      }
      continue;
    }
    // Two-hop expansion: allowed neighbours first, then allowed neighbours of the disallowed
    // ones, at most M0 new nodes per expansion (ACORN's truncation keeps the cost bounded).
    uint32_t added = 0;
    s.disallowed.clear();
    for (uint32_t i = 0; i < n; ++i) {
      Slot nb = load_word(list + 1 + i);
      if (visited.test_and_mark(nb)) continue;
      if (allowed(nb)) {
        consider(nb, score(g.code(nb)));
        ++added;
      } else {
        s.disallowed.push_back(nb);
      }
    }
    for (size_t j = 0; j < s.disallowed.size() && added < cap; ++j) {
      const uint32_t* l2 = g.list(s.disallowed[j], 0);
      const uint32_t n2 = std::min(load_word(l2), cap);
      for (uint32_t i = 0; i < n2 && added < cap; ++i) {
        Slot nb = load_word(l2 + 1 + i);
        if (visited.visited(nb) || !allowed(nb)) continue;
        visited.mark(nb);
        consider(nb, score(g.code(nb)));
        ++added;
      }
    }
  }
  const size_t total = results.size();
  if (s.cands.size() < total) s.cands.resize(total);
  for (size_t i = 0; i < total; ++i) s.cands[i] = Neighbor{results.dist(i), results.slot(i)};
  emit(q, plan, s, total, ids, dists);
}

template void HnswIndex::brute_force_one<F32Scorer>(const float*, const QueryPlan&, QueryScratch&,
                                                    F32Scorer&, Id*, float*) const;
template void HnswIndex::brute_force_one<CodecScorer>(const float*, const QueryPlan&,
                                                      QueryScratch&, CodecScorer&, Id*,
                                                      float*) const;
template void HnswIndex::search_filtered_one<F32Scorer>(const float*, const QueryPlan&,
                                                        QueryScratch&, F32Scorer&, Id*,
                                                        float*) const;
template void HnswIndex::search_filtered_one<CodecScorer>(const float*, const QueryPlan&,
                                                          QueryScratch&, CodecScorer&, Id*,
                                                          float*) const;

}  // namespace vecdex::hnsw
