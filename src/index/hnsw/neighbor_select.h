// Malkov & Yashunin's neighbour-selection heuristic (Alg. 4, without extendCandidates and
// keepPrunedConnections): walk the candidates from nearest to farthest and keep one only if it
// is closer to the base node than to every neighbour already kept. It spreads links over
// directions, which keeps clustered data connected.
#pragma once

#include <algorithm>
#include <cstddef>
#include <vector>

#include "index/hnsw/graph.h"

namespace vecdex::hnsw {

struct Neighbor {
  float dist;  // to the base node, internal convention
  Slot slot;
  bool operator<(const Neighbor& o) const { return dist < o.dist || (dist == o.dist && slot < o.slot); }
};

// Selects at most max_links of `candidates` (sorted ascending) into `out`. `pair` is a scorer
// used for candidate-to-kept distances (prepare_code re-targets it). With no more candidates
// than max_links all are kept, as hnswlib does: there is nothing to prune for.
template <typename Scorer>
void select_neighbors(const Graph& g, Scorer& pair, const std::vector<Neighbor>& candidates,
                      size_t max_links, std::vector<Neighbor>& out) {
  out.clear();
  if (candidates.size() <= max_links) {
    out = candidates;
    return;
  }
  for (const Neighbor& c : candidates) {
    if (out.size() >= max_links) break;
    bool keep = true;
    if (!out.empty()) {
      pair.prepare_code(g.code(c.slot));
      for (const Neighbor& kept : out) {
        if (pair(g.code(kept.slot)) < c.dist) {
          keep = false;
          break;
        }
      }
    }
    if (keep) out.push_back(c);
  }
}

// Writes `links` as the level-`level` list of s. Caller holds g.lock(s). Words are published
// before the count, so a concurrent reader never reads past what was written.
inline void write_list(Graph& g, Slot s, int level, const std::vector<Neighbor>& links) {
  uint32_t* list = g.mutable_list(s, level);
  for (size_t i = 0; i < links.size(); ++i) store_word(list + 1 + i, links[i].slot);
  store_word(list, static_cast<uint32_t>(links.size()));
}

}  // namespace vecdex::hnsw
