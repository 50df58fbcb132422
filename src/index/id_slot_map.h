// IdSlotMap: external id -> internal slot, the reverse of an index's per-slot id array.
// Collections hand indexes dense ids (pids: 0..N-1 overall, a contiguous run per segment), for
// which a hash map costs ~40 bytes per vector (node, bucket, malloc header); here those ids live
// in a plain array of slots over a window of ids (4 bytes each, at most 16 with growth slack),
// and only the ids outside it (arbitrary 64-bit ids of direct Index users) go to a hash map.
#pragma once

#include <cstddef>
#include <limits>
#include <span>
#include <unordered_map>
#include <vector>

#include "vecdex/status.h"
#include "vecdex/types.h"

namespace vecdex {

// The dense window covers ids [base_, base_ + dense_.size()). Invariants: an id in the window
// is mapped iff dense_[id - base_] != kAbsent, and never appears in sparse_; an id outside it is
// mapped iff it is a key of sparse_.
// The window starts at 0, or, when the first reserve() sees a batch of large ids (a segment's
// run of pids), at that batch's smallest id; it never moves afterwards. It grows upwards (and
// takes over the sparse entries it now covers) only for an id whose offset from base_ is below
// growth_bound(entries) = 2 * entries + kDenseSlack, i.e. when the ids are at least about half
// dense, and then geometrically but to at most length_cap(entries) = 2 * growth_bound(entries):
// at most 16 bytes per entry (8 for ids 0..N-1 inserted one by one, 4 after a bulk reserve)
// plus the slack, whatever ids arrive. It never shrinks (erase leaves a hole).
// Slot kAbsent (the largest Slot) cannot be stored: every family caps its slots below it.
// Thread safety: const methods may run concurrently with each other; a mutating call needs
// exclusive access. insert() may throw std::bad_alloc like the standard containers (the
// families already catch it there); reserve() reports it as a Status instead.
class IdSlotMap {
 public:
  // "No slot": what find() returns for an unmapped id.
  static constexpr Slot kAbsent = std::numeric_limits<Slot>::max();
  // Offsets below this many (beyond twice the entry count) may grow the dense window: small
  // id spaces never reach the hash map.
  static constexpr size_t kDenseSlack = 4096;

  // Slot of `id`, or kAbsent. O(1).
  Slot find(Id id) const {
    const Id offset = id - base_;  // wraps to a huge value below base_
    if (offset < dense_.size()) return dense_[offset];
    if (sparse_.empty()) return kAbsent;
    auto it = sparse_.find(id);
    return it == sparse_.end() ? kAbsent : it->second;
  }
  bool contains(Id id) const { return find(id) != kAbsent; }

  // Maps `id` to `slot` (slot != kAbsent) unless `id` is mapped already; returns whether it
  // inserted. Amortized O(1). Allocates only to extend the dense window or for a hash-map node,
  // and may then throw std::bad_alloc (the map keeps its entries). An id inside the window,
  // e.g. one a reserve() covered, never allocates.
  bool insert(Id id, Slot slot);

  // Re-points a mapped `id` at `slot` (swap-with-last removal moves the last slot into a hole).
  // Never allocates. `id` must be mapped (checked in debug builds).
  void assign(Id id, Slot slot);

  // Unmaps `id`; returns whether it was mapped. Never allocates.
  bool erase(Id id);

  // Prepares for inserting `incoming` (a batch to add, or a file's id array; kNoId entries,
  // which mark free slots, are skipped): grows the dense window once to cover the batch's ids
  // within the bound the map will have after the batch, and reserves hash buckets for the
  // rest, so a bulk load or add sizes the map exactly instead of growing it step by step.
  // ResourceExhausted (map unchanged apart from capacity) when the memory cannot be had.
  Status reserve(std::span<const Id> incoming);

  size_t size() const { return dense_count_ + sparse_.size(); }
  bool empty() const { return size() == 0; }

  // Heap bytes held: the dense array's capacity plus an estimate of the hash map's buckets and
  // nodes (libstdc++ node with its malloc header). For IndexStats::bytes.
  size_t memory_bytes() const;

  // The dense window [dense_base(), dense_base() + dense_length()); for tests and stats.
  Id dense_base() const { return base_; }
  size_t dense_length() const { return dense_.size(); }
  // Entries kept in the hash map; for tests and stats.
  size_t sparse_count() const { return sparse_.size(); }

 private:
  // With `entries` entries (counting the ones being inserted), an id whose offset from base_ is
  // below this may extend the dense window, which then grows to at most length_cap.
  static size_t growth_bound(size_t entries) { return 2 * entries + kDenseSlack; }
  static size_t length_cap(size_t entries) { return 2 * growth_bound(entries); }
  // Extends the dense window to `length` ids (no-op if not longer) and moves the sparse entries
  // it now covers into it. May throw std::bad_alloc (then nothing changed).
  void grow_dense(size_t length);

  Id base_ = 0;              // first id of the dense window
  std::vector<Slot> dense_;  // dense_[id - base_]: slot of id, or kAbsent
  size_t dense_count_ = 0;   // entries of dense_ that are not kAbsent
  std::unordered_map<Id, Slot> sparse_;
};

}  // namespace vecdex
