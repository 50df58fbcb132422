// Shared data and checks for the IVF tests: clustered Gaussian data (what IVF is built for),
// exact top-k by brute force, and recall.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "vecdex/index.h"
#include "vecdex/types.h"

namespace vecdex::ivf::testing {

// rows x dim floats around `clusters` random centres (spread 1, noise sigma 0.3), seeded.
inline std::vector<float> clustered(size_t rows, size_t dim, size_t clusters, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g(0.0f, 1.0f);
  std::vector<float> centres(clusters * dim);
  for (float& v : centres) v = g(rng);
  std::uniform_int_distribution<size_t> pick(0, clusters - 1);
  std::vector<float> out(rows * dim);
  for (size_t i = 0; i < rows; ++i) {
    const float* c = centres.data() + pick(rng) * dim;
    for (size_t j = 0; j < dim; ++j) out[i * dim + j] = c[j] + 0.3f * g(rng);
  }
  return out;
}

// Internal "smaller is better" key of x for q under metric (cosine: -cos).
inline double key(Metric metric, const float* q, const float* x, size_t dim) {
  double dot = 0, l2 = 0, qn = 0, xn = 0;
  for (size_t j = 0; j < dim; ++j) {
    dot += double(q[j]) * x[j];
    l2 += (double(q[j]) - x[j]) * (double(q[j]) - x[j]);
    qn += double(q[j]) * q[j];
    xn += double(x[j]) * x[j];
  }
  if (metric == Metric::kL2) return l2;
  if (metric == Metric::kInnerProduct) return -dot;
  return -dot / std::sqrt(qn * xn);
}

// Exact top-k ids (ids[i] for base row i) of every query, optionally only rows allowed by keep.
template <typename Keep>
std::vector<std::vector<Id>> exact_topk(Metric metric, const std::vector<float>& base,
                                        const std::vector<Id>& ids, const std::vector<float>& qs,
                                        size_t dim, size_t k, Keep keep) {
  const size_t n = base.size() / dim;
  const size_t nq = qs.size() / dim;
  std::vector<std::vector<Id>> out(nq);
  for (size_t q = 0; q < nq; ++q) {
    std::vector<std::pair<double, Id>> all;
    for (size_t i = 0; i < n; ++i) {
      if (!keep(ids[i])) continue;
      all.emplace_back(key(metric, qs.data() + q * dim, base.data() + i * dim, dim), ids[i]);
    }
    const size_t kk = std::min(k, all.size());
    std::partial_sort(all.begin(), all.begin() + kk, all.end());
    for (size_t i = 0; i < kk; ++i) out[q].push_back(all[i].second);
  }
  return out;
}

inline std::vector<std::vector<Id>> exact_topk(Metric metric, const std::vector<float>& base,
                                               const std::vector<Id>& ids,
                                               const std::vector<float>& qs, size_t dim,
                                               size_t k) {
  return exact_topk(metric, base, ids, qs, dim, k, [](Id) { return true; });
}

// Share of the true top-k found in the result rows.
inline double recall(const SearchResults& r, const std::vector<std::vector<Id>>& truth) {
  size_t found = 0, possible = 0;
  for (size_t q = 0; q < truth.size(); ++q) {
    std::set<Id> t(truth[q].begin(), truth[q].end());
    possible += t.size();
    for (size_t i = 0; i < r.k; ++i) found += t.count(r.ids_row(q)[i]);
  }
  return possible == 0 ? 1.0 : double(found) / double(possible);
}

}  // namespace vecdex::ivf::testing
