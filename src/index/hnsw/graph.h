// HNSW graph storage: fixed-stride level-0 blocks (a node's code and its level-0 links share
// one 64-byte aligned block) plus per-node upper-level link lists. The level-0 array may be
// served in place from a read-only file mapping until the first mutation copies it. Owned
// level-0 arrays ask for transparent huge pages (a walk lands on random blocks: with 4 KiB
// pages nearly every one is a TLB miss; worth ~15-20% QPS on Fashion-MNIST).
// See docs/file-format.md §HNSW.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <thread>
#include <vector>

#include "core/aligned_buffer.h"
#include "vecdex/status.h"
#include "vecdex/types.h"

namespace vecdex::hnsw {

// Byte layout of one level-0 block:
//   [code: code_bytes, padded to 4][u32 count][m0 x u32 links][padding to a multiple of 64]
// The padding is there only when it costs at most ~3% of the block (then codes start on a
// 64-byte boundary: the array base is 64-byte aligned and stride % 64 == 0); otherwise blocks
// are packed back to back, 4-byte aligned.
struct BlockLayout {
  size_t code_bytes = 0;
  size_t links_offset = 0;  // byte offset of the count word
  size_t stride = 0;
  uint32_t m0 = 0;

  static BlockLayout make(size_t code_bytes, uint32_t m0);
};

// A link list is [count][links...]. Lists are written under the owning node's lock and read
// without it by searches: every word goes through these acquire/release accessors, so a
// reader sees either the old or the new value of each word, and every value it can see is a
// slot whose code was written before the link was published.
inline uint32_t load_word(const uint32_t* p) { return __atomic_load_n(p, __ATOMIC_ACQUIRE); }
inline void store_word(uint32_t* p, uint32_t v) { __atomic_store_n(p, v, __ATOMIC_RELEASE); }

// Test-and-test-and-set spin lock; critical sections are a few hundred nanoseconds.
class SpinLock {
 public:
  void lock() {
    while (flag_.exchange(true, std::memory_order_acquire)) {
      int spins = 0;
      while (flag_.load(std::memory_order_relaxed)) {
        if (++spins > 64) std::this_thread::yield();
      }
    }
  }
  void unlock() { flag_.store(false, std::memory_order_release); }

 private:
  std::atomic<bool> flag_{false};
};

// The graph of one HNSW index.
// Invariants: slots [0, slots()) are allocated; level(s) <= max level; every link on level l
// of node s points to a node whose level is >= l; a list never holds more than its capacity.
// Thread safety: reserve, set_level, make_owned and adopt_file need exclusive access (no
// concurrent calls of any kind). List words may be written concurrently with searches under
// lock(s) (see load_word/store_word); entry() is an atomic snapshot.
class Graph {
 public:
  static constexpr int kMaxLevel = 31;

  Graph(BlockLayout layout, uint32_t m);

  const BlockLayout& layout() const { return layout_; }
  uint32_t m() const { return m_; }
  uint32_t capacity_at(int level) const { return level == 0 ? layout_.m0 : m_; }
  size_t slots() const { return slots_; }

  // Makes room for `slots` slots (new blocks are zeroed: no code, no links).
  Status reserve(size_t slots);
  // Sets slots() (after reserve); new slots have level 0 and empty lists.
  Status grow_to(size_t slots);
  // Sets node s's level and (re)allocates its upper lists, all empty; clears its level-0 list.
  Status reset_node(Slot s, int level);

  const uint8_t* code(Slot s) const { return base_ + size_t{s} * layout_.stride; }
  uint8_t* mutable_code(Slot s) { return base_ + size_t{s} * layout_.stride; }
  const uint32_t* list(Slot s, int level) const {
    if (level == 0) {
      return reinterpret_cast<const uint32_t*>(base_ + size_t{s} * layout_.stride +
                                               layout_.links_offset);
    }
    return upper_[s].get() + size_t(level - 1) * (m_ + 1);
  }
  uint32_t* mutable_list(Slot s, int level) { return const_cast<uint32_t*>(list(s, level)); }
  int level(Slot s) const { return levels_[s]; }
  SpinLock& lock(Slot s) const { return locks_[s & (kLockStripes - 1)]; }

  // Entry point: slot and its level; level -1 when the graph is empty.
  struct Entry {
    Slot slot = 0;
    int level = -1;
  };
  Entry entry() const {
    uint64_t v = entry_.load(std::memory_order_acquire);
    return Entry{static_cast<Slot>(v), static_cast<int>(v >> 32) - 1};
  }
  void set_entry(Entry e) {
    entry_.store((uint64_t(e.level + 1) << 32) | e.slot, std::memory_order_release);
  }

  // Level-0 array served from outside memory (a file image) until make_owned().
  void adopt_file(const uint8_t* base, size_t slots, std::vector<uint8_t> levels,
                  std::vector<std::unique_ptr<uint32_t[]>> upper);
  bool file_backed() const { return owned_.data() != base_ && base_ != nullptr; }
  // Copies a file-backed level-0 array into owned memory (no-op when owned).
  Status make_owned();

  const uint8_t* level0_data() const { return base_; }
  size_t level0_bytes() const { return slots_ * layout_.stride; }
  size_t upper_bytes() const;
  size_t memory_bytes() const;

 private:
  static constexpr size_t kLockStripes = 1 << 16;

  BlockLayout layout_;
  uint32_t m_;
  AlignedBuffer<uint8_t> owned_;
  uint8_t* base_ = nullptr;  // owned_.data() or a file image (read-only until make_owned)
  size_t slots_ = 0;
  size_t capacity_ = 0;
  std::vector<uint8_t> levels_;
  std::vector<std::unique_ptr<uint32_t[]>> upper_;  // levels(s) lists of (1 + m) words
  std::unique_ptr<SpinLock[]> locks_;
  std::atomic<uint64_t> entry_{0};
};

}  // namespace vecdex::hnsw
