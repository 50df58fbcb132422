// RpForestIndex search: plan a batch (search_k, filter strategy), run queries in parallel over
// the shared pool. The tree search is Annoy's: one max-priority queue over all trees, keyed by
// the smallest margin met on the way down (the distance from the query to the nearest plane it
// had to cross, negative on the far side), so the leaves nearest to the query across the whole
// forest come out first.
#include <algorithm>
#include <cmath>
#include <limits>
#include <new>

#include <fmt/format.h>

#include "core/thread_pool.h"
#include "index/rpforest/query_scratch.h"
#include "index/rpforest/rpforest_index.h"

namespace vecdex::rpforest {

struct RpForestIndex::QueryPlan {
  size_t k = 0;
  size_t search_k = 0;  // admissible leaf entries to gather (repeats across trees included)
  const Filter* filter = nullptr;
  bool brute_force = false;
  std::vector<Slot> allowed_slots;  // brute force: the allowed live slots, ascending
};

namespace {

void emit(QueryScratch& s, const std::vector<Id>& slot_ids, Id* ids, float* dists) {
  const size_t k = s.top.k();
  if (s.out_dist.size() < k) {
    s.out_dist.resize(k);
    s.out_slot.resize(k);
  }
  const size_t got = s.top.extract_sorted(s.out_dist.data(), s.out_slot.data());
  for (size_t i = 0; i < got; ++i) {
    ids[i] = slot_ids[s.out_slot[i]];
    dists[i] = s.out_dist[i];
  }
}

}  // namespace

void RpForestIndex::search_trees(const float* q, const QueryPlan& plan, QueryScratch& s, Id* ids,
                                 float* dists) const {
  s.seen.ensure(slots_);
  s.seen.next_epoch();
  s.top.reset(plan.k);
  auto& queue = s.queue;
  queue.clear();
  constexpr float kInf = std::numeric_limits<float>::infinity();
  for (size_t t = 0; t < forest_.tree_count(); ++t) queue.emplace_back(kInf, forest_.root(t));
  std::make_heap(queue.begin(), queue.end());
  const Filter* filter = plan.filter;
  size_t gathered = 0;
  while (!queue.empty() && gathered < plan.search_k) {
    std::pop_heap(queue.begin(), queue.end());
    const auto [priority, index] = queue.back();
    queue.pop_back();
    const Node& node = forest_.node(index);
    if (!node.is_leaf()) {
      float m = forest_.margin(node, q, *kernels_);
      if (std::isnan(m)) m = 0.0f;  // a damaged normal must not break the heap order
      queue.emplace_back(std::min(priority, m), node.right());
      std::push_heap(queue.begin(), queue.end());
      queue.emplace_back(std::min(priority, -m), node.left());
      std::push_heap(queue.begin(), queue.end());
      continue;
    }
    const Slot* run = forest_.entries(node);
    for (uint32_t j = 0; j < node.count(); ++j) {
      const Slot slot = run[j];
      const Id id = ids_[slot];
      if (id == kNoId || (filter != nullptr && !filter->allows(id))) continue;
      ++gathered;  // repeats count, as in Annoy: search_k bounds the leaf entries read
      if (s.seen.test_and_mark(slot)) continue;
      const float d = distance(q, slot);
      if (d <= s.top.threshold()) s.top.push(d, slot);
    }
  }
  emit(s, ids_, ids, dists);
}

void RpForestIndex::brute_force(const float* q, const QueryPlan& plan, QueryScratch& s, Id* ids,
                                float* dists) const {
  s.top.reset(plan.k);
  for (Slot slot : plan.allowed_slots) {
    const float d = distance(q, slot);
    if (d <= s.top.threshold()) s.top.push(d, slot);
  }
  emit(s, ids_, ids, dists);
}

Status RpForestIndex::search_impl(MatrixView queries, size_t k, const SearchParams& params,
                                  const Filter* filter, SearchResults& out) const {
  if (size() == 0) return Status();  // rows stay padded
  QueryPlan plan;
  plan.k = k;
  const size_t default_search_k = kDefaultSearchKPerTree * params_.ntrees * k;
  plan.search_k = std::max<size_t>(params.search_k.value_or(default_search_k), k);
  plan.filter = filter;
  if (filter != nullptr) {
    const size_t live = size();
    const uint64_t count = filter->count();
    const size_t allowed = static_cast<size_t>(std::min<uint64_t>(count, live));
    if (allowed == 0) return Status();
    // The tree search keeps reading leaves until search_k allowed entries are found, i.e. about
    // search_k * live / allowed entries; brute force scores each allowed point once. Only a
    // filter that cannot allow every live point may switch, so that allowing all gives the
    // unfiltered answer.
    const double tree_cost = double(plan.search_k) * double(live) / double(allowed);
    plan.brute_force = count < live && double(allowed) <= tree_cost;
    if (plan.brute_force) {
      try {
        plan.allowed_slots.reserve(allowed);
        for (Id id : filter->to_vector()) {
          const Slot slot = slot_of_.find(id);
          if (slot != IdSlotMap::kAbsent) plan.allowed_slots.push_back(slot);
        }
      } catch (const std::bad_alloc&) {
        return resource_exhausted(
            fmt::format("search: out of memory listing {} allowed ids", count));
      }
      std::sort(plan.allowed_slots.begin(), plan.allowed_slots.end());  // sequential reads
    }
  }
  const size_t nq = queries.rows;
  ThreadPool& pool = default_thread_pool();
  const size_t threads = pool.effective_threads(nq, nq == 1 ? 1 : params.threads.value_or(0));
  std::vector<ObjectPool<QueryScratch>::Handle> handles(threads);
  pool.parallel_for(nq, threads, [&](size_t qi, size_t worker) {
    if (!handles[worker]) handles[worker] = scratch_pool_.acquire();
    QueryScratch& s = *handles[worker];
    Id* ids = out.ids.data() + qi * k;
    float* dists = out.distances.data() + qi * k;
    if (plan.brute_force) {
      brute_force(queries.row(qi), plan, s, ids, dists);
    } else {
      search_trees(queries.row(qi), plan, s, ids, dists);
    }
  });
  return Status();
}

}  // namespace vecdex::rpforest
