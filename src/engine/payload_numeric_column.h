// NumericColumn: the ordered index of one numeric payload field, for ranges and equality.
// A sorted array of (value, pid) plus a small sorted set of recent inserts and a bitmap of pids
// whose array entry is dead; the three are merged when the recent part grows past
// max(4096, n/32), so writes cost O(log n) amortised O(1) array moves, and a range costs
// O(log n + matched) — never a scan of every point.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <set>
#include <utility>
#include <vector>

#include "engine/payload_pid_set.h"

namespace vecdex::engine {

// A key interval; `lo_open` / `hi_open` exclude the end point.
template <typename K>
struct KeyRange {
  static constexpr K kLowest = std::numeric_limits<K>::has_infinity
                                   ? -std::numeric_limits<K>::infinity()
                                   : std::numeric_limits<K>::lowest();
  static constexpr K kHighest = std::numeric_limits<K>::has_infinity
                                    ? std::numeric_limits<K>::infinity()
                                    : std::numeric_limits<K>::max();
  K lo = kLowest;
  bool lo_open = false;
  K hi = kHighest;
  bool hi_open = false;
  bool empty = false;
};

// K is int64_t or double (never NaN). Thread safety: add/remove need exclusive access;
// collect may run concurrently with collect.
template <typename K>
class NumericColumn {
 public:
  void add(Pid pid, K key) {
    recent_.insert({key, pid});
    if (dead_count_ > 0 && dead_.contains(pid)) ++readded_;
    maybe_merge();
  }
  // `key` must be the key the pid was added with.
  void remove(Pid pid, K key) {
    if (recent_.erase({key, pid}) == 0) {
      dead_.add(pid);
      ++dead_count_;
    } else if (readded_ > 0 && dead_.contains(pid)) {
      --readded_;
    }
    maybe_merge();
  }

  // Pids whose key lies in `range`. `members`, if given, must be exactly the column's pids;
  // it lets a range matching most of the column be built as members minus the rest.
  PidSet collect(const KeyRange<K>& range, size_t universe_words,
                 const PidBitmap* members = nullptr) const {
    if (range.empty) return PidSet::sparse(PidBitmap(), universe_words);
    auto key_less = [](const Entry& e, K k) { return e.first < k; };
    auto key_greater = [](K k, const Entry& e) { return k < e.first; };
    auto begin = range.lo_open
                     ? std::upper_bound(sorted_.begin(), sorted_.end(), range.lo, key_greater)
                     : std::lower_bound(sorted_.begin(), sorted_.end(), range.lo, key_less);
    auto end = range.hi_open
                   ? std::lower_bound(sorted_.begin(), sorted_.end(), range.hi, key_less)
                   : std::upper_bound(sorted_.begin(), sorted_.end(), range.hi, key_greater);
    if (end < begin) end = begin;  // lo == hi with an open end
    auto matched = static_cast<size_t>(end - begin);
    if (members != nullptr && matched > sorted_.size() / 2 &&
        PidSet::prefers_dense(matched, universe_words)) {
      return collect_complement(range, begin, end, universe_words, *members);
    }
    PidSet out = PidSet::empty_dense(0);
    if (PidSet::prefers_dense(matched, universe_words)) {
      out = PidSet::empty_dense(universe_words);  // set bits straight from the column
      for (auto it = begin; it != end; ++it) out.set(it->second);
    } else {
      std::vector<Pid> pids;
      pids.reserve(matched);
      for (auto it = begin; it != end; ++it) pids.push_back(it->second);
      out = PidSet::from_pids(std::move(pids), universe_words);
    }
    if (dead_count_ > 0) out.subtract(PidSet::sparse(dead_, universe_words));
    // Recent inserts go in after the dead are dropped: a re-added pid may be in both.
    auto rit = recent_.lower_bound({range.lo, range.lo_open ? kMaxPid : Pid{0}});
    std::vector<Pid> recent_pids;
    for (; rit != recent_.end(); ++rit) {
      if (range.hi_open ? !(rit->first < range.hi) : range.hi < rit->first) break;
      recent_pids.push_back(rit->second);
    }
    if (!recent_pids.empty()) out.unite(PidSet::from_pids(std::move(recent_pids), universe_words));
    return out;
  }

  size_t size() const { return sorted_.size() - dead_count_ + recent_.size(); }

 private:
  using Entry = std::pair<K, Pid>;
  using Iter = typename std::vector<Entry>::const_iterator;
  // (k, kMaxPid) sorts after every real entry with key k, (k, 0) before (kMaxPid is never a
  // pid), so they bound a key's entries in recent_.
  static constexpr Pid kMaxPid = std::numeric_limits<Pid>::max();

  static bool in_range(const KeyRange<K>& r, K k) {
    bool above_lo = r.lo_open ? r.lo < k : !(k < r.lo);
    bool below_hi = r.hi_open ? k < r.hi : !(r.hi < k);
    return above_lo && below_hi;
  }

  // members minus the array entries outside [begin, end), minus the recent inserts outside the
  // range. Only the out-of-range parts are walked: a range matching most of the column costs
  // what it leaves out. Dead array entries need no care: their pids are not members, or were
  // re-inserted (readded_ > 0) and a stale out-of-range entry may have cleared one whose recent
  // key is in range; then the in-range recent inserts are set again, last.
  PidSet collect_complement(const KeyRange<K>& range, Iter begin, Iter end,
                            size_t universe_words, const PidBitmap& members) const {
    PidSet out = PidSet::dense_copy(members, universe_words);
    for (auto it = sorted_.cbegin(); it < begin; ++it) out.clear(it->second);
    for (auto it = end; it < sorted_.cend(); ++it) out.clear(it->second);
    auto first_in = recent_.lower_bound({range.lo, range.lo_open ? kMaxPid : Pid{0}});
    auto first_above = recent_.lower_bound({range.hi, range.hi_open ? Pid{0} : kMaxPid});
    // A non-empty range has first_in <= first_above; keep the walks finite regardless.
    if (first_in == recent_.end() || (first_above != recent_.end() && *first_above < *first_in)) {
      first_above = first_in;
    }
    for (auto it = recent_.begin(); it != first_in; ++it) out.clear(it->second);
    for (auto it = first_above; it != recent_.end(); ++it) out.clear(it->second);
    if (readded_ > 0) {
      for (auto it = first_in; it != first_above; ++it) out.set(it->second);
    }
    return out;
  }

  void maybe_merge() {
    size_t pending = recent_.size() + dead_count_;
    if (pending <= std::max<size_t>(4096, sorted_.size() / 32)) return;
    std::vector<Entry> merged;
    merged.reserve(sorted_.size() - std::min(dead_count_, sorted_.size()) + recent_.size());
    auto rit = recent_.begin();
    for (const Entry& e : sorted_) {
      if (dead_count_ > 0 && dead_.contains(e.second)) continue;
      while (rit != recent_.end() && *rit < e) merged.push_back(*rit++);
      merged.push_back(e);
    }
    merged.insert(merged.end(), rit, recent_.end());
    sorted_ = std::move(merged);
    recent_.clear();
    dead_ = PidBitmap();
    dead_count_ = 0;
    readded_ = 0;
  }

  std::vector<Entry> sorted_;  // by (key, pid)
  std::set<Entry> recent_;     // inserts not yet merged into sorted_
  PidBitmap dead_;             // pids whose sorted_ entry was removed
  size_t dead_count_ = 0;
  size_t readded_ = 0;  // pids both in dead_ and in recent_ (removed, then added again)
};

}  // namespace vecdex::engine
