// Build parameters of the RPForest family and their parsing from a factory spec such as
// "RPForest50", "RPForest20,leaf=64,seed=7" (docs/factory-strings.md §RPForest).
#pragma once

#include <cstddef>
#include <cstdint>

#include "index/factory/spec_parser.h"
#include "vecdex/result.h"

namespace vecdex::rpforest {

// A forest of random-projection trees in the spirit of Annoy (Bernhardsson, Spotify): each tree
// splits the points recursively by hyperplanes until a node holds at most `leaf` points.
struct RpForestParams {
  // Number of trees (the stage number, RPForest<ntrees>). More trees: better recall at a given
  // search_k, more memory and build time. Annoy leaves it to the user; 10..100 is typical.
  // Range [1, 4096].
  uint32_t ntrees = 50;
  // K: a node with at most this many points becomes a leaf (Annoy's K, which it ties to the
  // dimension). Each split stores a dim-float normal, so the forest costs about
  // ntrees * (4 + 4 dim / (0.7 leaf)) bytes per point. Build option leaf=<n>, range [1, 1<<20].
  // Default 32: on Fashion-MNIST it reached a given recall ~10% faster than 64 (with twice the
  // forest memory) and as fast as 16 (docs/factory-strings.md §RPForest).
  uint32_t leaf = 32;
  // Seed of the split sampling; every tree draws from its own seeded generator, so a build is
  // deterministic for a seed at any thread count. Build option seed=<n>. Default 42.
  uint64_t seed = 42;

  // InvalidArgument when a field is out of range.
  Status validate() const;
};

inline constexpr uint32_t kMaxTrees = 4096;
inline constexpr uint32_t kMaxLeaf = 1u << 20;

// Parses and validates the spec (first stage RPForest<ntrees>, no other stage). Errors name the
// token and position.
Result<RpForestParams> parse_rpforest_spec(const factory::ParsedSpec& spec);

}  // namespace vecdex::rpforest
