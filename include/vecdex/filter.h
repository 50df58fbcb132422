// Filter: the set of external ids a search may return. Built once, shared read-only by any
// number of concurrent searches.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "vecdex/types.h"

namespace vecdex {

// An allowed-id set. Three representations, chosen by the constructor used:
//  - a dense bitset over ids [0, universe): O(1) membership, 1 bit per possible id;
//  - a compressed roaring bitmap (CRoaring) for sparse or large ids;
//  - a half-open id range [begin, end): O(1) membership and no memory at any width.
// Indexes ask `allows(id)` per candidate and, to decide between graph search and brute force
// over the allowed set, `count()` and `for_each`.
// Thread safety: immutable after construction; safe to share across threads.
class Filter {
 public:
  // Allows exactly `ids` (duplicates are fine). Uses a roaring bitmap.
  static Filter from_ids(std::span<const Id> ids);
  // Allows id i iff bit i of `words` is set (64 ids per word, little-endian bit order).
  static Filter from_bitset(std::vector<uint64_t> words);
  // Allows every id in [begin, end).
  static Filter from_range(Id begin, Id end);

  Filter(Filter&&) noexcept;
  Filter& operator=(Filter&&) noexcept;
  ~Filter();

  bool allows(Id id) const;
  // Number of allowed ids.
  uint64_t count() const;
  // Calls fn(id) for every allowed id in ascending order.
  template <typename Fn>
  void for_each(Fn&& fn) const {
    for (Id id : to_vector()) fn(id);
  }
  // All allowed ids, ascending. Materialises count() ids: check count() first for wide ranges.
  std::vector<Id> to_vector() const;

 private:
  struct Impl;
  explicit Filter(std::unique_ptr<Impl> impl);
  bool allows_slow(Id id) const;  // roaring membership
  // Fast path for the dense form: no virtual call, no pointer chase through Impl.
  const uint64_t* dense_words_ = nullptr;
  uint64_t dense_word_count_ = 0;
  std::unique_ptr<Impl> impl_;
};

inline bool Filter::allows(Id id) const {
  if (dense_words_ != nullptr) {
    uint64_t w = id >> 6;
    return w < dense_word_count_ && ((dense_words_[w] >> (id & 63)) & 1u) != 0;
  }
  return allows_slow(id);
}

}  // namespace vecdex
