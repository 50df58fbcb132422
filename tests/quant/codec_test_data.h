// Seeded data and exact-vs-codec comparisons shared by the codec tests: clustered vectors,
// f64 reference distances in the codec's "smaller is better" convention, and recall@k of brute
// force over codes against brute force over the original vectors.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "quant/codec.h"
#include "vecdex/types.h"

namespace vecdex::quant::testing {

// rows x dim: `clusters` centres uniform in [-1, 1), points = centre + N(0, spread^2) per dim.
inline std::vector<float> clustered(size_t rows, size_t dim, size_t clusters, float spread,
                                    uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::normal_distribution<float> noise(0.0f, spread);
  std::vector<float> centres(clusters * dim);
  for (float& c : centres)
    c = uniform(rng);
  std::uniform_int_distribution<size_t> pick(0, clusters - 1);
  std::vector<float> out(rows * dim);
  for (size_t i = 0; i < rows; ++i) {
    const float* c = centres.data() + pick(rng) * dim;
    for (size_t j = 0; j < dim; ++j)
      out[i * dim + j] = c[j] + noise(rng);
  }
  return out;
}

// Scales every row to unit length (what Cosine does before the codec sees a vector).
inline void normalize_rows(std::vector<float>& data, size_t dim) {
  for (size_t i = 0; i < data.size() / dim; ++i) {
    double norm = 0.0;
    for (size_t j = 0; j < dim; ++j)
      norm += static_cast<double>(data[i * dim + j]) * data[i * dim + j];
    const float inv = norm > 0.0 ? static_cast<float>(1.0 / std::sqrt(norm)) : 0.0f;
    for (size_t j = 0; j < dim; ++j)
      data[i * dim + j] *= inv;
  }
}

// Squared L2 for kL2, minus the inner product otherwise (the codec's convention), in double.
inline double exact_distance(Metric metric, const float* q, const float* x, size_t dim) {
  double sum = 0.0;
  for (size_t j = 0; j < dim; ++j) {
    if (metric == Metric::kL2) {
      const double d = static_cast<double>(q[j]) - x[j];
      sum += d * d;
    } else {
      sum -= static_cast<double>(q[j]) * x[j];
    }
  }
  return sum;
}

// Indices of the k smallest scores.
inline std::vector<size_t> top_k(const std::vector<double>& scores, size_t k) {
  std::vector<size_t> idx(scores.size());
  std::iota(idx.begin(), idx.end(), size_t{0});
  k = std::min(k, idx.size());
  std::partial_sort(idx.begin(), idx.begin() + static_cast<std::ptrdiff_t>(k), idx.end(),
                    [&](size_t a, size_t b) { return scores[a] < scores[b]; });
  idx.resize(k);
  return idx;
}

// Mean recall@k of brute force over `codec`'s codes of `base` against exact brute force.
inline double codec_recall(const Codec& codec, const std::vector<float>& base,
                           const std::vector<float>& queries, size_t k) {
  const size_t dim = codec.dim();
  const size_t n = base.size() / dim;
  const size_t nq = queries.size() / dim;
  std::vector<uint8_t> codes(n * codec.code_bytes());
  for (size_t i = 0; i < n; ++i)
    codec.encode(base.data() + i * dim, codes.data() + i * codec.code_bytes());
  PreparedQuery prepared;
  size_t hits = 0;
  for (size_t qi = 0; qi < nq; ++qi) {
    const float* q = queries.data() + qi * dim;
    std::vector<double> exact(n), approx(n);
    codec.prepare(q, prepared);
    for (size_t i = 0; i < n; ++i) {
      exact[i] = exact_distance(codec.metric(), q, base.data() + i * dim, dim);
      approx[i] = prepared.distance(codes.data() + i * codec.code_bytes());
    }
    const std::vector<size_t> want = top_k(exact, k);
    const std::vector<size_t> got = top_k(approx, k);
    for (size_t id : got)
      hits += std::count(want.begin(), want.end(), id);
  }
  return static_cast<double>(hits) / static_cast<double>(nq * k);
}

}  // namespace vecdex::quant::testing
