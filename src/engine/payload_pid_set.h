// PidSet: a set of internal point numbers used while evaluating a payload filter. Either sparse
// (a PidBitmap of roaring chunks: cheap to copy out of a posting list and to combine with other postings) or
// dense (a plain bitset over [0, universe): cheap to fill from a numeric range's scattered pids
// and to combine word by word). Mixed operations densify the sparse side, so every step costs
// O(size of the sparse operand + universe / 64), never a scan of all payloads.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "engine/payload_pid_bitmap.h"
#include "vecdex/filter.h"

namespace vecdex::engine {

// Number of set bits in words[0, n). Uses the POPCNT instruction where the CPU has it (the
// build targets baseline x86-64, where std::popcount is a library call per word).
uint64_t count_bits(const uint64_t* words, size_t n);

// Thread safety: a value type; no sharing.
class PidSet {
 public:
  // `universe_words` = ceil(universe / 64), the size of the dense form; 0 keeps the set sparse
  // forever (for universes too large to hold as a bitset).
  static PidSet sparse(PidBitmap bits, size_t universe_words);
  // A dense set of `universe_words` words, all clear.
  static PidSet empty_dense(size_t universe_words);
  // The set of `pids` (any order, no duplicates needed); picks the cheaper form.
  static PidSet from_pids(std::vector<Pid> pids, size_t universe_words);
  // Whether a set of `count` members is better held dense in a universe of `universe_words`.
  static bool prefers_dense(uint64_t count, size_t universe_words);

  bool is_dense() const { return dense_; }
  uint64_t count() const;
  bool contains(Pid pid) const;

  // A dense copy of `bits` (every member < 64 x universe_words, universe_words > 0).
  static PidSet dense_copy(const PidBitmap& bits, size_t universe_words);

  // Dense only; pid < universe. Inline: a range sets or clears one bit per matched pid.
  void set(Pid pid) { words_[pid >> 6] |= uint64_t{1} << (pid & 63); }
  void clear(Pid pid) { words_[pid >> 6] &= ~(uint64_t{1} << (pid & 63)); }
  void intersect(PidSet&& other);
  void unite(PidSet&& other);
  void subtract(PidSet&& other);
  // Removes pids not allowed by `filter` (O(size of this set)).
  void intersect(const Filter& filter);
  // Keeps only pids whose bit is set in `words` (64 pids per word; pids past the end are
  // dropped): word by word when dense, one bit test per member when sparse.
  void intersect_words(std::span<const uint64_t> words);

  // The set as an allowed-id Filter: a dense bitset when the set is large compared with its
  // universe, a roaring bitmap otherwise.
  Filter to_filter() &&;

 private:
  PidSet() = default;
  void densify();
  bool dense_ = false;
  size_t universe_words_ = 0;
  PidBitmap sparse_;
  std::vector<uint64_t> words_;
};

}  // namespace vecdex::engine
