// Build parameters of the HNSW family and their parsing from a factory spec such as
// "HNSW32", "HNSW16,efc=100", "HNSW32,SQ8,Refine,seed=7" (docs/factory-strings.md §HNSW).
#pragma once

#include <cstdint>

#include "index/factory/spec_parser.h"
#include "quant/codec.h"
#include "vecdex/result.h"

namespace vecdex::hnsw {

// Symbols follow Malkov & Yashunin, "Efficient and robust approximate nearest neighbor search
// using Hierarchical Navigable Small World graphs" (2018).
struct HnswParams {
  // M: links per node on levels >= 1 (the stage number, HNSW<M>). hnswlib has no default;
  // FAISS's HNSW32 uses 32. Range [2, 256].
  uint32_t m = 32;
  // M0 (M_max0): links per node on level 0. Default 2 * M, as the paper and hnswlib do.
  // Build option m0=<n>, range [M, 1024].
  uint32_t m0 = 64;
  // efConstruction: beam width while inserting. Default 200 (hnswlib's example value;
  // FAISS uses 40). Build option efc=<n>, range [1, 65535].
  uint32_t ef_construction = 200;
  // Seed of the level generator; a one-thread build is deterministic for a fixed seed.
  // Build option seed=<n>. Default 42.
  uint64_t seed = 42;
  // Storage stage: F32 (default), FP16, BF16 or SQ8.
  quant::CodecKind codec = quant::CodecKind::kF32;
  // "Refine" stage: also keep the f32 originals so the rerank=R search parameter can re-score
  // the best R candidates exactly. Only meaningful with a lossy codec.
  bool refine = false;

  // InvalidArgument when a field is out of range.
  Status validate() const;
  // mL = 1 / ln(M): the level multiplier of the paper's level distribution.
  double level_multiplier() const;
};

// Parses and validates the spec (first stage HNSW<M>). Errors name the token and position.
Result<HnswParams> parse_hnsw_spec(const factory::ParsedSpec& spec);

}  // namespace vecdex::hnsw
