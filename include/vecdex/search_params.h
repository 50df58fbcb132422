// SearchParams: per-request search knobs, parsed once from a string such as "ef=64" or
// "nprobe=16,rerank=100". Nothing on an index changes per request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vecdex/result.h"

namespace vecdex {

struct SearchParams {
  // HNSW: size of the dynamic candidate list (ef_search in Malkov & Yashunin). hnswlib default 10.
  std::optional<uint32_t> ef;
  // IVF: number of inverted lists probed. FAISS default 1.
  std::optional<uint32_t> nprobe;
  // Refine stages: number of candidates re-scored with exact vectors.
  std::optional<uint32_t> rerank;
  // RPForest: number of nodes inspected (Annoy's search_k).
  std::optional<uint32_t> search_k;
  // Threads for a batch of queries; 0 or unset = all cores. Single-query calls use one thread.
  std::optional<uint32_t> threads;

  // True when any key is set (cheap; keys_set() allocates).
  bool any_set() const { return ef || nprobe || rerank || search_k || threads; }
  // Names of the keys that are set, in canonical order (ef, nprobe, rerank, search_k, threads).
  std::vector<std::string> keys_set() const;
  // Canonical text form, keys in canonical order: "ef=64,threads=1" ("" when nothing is set).
  // parse_search_params(p.to_string()) gives back p.
  std::string to_string() const;
};

// Parses "key=value[,key=value...]" (spaces around tokens are ignored; "" gives no keys).
// Unknown keys, repeated keys, empty tokens, and values that are not positive integers that fit
// in 32 bits (threads may be 0) are InvalidArgument naming the token and its position.
Result<SearchParams> parse_search_params(std::string_view text);

}  // namespace vecdex
