// PidBitmap's container-level transfer into dense bitsets. Reads CRoaring 0.2.66's container
// structs (installed public headers under roaring/containers/) because its API has no bulk
// "to bitset"; the per-member iterator costs ~2 ns a member, this ~0.1 ns for bitset containers.
#include "engine/payload_pid_bitmap.h"

#include <roaring/containers/containers.h>

#include <algorithm>

namespace vecdex::engine {

namespace {

// Applies `op(word_index, mask)` to every 64-bit word of a container's 65536-id span that holds
// members, restricted to words.size(). `base_word` is the span's first word.
template <typename Op>
void for_each_container_word(const roaring_bitmap_t& r, uint64_t chunk_base_word, size_t n_words,
                             Op op) {
  const roaring_array_t& ra = r.high_low_container;
  for (int32_t i = 0; i < ra.size; ++i) {
    uint64_t base_word = chunk_base_word + (static_cast<uint64_t>(ra.keys[i]) << 10);
    if (base_word >= n_words) return;  // keys ascend: the rest is past the universe too
    const void* c = ra.containers[i];
    uint8_t type = ra.typecodes[i];
    if (type == SHARED_CONTAINER_TYPE_CODE) {
      const auto* shared = static_cast<const shared_container_t*>(c);
      c = shared->container;
      type = shared->typecode;
    }
    auto set_one = [&](uint32_t low) {
      if (base_word + (low >> 6) < n_words) op(base_word + (low >> 6), uint64_t{1} << (low & 63));
    };
    if (type == BITSET_CONTAINER_TYPE_CODE) {
      const uint64_t* bits = static_cast<const bitset_container_t*>(c)->array;
      uint64_t limit = std::min<uint64_t>(1024, n_words - base_word);
      for (uint64_t w = 0; w < limit; ++w) {
        if (bits[w] != 0) op(base_word + w, bits[w]);
      }
    } else if (type == ARRAY_CONTAINER_TYPE_CODE) {
      const auto* arr = static_cast<const array_container_t*>(c);
      for (int32_t j = 0; j < arr->cardinality; ++j) set_one(arr->array[j]);
    } else if (type == RUN_CONTAINER_TYPE_CODE) {
      const auto* run = static_cast<const run_container_t*>(c);
      for (int32_t j = 0; j < run->n_runs; ++j) {
        uint32_t first = run->runs[j].value;
        uint32_t last = first + run->runs[j].length;  // inclusive
        for (uint32_t v = first; v <= last;) {
          uint32_t in_word = v & 63;
          uint32_t take = std::min<uint32_t>(64 - in_word, last - v + 1);
          uint64_t mask = take == 64 ? ~uint64_t{0} : ((uint64_t{1} << take) - 1) << in_word;
          if (base_word + (v >> 6) < n_words) op(base_word + (v >> 6), mask);
          v += take;
        }
      }
    }
  }
}

}  // namespace

void PidBitmap::set_bits(std::span<uint64_t> words) const {
  for (const auto& [h, r] : chunks_) {
    uint64_t chunk_base_word = static_cast<uint64_t>(h) << 26;  // (h << 32) / 64
    if (chunk_base_word >= words.size()) break;
    for_each_container_word(r.roaring, chunk_base_word, words.size(),
                            [&](uint64_t w, uint64_t mask) { words[w] |= mask; });
  }
}

void PidBitmap::clear_bits(std::span<uint64_t> words) const {
  for (const auto& [h, r] : chunks_) {
    uint64_t chunk_base_word = static_cast<uint64_t>(h) << 26;
    if (chunk_base_word >= words.size()) break;
    for_each_container_word(r.roaring, chunk_base_word, words.size(),
                            [&](uint64_t w, uint64_t mask) { words[w] &= ~mask; });
  }
}

}  // namespace vecdex::engine
