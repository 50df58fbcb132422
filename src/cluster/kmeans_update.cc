// The update half of a Lloyd iteration: centroids as cluster means, empty-cluster repair by
// splitting, and the spherical renormalisation.
#include <algorithm>
#include <cmath>
#include <vector>

#include "cluster/kmeans_steps.h"
#include "core/thread_pool.h"

namespace vecdex::cluster::internal {
namespace {

constexpr size_t kCentroidsPerTask = 8;
// FAISS's split perturbation: the two halves move apart by this relative amount per coordinate.
constexpr float kSplitEpsilon = 1.0f / 1024.0f;

}  // namespace

void update_centroids(MatrixView data, const uint32_t* labels, size_t k, uint32_t threads,
                      float* centroids, std::vector<size_t>& counts) {
  const size_t n = data.rows;
  const size_t dim = data.dim;
  // Counting sort of rows by label; rows of a cluster stay in row order, so each centroid's sum
  // is accumulated in one fixed order whichever thread computes it.
  counts.assign(k, 0);
  for (size_t i = 0; i < n; ++i) ++counts[labels[i]];
  std::vector<size_t> start(k + 1, 0);
  for (size_t j = 0; j < k; ++j) start[j + 1] = start[j] + counts[j];
  std::vector<size_t> members(n);
  {
    std::vector<size_t> next(start.begin(), start.end() - 1);
    for (size_t i = 0; i < n; ++i) members[next[labels[i]]++] = i;
  }
  ThreadPool& pool = default_thread_pool();
  const size_t tasks = (k + kCentroidsPerTask - 1) / kCentroidsPerTask;
  const size_t workers = pool.effective_threads(tasks, threads);
  std::vector<std::vector<double>> sums(workers, std::vector<double>(dim));
  pool.parallel_for(tasks, workers, [&](size_t task, size_t worker) {
    std::vector<double>& sum = sums[worker];
    const size_t j1 = std::min(k, (task + 1) * kCentroidsPerTask);
    for (size_t j = task * kCentroidsPerTask; j < j1; ++j) {
      if (counts[j] == 0) continue;
      std::fill(sum.begin(), sum.end(), 0.0);
      for (size_t m = start[j]; m < start[j + 1]; ++m) {
        const float* x = data.row(members[m]);
        for (size_t d = 0; d < dim; ++d) sum[d] += x[d];
      }
      const double inv = 1.0 / static_cast<double>(counts[j]);
      float* c = centroids + j * dim;
      for (size_t d = 0; d < dim; ++d) c[d] = static_cast<float>(sum[d] * inv);
    }
  });
}

size_t repair_empty_clusters(size_t k, size_t dim, float* centroids, std::vector<size_t>& counts) {
  size_t repairs = 0;
  for (size_t empty = 0; empty < k; ++empty) {
    if (counts[empty] != 0) continue;
    // The largest cluster (lowest index on ties) gives half of its rows to the empty one.
    const size_t big = static_cast<size_t>(
        std::max_element(counts.begin(), counts.end()) - counts.begin());
    if (counts[big] < 2) break;  // nothing left to split
    float* from = centroids + big * dim;
    float* to = centroids + empty * dim;
    for (size_t d = 0; d < dim; ++d) {
      const float up = from[d] * (1.0f + kSplitEpsilon);
      const float down = from[d] * (1.0f - kSplitEpsilon);
      to[d] = d % 2 == 0 ? up : down;
      from[d] = d % 2 == 0 ? down : up;
    }
    counts[empty] = counts[big] / 2;
    counts[big] -= counts[empty];
    ++repairs;
  }
  return repairs;
}

void normalize_rows(float* rows, size_t n, size_t dim) {
  for (size_t i = 0; i < n; ++i) {
    float* r = rows + i * dim;
    double sq = 0;
    for (size_t d = 0; d < dim; ++d) sq += double{r[d]} * r[d];
    if (!(sq > 0)) continue;
    const float inv = static_cast<float>(1.0 / std::sqrt(sq));
    for (size_t d = 0; d < dim; ++d) r[d] *= inv;
  }
}

}  // namespace vecdex::cluster::internal
