// Basic vocabulary shared by every layer: ids, metrics, element types, matrix views.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string_view>

#include "vecdex/result.h"

namespace vecdex {

// External id of a vector, chosen by the user (u64). Indexes map it to an internal Slot.
using Id = uint64_t;
// Internal, dense position of a vector inside one index.
using Slot = uint32_t;
// Padding id for result rows with fewer than k hits (their distance is +inf for L2, -inf score
// for inner product / cosine).
inline constexpr Id kNoId = std::numeric_limits<Id>::max();

// How "close" is measured. Meaning of the numbers in SearchResults::distances:
//   kL2           squared Euclidean distance; smaller is better; rows sorted ascending.
//   kInnerProduct dot product <q, x>; larger is better; rows sorted descending.
//   kCosine       cosine similarity in [-1, 1] (vectors are normalized on insert and on query,
//                 then compared by inner product); larger is better; rows sorted descending.
enum class Metric : uint8_t { kL2 = 0, kInnerProduct = 1, kCosine = 2 };

// "l2", "ip", "cosine".
std::string_view metric_name(Metric metric);
// Parses "l2" | "ip" | "cosine" (also "L2", "inner_product", "angular"); error names the input.
Result<Metric> parse_metric(std::string_view text);
// True when a larger reported value is better (inner product, cosine).
inline bool metric_is_similarity(Metric metric) { return metric != Metric::kL2; }

// Storage type of vector elements (kernels exist for each; public Index calls take f32).
enum class ElementType : uint8_t {
  kF32 = 0,
  kF16 = 1,
  kBF16 = 2,
  kInt8 = 3,
  kUInt8 = 4,
  kBinary = 5,  // bit-packed, Hamming distance
};
std::string_view element_type_name(ElementType type);

// A read-only, row-major view of `rows` float32 vectors of `dim` elements each, row i starting
// at data + i * dim. Does not own its memory.
struct MatrixView {
  const float* data = nullptr;
  size_t rows = 0;
  size_t dim = 0;

  const float* row(size_t i) const { return data + i * dim; }
};

}  // namespace vecdex
