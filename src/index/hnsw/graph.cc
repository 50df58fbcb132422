// Graph: level-0 block array growth, copy-on-write from a file image, upper-list allocation.
#include "index/hnsw/graph.h"

#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "core/huge_pages.h"

namespace vecdex::hnsw {
namespace {

size_t round_up(size_t x, size_t to) { return (x + to - 1) / to * to; }

}  // namespace

BlockLayout BlockLayout::make(size_t code_bytes, uint32_t m0) {
  BlockLayout l;
  l.code_bytes = code_bytes;
  l.links_offset = round_up(code_bytes, 4);
  // Pad blocks to whole cache lines (codes then start on one) only when that wastes at most
  // ~3% of the block: for 784-d f32 it costs 60 of 3,328 bytes; for 128-d f32 with m0 = 32 it
  // would cost 60 of 704, more than the alignment saves, so such blocks stay packed (4-byte
  // aligned, like hnswlib's).
  const size_t packed = l.links_offset + 4 * (size_t{m0} + 1);
  const size_t padded = round_up(packed, 64);
  l.stride = (padded - packed) * 32 <= packed ? padded : packed;
  l.m0 = m0;
  return l;
}

Graph::Graph(BlockLayout layout, uint32_t m)
    : layout_(layout), m_(m), locks_(new SpinLock[kLockStripes]) {}

Status Graph::reserve(size_t slots) {
  if (slots <= capacity_) return Status();
  VECDEX_RETURN_IF_ERROR(make_owned());
  size_t grown = capacity_ + capacity_ / 2;
  size_t want = slots > grown ? slots : grown;
  AlignedBuffer<uint8_t> bigger;
  Status s = bigger.resize_exact(want * layout_.stride);
  if (!s.ok()) {
    want = slots;
    VECDEX_RETURN_IF_ERROR(bigger.resize_exact(want * layout_.stride));
  }
  advise_huge_pages(bigger.data(), want * layout_.stride);
  if (slots_ > 0) std::memcpy(bigger.data(), owned_.data(), slots_ * layout_.stride);
  std::memset(bigger.data() + slots_ * layout_.stride, 0, (want - slots_) * layout_.stride);
  try {
    levels_.reserve(want);
    upper_.reserve(want);
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("HNSW: out of memory reserving {} nodes", want));
  }
  owned_ = std::move(bigger);
  base_ = owned_.data();
  capacity_ = want;
  return Status();
}

Status Graph::grow_to(size_t slots) {
  VECDEX_RETURN_IF_ERROR(reserve(slots));
  levels_.resize(slots, 0);  // capacity reserved above: no allocation
  upper_.resize(slots);
  slots_ = slots;
  return Status();
}

Status Graph::reset_node(Slot s, int level) {
  std::unique_ptr<uint32_t[]> upper;
  if (level > 0) {
    size_t words = size_t(level) * (m_ + 1);
    upper.reset(new (std::nothrow) uint32_t[words]);
    if (upper == nullptr) {
      return resource_exhausted(fmt::format("HNSW: out of memory for {} upper levels", level));
    }
    std::memset(upper.get(), 0, words * sizeof(uint32_t));
  }
  upper_[s] = std::move(upper);
  levels_[s] = static_cast<uint8_t>(level);
  store_word(mutable_list(s, 0), 0);
  return Status();
}

void Graph::adopt_file(const uint8_t* base, size_t slots, std::vector<uint8_t> levels,
                       std::vector<std::unique_ptr<uint32_t[]>> upper) {
  owned_ = AlignedBuffer<uint8_t>();
  base_ = const_cast<uint8_t*>(base);  // written only after make_owned() copies it
  slots_ = slots;
  capacity_ = slots;
  levels_ = std::move(levels);
  upper_ = std::move(upper);
}

Status Graph::make_owned() {
  if (!file_backed()) return Status();
  AlignedBuffer<uint8_t> copy;
  VECDEX_RETURN_IF_ERROR(copy.resize_exact(slots_ * layout_.stride));
  advise_huge_pages(copy.data(), slots_ * layout_.stride);
  if (slots_ > 0) std::memcpy(copy.data(), base_, slots_ * layout_.stride);
  owned_ = std::move(copy);
  base_ = owned_.data();
  capacity_ = slots_;
  return Status();
}

size_t Graph::upper_bytes() const {
  size_t words = 0;
  for (size_t s = 0; s < slots_; ++s) words += size_t(levels_[s]) * (m_ + 1);
  return words * sizeof(uint32_t);
}

size_t Graph::memory_bytes() const {
  size_t level0 = file_backed() ? slots_ * layout_.stride : owned_.bytes();
  return level0 + upper_bytes() + levels_.capacity() + upper_.capacity() * sizeof(void*);
}

}  // namespace vecdex::hnsw
