// Shared helpers of the HNSW tests: clustered data, exact ground truth, recall.
#pragma once

#include <algorithm>
#include <cstddef>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "testing/status_matchers.h"
#include "vecdex/dataset.h"
#include "vecdex/filter.h"
#include "vecdex/index_factory.h"

namespace vecdex::testing {

struct HnswData {
  FloatMatrix base;
  FloatMatrix queries;
  std::vector<Id> ids;
};

// n clustered points (ids 1000 + 7 * i) and nq queries from the same mixture.
inline HnswData clustered(size_t n, size_t nq, size_t dim, uint64_t seed = 42) {
  SyntheticSpec spec;
  spec.n = n;
  spec.n_queries = nq;
  spec.dim = dim;
  spec.clusters = 20;
  spec.seed = seed;
  auto data = generate_clustered(spec);
  HnswData out;
  if (!data.ok()) return out;
  out.base = std::move(data->base);
  out.queries = std::move(data->queries);
  for (size_t i = 0; i < n; ++i) out.ids.push_back(1000 + 7 * i);
  return out;
}

// Exact top-k ids (squared L2) of every query among the rows whose id `keep` accepts.
template <typename Keep>
std::vector<std::vector<Id>> exact_topk(const FloatMatrix& base, const std::vector<Id>& ids,
                                        const FloatMatrix& queries, size_t k, Keep keep) {
  std::vector<std::vector<Id>> out(queries.rows);
  for (size_t q = 0; q < queries.rows; ++q) {
    std::vector<std::pair<float, Id>> all;
    for (size_t i = 0; i < base.rows; ++i) {
      if (!keep(ids[i])) continue;
      float d = 0;
      for (size_t j = 0; j < base.dim; ++j) {
        float t = queries.row(q)[j] - base.row(i)[j];
        d += t * t;
      }
      all.emplace_back(d, ids[i]);
    }
    size_t m = std::min(k, all.size());
    std::partial_sort(all.begin(), all.begin() + m, all.end());
    for (size_t i = 0; i < m; ++i) out[q].push_back(all[i].second);
  }
  return out;
}

inline std::vector<std::vector<Id>> exact_topk(const FloatMatrix& base, const std::vector<Id>& ids,
                                               const FloatMatrix& queries, size_t k) {
  return exact_topk(base, ids, queries, k, [](Id) { return true; });
}

// Fraction of the true neighbours found (rows with fewer true neighbours count what exists).
inline double recall(const SearchResults& r, const std::vector<std::vector<Id>>& truth) {
  size_t found = 0, total = 0;
  for (size_t q = 0; q < r.n; ++q) {
    std::set<Id> t(truth[q].begin(), truth[q].end());
    total += t.size();
    for (size_t i = 0; i < r.k; ++i) found += t.count(r.ids_row(q)[i]);
  }
  return total == 0 ? 1.0 : double(found) / double(total);
}

inline std::unique_ptr<Index> build(const std::string& spec, const HnswData& d,
                                    uint32_t threads = 0) {
  auto index = make_index(spec, d.base.dim, Metric::kL2);
  if (!index.ok()) return nullptr;
  if (!(*index)->train(d.base.view()).ok()) return nullptr;
  if (!(*index)->add(d.ids, d.base.view(), BuildOptions{threads}).ok()) return nullptr;
  return std::move(index).value();
}

}  // namespace vecdex::testing
