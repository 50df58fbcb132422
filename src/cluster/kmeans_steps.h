// Internal steps of kmeans() (kmeans.cc), split by responsibility: seeding and sampling
// (kmeans_init.cc), centroid update and empty-cluster repair (kmeans_update.cc), the balanced cap
// (balanced.cc) and the blocked distance table (assign.cc). Not part of the public API.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

#include "cluster/kmeans.h"
#include "vecdex/types.h"

namespace vecdex::cluster::internal {

// Uniform integer in [0, n) from 64 random bits (Lemire's multiply-shift; no
// implementation-defined std::uniform_int_distribution, so seeds reproduce everywhere).
inline uint64_t uniform_below(std::mt19937_64& rng, uint64_t n) {
  return static_cast<uint64_t>((static_cast<unsigned __int128>(rng()) * n) >> 64);
}
// Uniform double in [0, 1) from 53 random bits.
inline double uniform_unit(std::mt19937_64& rng) {
  return static_cast<double>(rng() >> 11) * 0x1.0p-53;
}

// `count` <= rows distinct row indices of [0, rows), ascending, uniformly drawn with `rng`
// (selection sampling: one pass over the row numbers, O(count) memory).
std::vector<size_t> sample_rows(size_t rows, size_t count, std::mt19937_64& rng);

// Writes k initial centroids (k x dim) chosen from the rows of `data` (k <= data.rows).
// k-means++: D^2 sampling over a uniform subsample of at most 16 * k rows; when every remaining
// row coincides with a chosen centroid, a uniformly random row is taken (duplicates then become
// empty clusters that the repair step splits).
void init_centroids(MatrixView data, size_t k, KMeansInit init, std::mt19937_64& rng,
                    uint32_t threads, float* centroids);

// Full distance table out[i * k + j] = distance(row i, centroid j) in assign_nearest's
// convention (squared L2 clamped at 0, or the negated inner product), via blocked sgemm.
void distance_table(MatrixView data, const float* centroids, size_t k, bool inner_product,
                    float* out, uint32_t threads);

// Recomputes every centroid as the mean of its rows (labels[i] in [0, k)); rows are summed in
// row order per centroid (double accumulators), so the result does not depend on `threads`.
// Centroids of empty clusters are left unchanged. counts[j] receives the size of cluster j.
void update_centroids(MatrixView data, const uint32_t* labels, size_t k, uint32_t threads,
                      float* centroids, std::vector<size_t>& counts);

// Re-seeds every empty cluster by splitting the currently largest one: the two centroids become
// copies of it nudged apart by a relative 1/1024 in opposite directions per coordinate (FAISS's
// perturbation). Returns how many clusters were re-seeded.
size_t repair_empty_clusters(size_t k, size_t dim, float* centroids, std::vector<size_t>& counts);

// Scales every centroid to unit length (zero vectors are left alone).
void normalize_rows(float* rows, size_t n, size_t dim);

}  // namespace vecdex::cluster::internal
