// The HNSW walk (Malkov & Yashunin, Alg. 2 and 5): greedy descent through the upper levels and
// an ef-wide beam on one level, templated over the scorer so the distance is inlined into the
// loop. Used by both queries and insertion. Unfiltered walks only; filtered_search.cc has the
// filtered variants.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "core/visited_pool.h"
#include "index/hnsw/graph.h"

namespace vecdex::hnsw {

// The beam W of the paper as one sorted array of at most `capacity` (distance, slot) pairs with
// an "expanded" flag per entry. Expanding the best unexpanded entry until none is left is
// the paper's two-heap loop (candidates C, results W, |W| = ef) with both heaps merged: an
// entry that falls off the end of W is exactly a candidate the paper would never expand.
// Ties keep insertion order, so a walk is deterministic. Not thread-safe; reused per thread.
class BeamPool {
 public:
  void reset(size_t capacity) {
    if (dist_.size() < capacity + 1) {
      dist_.resize(capacity + 1);
      slot_.resize(capacity + 1);
    }
    capacity_ = capacity;
    size_ = 0;
    cursor_ = 0;
  }
  size_t size() const { return size_; }
  bool full() const { return size_ == capacity_; }
  // Whether a candidate at distance d would be kept.
  bool accepts(float d) const { return size_ < capacity_ || d < dist_[size_ - 1]; }
  float dist(size_t i) const { return dist_[i]; }
  Slot slot(size_t i) const { return slot_[i] & kSlotMask; }

  // Inserts (d, s) in order; the caller checked accepts(d).
  void insert(float d, Slot s) {
    // Shift worse entries up one place from the end (the beam is short: ef entries), dropping
    // the last one when full; ties stay ahead of the new entry.
    float* dist = dist_.data();
    uint32_t* slot = slot_.data();
    size_t pos = size_ < capacity_ ? size_ : capacity_ - 1;
    while (pos > 0 && dist[pos - 1] > d) {
      dist[pos] = dist[pos - 1];
      slot[pos] = slot[pos - 1];
      --pos;
    }
    dist[pos] = d;
    slot[pos] = s;
    if (size_ < capacity_) ++size_;
    if (pos < cursor_) cursor_ = pos;
  }
  bool has_next() const { return cursor_ < size_; }
  // Marks the best unexpanded entry expanded and returns its slot.
  Slot pop_next() {
    Slot s = slot_[cursor_] & kSlotMask;
    slot_[cursor_] |= kExpanded;
    while (cursor_ < size_ && (slot_[cursor_] & kExpanded) != 0) ++cursor_;
    return s;
  }

  static constexpr uint32_t kExpanded = 0x80000000u;
  static constexpr uint32_t kSlotMask = 0x7fffffffu;

 private:
  std::vector<float> dist_;
  std::vector<uint32_t> slot_;
  size_t capacity_ = 0;
  size_t size_ = 0;
  size_t cursor_ = 0;
};

// Prefetches up to `bytes` of a code: the walk is memory-bound, so the next neighbour's vector
// is requested while the current one is scored.
// Codes need not start on a cache line (BlockLayout drops padding when it costs too much), so
// the lines are counted from the one holding p.
inline void prefetch_code(const uint8_t* p, size_t bytes) {
  const uintptr_t first = reinterpret_cast<uintptr_t>(p) & ~uintptr_t{63};
  const uintptr_t end = reinterpret_cast<uintptr_t>(p) + bytes;
  for (uintptr_t line = first; line < end; line += 64) {
    __builtin_prefetch(reinterpret_cast<const void*>(line), 0, 3);
  }
}

// Bytes of every fresh neighbour's code requested as soon as its slot is read.
inline constexpr size_t kHeadBytes = 256;

// How many neighbours ahead of the one being scored the walks request codes: about 2 KiB in
// flight, i.e. one 784-d f32 code, two 784-d SQ8 codes (whose distance is too quick for a
// single code's prefetch to arrive in time), at most three.
inline uint32_t lookahead(size_t code_bytes) {
  constexpr size_t kInFlight = 2048;
  return static_cast<uint32_t>(std::clamp<size_t>(kInFlight / std::max<size_t>(code_bytes, 1), 1, 3));
}

// Greedy descent (ef = 1) from `cur` on levels from_level .. to_level + 1; leaves the closest
// node found in cur / cur_dist.
template <typename Scorer>
void greedy_descent(const Graph& g, const Scorer& score, int from_level, int to_level, Slot& cur,
                    float& cur_dist) {
  const size_t code_bytes = g.layout().code_bytes;
  const size_t head_bytes = std::min(code_bytes, kHeadBytes);
  const uint32_t ahead = lookahead(code_bytes);
  for (int level = from_level; level > to_level; --level) {
    const uint32_t cap = g.capacity_at(level);
    bool changed = true;
    while (changed) {
      changed = false;
      const uint32_t* list = g.list(cur, level);
      uint32_t n = std::min(load_word(list), cap);
      // Same prefetch pattern as search_layer: every neighbour's head, then whole codes ahead.
      for (uint32_t i = 0; i < n; ++i) prefetch_code(g.code(load_word(list + 1 + i)), head_bytes);
      for (uint32_t i = 1; i < ahead && i < n; ++i) {
        prefetch_code(g.code(load_word(list + 1 + i)), code_bytes);
      }
      for (uint32_t i = 0; i < n; ++i) {
        Slot nb = load_word(list + 1 + i);
        if (i + ahead < n) prefetch_code(g.code(load_word(list + 1 + i + ahead)), code_bytes);
        float d = score(g.code(nb));
        if (d < cur_dist) {
          cur_dist = d;
          cur = nb;
          changed = true;
        }
      }
    }
  }
}

// Beam search on one level from (entry, entry_dist) with width pool's capacity (set by the
// caller with pool.reset(ef)). On return the pool holds the best nodes found, ascending.
template <typename Scorer>
void search_layer(const Graph& g, const Scorer& score, int level, Slot entry, float entry_dist,
                  VisitedTable& visited, BeamPool& pool) {
  const uint32_t cap = g.capacity_at(level);
  const size_t code_bytes = g.layout().code_bytes;
  const size_t head_bytes = std::min(code_bytes, kHeadBytes);
  const uint32_t ahead = lookahead(code_bytes);
  visited.next_epoch();
  visited.mark(entry);
  pool.insert(entry_dist, entry);
  Slot fresh[1024 + 1];
  while (pool.has_next()) {
    const Slot c = pool.pop_next();
    const uint32_t* list = g.list(c, level);
    const uint32_t n = std::min(load_word(list), cap);
    uint32_t count = 0;
    for (uint32_t i = 0; i < n; ++i) {
      Slot nb = load_word(list + 1 + i);
      if (visited.test_and_mark(nb)) continue;
      fresh[count++] = nb;
      prefetch_code(g.code(nb), head_bytes);
    }
    for (uint32_t j = 1; j < ahead && j < count; ++j) prefetch_code(g.code(fresh[j]), code_bytes);
    for (uint32_t j = 0; j < count; ++j) {
      if (j + ahead < count) prefetch_code(g.code(fresh[j + ahead]), code_bytes);
      float d = score(g.code(fresh[j]));
      if (pool.accepts(d)) pool.insert(d, fresh[j]);
    }
  }
}

}  // namespace vecdex::hnsw
