// InsertWorker: Alg. 1 of Malkov & Yashunin with the Alg. 4 heuristic, bidirectional links, and
// heuristic shrinking of overflowing lists; repair of lists that point at removed nodes.
#include "index/hnsw/graph_builder.h"

#include <algorithm>

#include "index/hnsw/scorer.h"

namespace vecdex::hnsw {

template <typename Scorer>
InsertWorker<Scorer>::InsertWorker(const BuildContext& ctx)
    : ctx_(ctx), query_(*ctx.codec, *ctx.kernels), pair_(*ctx.codec, *ctx.kernels) {}

template <typename Scorer>
void InsertWorker<Scorer>::insert(Slot q, const float* x) {
  Graph& g = *ctx_.graph;
  const int level = g.level(q);
  query_.prepare(x);
  std::unique_lock<std::mutex> top(*ctx_.entry_mutex, std::defer_lock);
  Graph::Entry ep = g.entry();
  if (level > ep.level) {
    // This node may become the entry point: hold the global lock for its whole insertion so
    // no other insert raises the top level meanwhile (rare: ~1/M of nodes reach level 1).
    top.lock();
    ep = g.entry();
  }
  if (ep.level < 0) {
    g.set_entry({q, level});
    return;
  }
  Slot cur = ep.slot;
  float cur_dist = query_(g.code(cur));
  greedy_descent(g, query_, ep.level, level, cur, cur_dist);
  visited_.ensure(g.slots());
  for (int l = std::min(level, ep.level); l >= 0; --l) {
    pool_.reset(ctx_.ef_construction);
    search_layer(g, query_, l, cur, cur_dist, visited_, pool_);
    candidates_.clear();
    for (size_t i = 0; i < pool_.size(); ++i) {
      Slot s = pool_.slot(i);
      if (s != q && !deleted(s)) candidates_.push_back(Neighbor{pool_.dist(i), s});
    }
    // The new node takes M links on every level (the paper's M); level-0 lists grow towards
    // M0 through back-links from later insertions.
    select_neighbors(g, pair_, candidates_, g.m(), selected_);
    {
      std::lock_guard<SpinLock> lock(g.lock(q));
      keep_concurrent_links(q, l);
      write_list(g, q, l, selected_);
    }
    for (const Neighbor& n : selected_) link_back(n.slot, q, n.dist, l);
    if (pool_.size() > 0) {
      cur = pool_.slot(0);
      cur_dist = pool_.dist(0);
    }
  }
  if (level > ep.level) g.set_entry({q, level});
}

template <typename Scorer>
void InsertWorker<Scorer>::keep_concurrent_links(Slot q, int level) {
  Graph& g = *ctx_.graph;
  const uint32_t cap = g.capacity_at(level);
  const uint32_t* list = g.list(q, level);
  const uint32_t count = std::min(load_word(list), cap);
  if (count == 0) return;  // the usual case: nobody has linked to q on this level yet
  bool added = false;
  for (uint32_t i = 0; i < count; ++i) {
    const Slot s = load_word(list + 1 + i);
    bool known = false;
    for (const Neighbor& n : selected_) known |= n.slot == s;
    if (!known && !deleted(s)) {
      selected_.push_back(Neighbor{query_(g.code(s)), s});
      added = true;
    }
  }
  if (!added || selected_.size() <= cap) return;
  shrink_candidates_ = selected_;
  std::sort(shrink_candidates_.begin(), shrink_candidates_.end());
  select_neighbors(g, pair_, shrink_candidates_, cap, selected_);
}

template <typename Scorer>
void InsertWorker<Scorer>::link_back(Slot n, Slot q, float dist, int level) {
  Graph& g = *ctx_.graph;
  const uint32_t cap = g.capacity_at(level);
  std::lock_guard<SpinLock> lock(g.lock(n));
  uint32_t* list = g.mutable_list(n, level);
  const uint32_t count = std::min(load_word(list), cap);
  for (uint32_t i = 0; i < count; ++i) {
    if (load_word(list + 1 + i) == q) return;
  }
  if (count < cap) {
    store_word(list + 1 + count, q);
    store_word(list, count + 1);
    return;
  }
  // Full: choose among the current links and q with the heuristic, from n's point of view.
  // (Distances to n are all taken before select_neighbors re-targets pair_.)
  pair_.prepare_code(g.code(n));
  shrink_candidates_.clear();
  shrink_candidates_.push_back(Neighbor{dist, q});
  for (uint32_t i = 0; i < count; ++i) {
    Slot s = load_word(list + 1 + i);
    shrink_candidates_.push_back(Neighbor{pair_(g.code(s)), s});
  }
  std::sort(shrink_candidates_.begin(), shrink_candidates_.end());
  select_neighbors(g, pair_, shrink_candidates_, cap, shrink_selected_);
  write_list(g, n, level, shrink_selected_);
}

template <typename Scorer>
void InsertWorker<Scorer>::repair(Slot s, int level) {
  Graph& g = *ctx_.graph;
  const uint32_t cap = g.capacity_at(level);
  std::lock_guard<SpinLock> lock(g.lock(s));
  const uint32_t* list = g.list(s, level);
  const uint32_t count = std::min(load_word(list), cap);
  visited_.ensure(g.slots());
  visited_.next_epoch();
  visited_.mark(s);
  query_.prepare_code(g.code(s));
  candidates_.clear();
  auto offer = [&](Slot c) {
    if (visited_.test_and_mark(c) || deleted(c)) return;
    candidates_.push_back(Neighbor{query_(g.code(c)), c});
  };
  for (uint32_t i = 0; i < count; ++i) {
    Slot n = load_word(list + 1 + i);
    if (!deleted(n)) {
      offer(n);
      continue;
    }
    // A removed neighbour's own links (on this level) are the natural replacements: they are
    // what a search passing through it would have reached next.
    visited_.mark(n);
    const uint32_t* nl = g.list(n, level);
    const uint32_t nc = std::min(load_word(nl), cap);
    for (uint32_t j = 0; j < nc; ++j) offer(load_word(nl + 1 + j));
  }
  std::sort(candidates_.begin(), candidates_.end());
  select_neighbors(g, pair_, candidates_, cap, selected_);
  write_list(g, s, level, selected_);
}

template class InsertWorker<F32Scorer>;
template class InsertWorker<CodecScorer>;

}  // namespace vecdex::hnsw
