// IdSlotMap growth, reservation and memory accounting (the lookups are inline in the header).
#include "index/id_slot_map.h"

#include <algorithm>
#include <cassert>
#include <new>
#include <utility>

#include <fmt/format.h>

namespace vecdex {

namespace {

// libstdc++'s node for unordered_map<Id, Slot> (next pointer + pair; the hash of an integer is
// not cached) as malloc hands it out: plus its size header, rounded to 16-byte chunks.
constexpr size_t kSparseNodeBytes =
    (sizeof(void*) + sizeof(std::pair<const Id, Slot>) + sizeof(size_t) + 15) / 16 * 16;

// Smallest dense array worth allocating (avoids a string of tiny reallocations at first).
constexpr size_t kMinDenseLength = 16;

}  // namespace

bool IdSlotMap::insert(Id id, Slot slot) {
  assert(slot != kAbsent);
  const Id offset = id - base_;  // wraps to a huge value below base_
  if (offset >= dense_.size()) {
    const size_t entries = size() + 1;
    if (offset < growth_bound(entries)) {
      // Geometric in the current length (amortized O(1) per insert) and at least half again
      // past the id, so that a run of ids arriving in descending order, whose first ones went
      // to the hash map, is taken in whole by one growth.
      const size_t past_id = static_cast<size_t>(offset) + 1;
      const size_t wanted = std::max({2 * dense_.size(), past_id + past_id / 2, kMinDenseLength});
      grow_dense(std::min(wanted, length_cap(entries)));
    }
  }
  if (offset < dense_.size()) {
    Slot& entry = dense_[offset];
    if (entry != kAbsent) return false;
    entry = slot;
    ++dense_count_;
    return true;
  }
  return sparse_.emplace(id, slot).second;
}

void IdSlotMap::assign(Id id, Slot slot) {
  assert(slot != kAbsent);
  const Id offset = id - base_;
  if (offset < dense_.size()) {
    assert(dense_[offset] != kAbsent);
    dense_[offset] = slot;
    return;
  }
  auto it = sparse_.find(id);
  assert(it != sparse_.end());
  if (it != sparse_.end()) it->second = slot;
}

bool IdSlotMap::erase(Id id) {
  const Id offset = id - base_;
  if (offset < dense_.size()) {
    if (dense_[offset] == kAbsent) return false;
    dense_[offset] = kAbsent;
    --dense_count_;
    return true;
  }
  return sparse_.erase(id) != 0;
}

void IdSlotMap::grow_dense(size_t length) {
  if (length <= dense_.size()) return;
  dense_.reserve(length);  // exact: the growth policy is ours, not the vector's
  dense_.resize(length, kAbsent);
  // Sparse ids the array now covers move into it, so each id has exactly one home.
  for (auto it = sparse_.begin(); it != sparse_.end();) {
    const Id offset = it->first - base_;
    if (offset < length) {
      dense_[offset] = it->second;
      ++dense_count_;
      it = sparse_.erase(it);
    } else {
      ++it;
    }
  }
}

Status IdSlotMap::reserve(std::span<const Id> incoming) {
  size_t entries = size();
  Id smallest = kNoId;
  for (Id id : incoming) {
    if (id == kNoId) continue;
    ++entries;
    smallest = std::min(smallest, id);
  }
  if (smallest == kNoId) return Status();
  // The window's base is chosen once, before it first grows: 0, unless the batch starts far
  // above 0 and at least half of it is a run from its smallest id (a segment's pids).
  if (dense_.empty() && smallest >= growth_bound(entries)) {
    size_t in_run = 0;
    size_t batch = 0;
    for (Id id : incoming) {
      if (id == kNoId) continue;
      ++batch;
      in_run += id - smallest < growth_bound(entries) ? 1 : 0;
    }
    if (2 * in_run >= batch) base_ = smallest;
  }
  const size_t bound = std::max(growth_bound(entries), dense_.size());
  size_t dense_end = 0;  // one past the largest incoming offset the window will hold
  size_t to_sparse = 0;
  for (Id id : incoming) {
    if (id == kNoId) continue;
    const Id offset = id - base_;
    if (offset < bound) {
      dense_end = std::max(dense_end, static_cast<size_t>(offset) + 1);
    } else {
      ++to_sparse;
    }
  }
  try {
    // Exact for a first bulk load; geometric for repeated batches.
    if (dense_end > dense_.size()) {
      grow_dense(std::max(dense_end, std::min(2 * dense_.size(), length_cap(entries))));
    }
    if (to_sparse > 0) sparse_.reserve(sparse_.size() + to_sparse);
  } catch (const std::bad_alloc&) {
    return resource_exhausted(
        fmt::format("id map: out of memory reserving room for {} ids", incoming.size()));
  }
  return Status();
}

size_t IdSlotMap::memory_bytes() const {
  size_t bytes = dense_.capacity() * sizeof(Slot);
  // An empty unordered_map uses one inline bucket, no heap.
  if (sparse_.bucket_count() > 1) bytes += sparse_.bucket_count() * sizeof(void*);
  bytes += sparse_.size() * kSparseNodeBytes;
  return bytes;
}

}  // namespace vecdex
