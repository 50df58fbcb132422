// assign_balanced: nearest-centroid assignment under a per-cluster size cap (the balanced
// partitions SPANN-style indexes want, and the balanced variant of kmeans()). Algorithm in
// cluster/kmeans.h.
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include <fmt/format.h>

#include "cluster/kmeans.h"
#include "cluster/kmeans_steps.h"

namespace vecdex::cluster {
namespace {

constexpr size_t kOverflowChunk = 1024;  // overflow rows per distance-table pass

}  // namespace

Status assign_balanced(MatrixView data, const float* centroids, size_t k, bool inner_product,
                       size_t max_cluster_size, uint32_t* labels, float* distances,
                       uint32_t threads) {
  const size_t n = data.rows;
  if (max_cluster_size == 0) {
    return invalid_argument("assign_balanced: max_cluster_size must be at least 1");
  }
  if (k == 0 || max_cluster_size < (n + k - 1) / k) {
    return invalid_argument(fmt::format(
        "assign_balanced: {} clusters of at most {} rows cannot hold {} rows (need "
        "max_cluster_size >= {})", k, max_cluster_size, n, k == 0 ? n : (n + k - 1) / k));
  }
  if (n == 0) return Status();
  std::vector<float> own_distances;
  if (distances == nullptr) {
    own_distances.resize(n);
    distances = own_distances.data();
  }
  assign_nearest(data, centroids, k, inner_product, labels, distances, threads);

  std::vector<size_t> counts(k, 0);
  for (size_t i = 0; i < n; ++i) ++counts[labels[i]];
  std::vector<std::vector<size_t>> members(k);
  for (size_t i = 0; i < n; ++i) {
    if (counts[labels[i]] > max_cluster_size) members[labels[i]].push_back(i);
  }
  // Farther first, then lower row: a strict total order, so the outcome is fully determined.
  auto farther = [&](size_t a, size_t b) {
    return distances[a] > distances[b] || (distances[a] == distances[b] && a < b);
  };
  std::vector<size_t> overflow;
  for (size_t j = 0; j < k; ++j) {
    if (counts[j] <= max_cluster_size) continue;
    std::vector<size_t>& rows = members[j];
    const size_t extra = counts[j] - max_cluster_size;
    std::partial_sort(rows.begin(), rows.begin() + extra, rows.end(), farther);
    overflow.insert(overflow.end(), rows.begin(), rows.begin() + extra);
    counts[j] = max_cluster_size;
  }
  if (overflow.empty()) return Status();
  std::sort(overflow.begin(), overflow.end(), farther);

  const size_t dim = data.dim;
  const size_t chunk = std::min(kOverflowChunk, overflow.size());
  std::vector<float> gathered(chunk * dim);
  std::vector<float> table(chunk * k);
  for (size_t o0 = 0; o0 < overflow.size(); o0 += chunk) {
    const size_t oc = std::min(chunk, overflow.size() - o0);
    for (size_t i = 0; i < oc; ++i) {
      std::memcpy(gathered.data() + i * dim, data.row(overflow[o0 + i]), dim * sizeof(float));
    }
    internal::distance_table(MatrixView{gathered.data(), oc, dim}, centroids, k, inner_product,
                             table.data(), threads);
    for (size_t i = 0; i < oc; ++i) {
      const float* row = table.data() + i * k;
      float best = std::numeric_limits<float>::infinity();
      size_t best_j = k;
      for (size_t j = 0; j < k; ++j) {
        if (counts[j] < max_cluster_size && (row[j] < best || best_j == k)) {
          best = row[j];
          best_j = j;
        }
      }
      // Room always exists: k * max_cluster_size >= n was checked above.
      const size_t r = overflow[o0 + i];
      labels[r] = static_cast<uint32_t>(best_j);
      distances[r] = best;
      ++counts[best_j];
    }
  }
  return Status();
}

}  // namespace vecdex::cluster
