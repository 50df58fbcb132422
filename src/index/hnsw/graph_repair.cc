// HnswIndex::remove: ids are unmapped and their slots marked removed at once (searches stop
// returning them but still walk through them). Once repair_batch() tombstones have gathered,
// every live list that points at one is rebuilt with the heuristic over its live links and the
// removed nodes' links (graph_builder.cc, repair), the repair that keeps recall from decaying
// under churn; one scan serves the whole batch. Repaired slots are reused by later adds.
#include <algorithm>
#include <mutex>

#include "core/thread_pool.h"
#include "index/hnsw/graph_builder.h"
#include "index/hnsw/hnsw_index.h"
#include "index/hnsw/scorer.h"

namespace vecdex::hnsw {

Result<size_t> HnswIndex::remove_impl(std::span<const Id> ids) {
  std::lock_guard<std::mutex> writer(write_mutex_);
  std::vector<Slot> removed;
  {
    std::lock_guard<RwGate> exclusive(state_);
    VECDEX_RETURN_IF_ERROR(make_owned());  // repair writes lists
    for (Id id : ids) {
      const Slot slot = slot_of_.find(id);
      if (slot == IdSlotMap::kAbsent) continue;
      removed.push_back(slot);
      __atomic_store_n(ids_.data() + slot, kNoId, __ATOMIC_RELEASE);
      slot_of_.erase(id);
    }
  }
  if (removed.empty()) return size_t{0};
  live_.fetch_sub(removed.size(), std::memory_order_relaxed);
  reset_entry_point();
  unrepaired_.insert(unrepaired_.end(), removed.begin(), removed.end());
  if (unrepaired_.size() >= repair_batch()) repair_pending();
  return removed.size();
}

size_t HnswIndex::repair_batch() const {
  return std::max(kMinRepairBatch, graph_.slots() / 64);
}

void HnswIndex::repair_pending() {
  if (unrepaired_.empty()) return;
  if (use_f32_scorer()) {
    repair_all<F32Scorer>(unrepaired_);
  } else {
    repair_all<CodecScorer>(unrepaired_);
  }
  // Reused in reverse so that the lowest freed slot is taken first.
  std::sort(unrepaired_.begin(), unrepaired_.end(), std::greater<Slot>());
  free_slots_.insert(free_slots_.end(), unrepaired_.begin(), unrepaired_.end());
  std::sort(free_slots_.begin(), free_slots_.end(), std::greater<Slot>());
  unrepaired_.clear();
}

void HnswIndex::reset_entry_point() {
  const Graph::Entry e = graph_.entry();
  if (e.level < 0 || id_at(e.slot) != kNoId) return;
  Graph::Entry best;
  for (size_t s = 0; s < graph_.slots(); ++s) {
    if (id_at(static_cast<Slot>(s)) == kNoId) continue;
    if (graph_.level(static_cast<Slot>(s)) > best.level) {
      best = Graph::Entry{static_cast<Slot>(s), graph_.level(static_cast<Slot>(s))};
    }
  }
  graph_.set_entry(best);  // level -1 when nothing is live
}

template <typename Scorer>
void HnswIndex::repair_all(std::span<const Slot> removed) {
  (void)removed;  // the scan below finds every list pointing at any free slot
  BuildContext ctx;
  ctx.graph = &graph_;
  ctx.codec = codec_.get();
  ctx.kernels = kernels_;
  ctx.ef_construction = params_.ef_construction;
  ctx.entry_mutex = &entry_mutex_;
  ctx.ids = ids_.data();
  const size_t n = graph_.slots();
  ThreadPool& pool = default_thread_pool();
  constexpr size_t kBlock = 1024;
  const size_t tasks = (n + kBlock - 1) / kBlock;
  const size_t workers_n = pool.effective_threads(tasks, 0);
  std::vector<std::unique_ptr<InsertWorker<Scorer>>> workers(workers_n);
  for (auto& w : workers) w = std::make_unique<InsertWorker<Scorer>>(ctx);
  pool.parallel_for(tasks, workers_n, [&](size_t task, size_t worker) {
    const size_t end = std::min(n, (task + 1) * kBlock);
    for (size_t i = task * kBlock; i < end; ++i) {
      const Slot s = static_cast<Slot>(i);
      if (id_at(s) == kNoId) continue;
      for (int level = 0; level <= graph_.level(s); ++level) {
        const uint32_t* list = graph_.list(s, level);
        const uint32_t count = std::min(load_word(list), graph_.capacity_at(level));
        bool stale = false;
        for (uint32_t j = 0; j < count && !stale; ++j) stale = id_at(load_word(list + 1 + j)) == kNoId;
        if (stale) workers[worker]->repair(s, level);
      }
    }
  });
}

template void HnswIndex::repair_all<F32Scorer>(std::span<const Slot>);
template void HnswIndex::repair_all<CodecScorer>(std::span<const Slot>);

}  // namespace vecdex::hnsw
