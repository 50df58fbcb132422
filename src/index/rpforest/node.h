// The 16-byte node of a random-projection tree, as stored in memory and in the rpf.nodes file
// section (docs/file-format.md §RPForest). Nodes of every tree live in one flat array and refer
// to each other by index, so the array is position-independent and usable in place from a map.
#pragma once

#include <bit>
#include <cstdint>

namespace vecdex::rpforest {

// A split node sends a point x to the right child when margin(x) = <normal, x> + bias > 0, else
// to the left. A leaf lists the slots it holds as a run of the leaf-entry array.
//   split:  normal = row of the unit normal in the normal array, or kRandomSplit
//           a = left child, b = right child, c = bias (f32 bits)
//   leaf:   normal = kLeafMark, a = first entry, b = entry count, c = capacity (entries
//           reserved at a; count <= capacity, extra room for add())
// A kRandomSplit node has no normal (margin 0 for every query): it was made where no hyperplane
// separated the points (e.g. duplicates), by cutting them in two at random.
struct Node {
  static constexpr uint32_t kLeafMark = 0xFFFFFFFFu;
  static constexpr uint32_t kRandomSplit = 0xFFFFFFFEu;
  static constexpr uint32_t kMaxNormals = kRandomSplit;  // normal rows are < this

  uint32_t normal = kLeafMark;
  uint32_t a = 0;
  uint32_t b = 0;
  uint32_t c = 0;

  static Node split(uint32_t normal_row, uint32_t left, uint32_t right, float bias) {
    return Node{normal_row, left, right, std::bit_cast<uint32_t>(bias)};
  }
  static Node leaf(uint32_t offset, uint32_t count, uint32_t capacity) {
    return Node{kLeafMark, offset, count, capacity};
  }

  bool is_leaf() const { return normal == kLeafMark; }
  bool is_random_split() const { return normal == kRandomSplit; }
  uint32_t left() const { return a; }
  uint32_t right() const { return b; }
  float bias() const { return std::bit_cast<float>(c); }
  uint32_t offset() const { return a; }
  uint32_t count() const { return b; }
  uint32_t capacity() const { return c; }
};
static_assert(sizeof(Node) == 16);

}  // namespace vecdex::rpforest
