// PidBitmap: a compressed set of 64-bit internal point numbers, as 32-bit CRoaring bitmaps keyed
// by the high 32 bits. Like CRoaring's Roaring64Map, but with bulk paths that one lacks in the
// Debian version (0.2.66): sorted bulk insert, batched extraction, and writing into a dense
// bitset without a callback per member (the hot step when a 90% posting meets a range).
#pragma once

#include <roaring/roaring.hh>

#include <cstdint>
#include <map>
#include <span>
#include <vector>

namespace vecdex::engine {

using Pid = uint64_t;

// Thread safety: a value type; const methods may run concurrently.
class PidBitmap {
 public:
  void add(Pid pid) { chunks_[high(pid)].add(low(pid)); }
  // Returns whether `pid` was present.
  bool remove(Pid pid) {
    auto it = chunks_.find(high(pid));
    if (it == chunks_.end() || !it->second.removeChecked(low(pid))) return false;
    if (it->second.isEmpty()) chunks_.erase(it);
    return true;
  }
  bool contains(Pid pid) const {
    auto it = chunks_.find(high(pid));
    return it != chunks_.end() && it->second.contains(low(pid));
  }
  bool empty() const { return chunks_.empty(); }  // no chunk is ever left empty
  uint64_t count() const {
    uint64_t n = 0;
    for (const auto& [h, r] : chunks_) n += r.cardinality();
    return n;
  }

  // Adds ascending pids (fast: CRoaring appends sorted runs container by container).
  void add_sorted(std::span<const Pid> pids) {
    std::vector<uint32_t> lows;
    size_t i = 0;
    while (i < pids.size()) {
      uint32_t h = high(pids[i]);
      lows.clear();
      for (; i < pids.size() && high(pids[i]) == h; ++i) lows.push_back(low(pids[i]));
      chunks_[h].addMany(lows.size(), lows.data());
    }
  }

  PidBitmap& operator&=(const PidBitmap& other) {
    for (auto it = chunks_.begin(); it != chunks_.end();) {
      auto o = other.chunks_.find(it->first);
      if (o != other.chunks_.end()) it->second &= o->second;
      if (o == other.chunks_.end() || it->second.isEmpty()) {
        it = chunks_.erase(it);
      } else {
        ++it;
      }
    }
    return *this;
  }
  PidBitmap& operator|=(const PidBitmap& other) {
    for (const auto& [h, r] : other.chunks_) chunks_[h] |= r;
    return *this;
  }
  PidBitmap& operator-=(const PidBitmap& other) {
    for (auto it = chunks_.begin(); it != chunks_.end();) {
      auto o = other.chunks_.find(it->first);
      if (o != other.chunks_.end()) it->second -= o->second;
      if (it->second.isEmpty()) {
        it = chunks_.erase(it);
      } else {
        ++it;
      }
    }
    return *this;
  }

  // Re-encodes long runs compactly (CRoaring run containers); call after bulk loads.
  void run_optimize() {
    for (auto& [h, r] : chunks_) r.runOptimize();
  }

  // Calls fn(pid) for every member in ascending order, in batches (no per-member indirect call).
  template <typename Fn>
  void for_each(Fn&& fn) const {
    uint32_t buf[1024];
    for (const auto& [h, r] : chunks_) {
      uint64_t base = static_cast<uint64_t>(h) << 32;
      roaring_uint32_iterator_t it;
      roaring_init_iterator(&r.roaring, &it);
      while (uint32_t n = roaring_read_uint32_iterator(&it, buf, 1024)) {
        for (uint32_t j = 0; j < n; ++j) fn(base | buf[j]);
      }
    }
  }
  // Sets (or clears) bit p of `words` for every member p; every member must be < 64 x
  // words.size(). Works container by container (a full 64K-id bitset container is 1024 word
  // ORs), so a dense posting costs about universe / 64 word operations, not one per member.
  void set_bits(std::span<uint64_t> words) const;
  void clear_bits(std::span<uint64_t> words) const;
  std::vector<Pid> to_vector() const {
    std::vector<Pid> out;
    out.reserve(count());
    for_each([&out](Pid p) { out.push_back(p); });
    return out;
  }

 private:
  static uint32_t high(Pid p) { return static_cast<uint32_t>(p >> 32); }
  static uint32_t low(Pid p) { return static_cast<uint32_t>(p); }
  std::map<uint32_t, Roaring> chunks_;
};

}  // namespace vecdex::engine
