// Builds one random-projection tree over a set of slots: recursive hyperplane splits learned by
// a few 2-means steps, until a node holds at most `leaf` points (see rpforest_index.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "core/distance/distance.h"
#include "index/rpforest/node.h"
#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex::rpforest {

// What the builder reads. Rows are slot-indexed: slot s at vectors + s * dim.
struct TreeInput {
  const float* vectors = nullptr;
  size_t dim = 0;
  // true for inner product / cosine: angular splits through the origin (bias 0), learned on
  // normalised points. false for L2: the plane through the midpoint of the two centroids.
  bool angular = false;
  uint32_t leaf = 64;
  const distance::KernelTable* kernels = nullptr;
};

// A tree in local numbering: nodes[0] is the root, children index `nodes`, split normals index
// the rows of `normals` (dim floats each), and leaves index `entries`, which holds the input
// slots permuted so that every leaf's slots are one contiguous run (capacity == count).
struct BuiltTree {
  std::vector<Node> nodes;
  std::vector<float> normals;
  std::vector<Slot> entries;
};

// Builds a tree over `slots` (any order; may be empty, giving a single empty leaf).
// Deterministic for (input rows, slots, seed). ResourceExhausted when memory runs out.
Result<BuiltTree> build_tree(const TreeInput& in, std::vector<Slot> slots, uint64_t seed);

// A well-mixed 64-bit value of (a, b) (SplitMix64 finaliser): seeds of trees and of leaf splits.
uint64_t mix_seed(uint64_t a, uint64_t b);

}  // namespace vecdex::rpforest
