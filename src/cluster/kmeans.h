// k-means clustering on BLAS: the coarse quantizer of IVF, the codebook trainer of PQ, and (with a
// size cap) the balanced partitioner SPANN will use. Assignment is the norm trick over
// OpenBLAS sgemm (core/blas.h) in blocks on the thread pool.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex::cluster {

enum class KMeansInit : uint8_t {
  // k-means++ seeding (D^2 sampling) on a uniform subsample of at most 16 * k training rows.
  // Better starts, fewer bad local minima; on Fashion-MNIST at k = 1024 it adds ~15% to 20
  // Lloyd iterations (distance computations pruned by the triangle inequality).
  kPlusPlus = 0,
  kRandom = 1,    // k distinct random rows of the sample (FAISS's default; nearly free)
};

// Options for kmeans(). Every field has a default that matches common practice (FAISS's Clustering
// defaults where they exist).
struct KMeansOptions {
  size_t k = 0;                           // number of centroids; 1 <= k <= training rows
  size_t iterations = 20;                 // Lloyd iterations (stops early when nothing moves)
  size_t max_points_per_centroid = 256;   // train on a random sample of at most k * this rows
  size_t min_points_per_centroid = 1;     // fewer rows than k * this: still runs, no sampling
  KMeansInit init = KMeansInit::kPlusPlus;
  uint64_t seed = 1234;                   // same seed + same data -> same centroids
  uint32_t threads = 0;                   // 0 = all cores; results do not depend on it
  // Spherical k-means (inner-product data): centroids are renormalised to unit length after
  // every update and assignment maximises the inner product.
  bool spherical = false;
  // Balanced variant: no cluster may hold more than this many of the training rows (0 = no cap).
  // Must be >= ceil(rows / k). Rows that would overflow their nearest centroid go to the nearest
  // one with room (see assign_balanced).
  size_t max_cluster_size = 0;
};

struct KMeansResult {
  size_t k = 0;
  size_t dim = 0;
  std::vector<float> centroids;  // k x dim, row-major
  double objective = 0;          // final sum of distances of the training sample (see kmeans())
  size_t iterations_run = 0;         // centroid updates done (< iterations when it converged)
  size_t empty_cluster_repairs = 0;  // times an empty cluster was re-seeded by splitting a big one
  size_t training_rows = 0;          // rows actually used (after sampling)
};

// Trains k centroids on `data` (any number of threads; results depend only on data + options).
//
// Algorithm: if rows > k * max_points_per_centroid, a uniform sample of that many rows (fixed by
// `seed`) is the training set. Seeding per `init`. Then: assign every training row to its nearest
// centroid; repeat `iterations` times { centroid = mean of its rows (renormalised if spherical);
// empty clusters are re-seeded by splitting the largest cluster (its centroid copied and both
// copies nudged apart by 1/1024 relative, FAISS's perturbation); reassign }, stopping early when
// an assignment changes no label. `objective` therefore belongs to the returned centroids.
//
// Balanced (max_cluster_size > 0): every assignment is followed by the cap of assign_balanced()
// (below). With sampling the cap is scaled to the sample: ceil(max_cluster_size * sample / rows).
//
// Errors (InvalidArgument, message names the value): k == 0, k > rows, dim == 0, null data,
// NaN/Inf in the data (row and column named), max_points_per_centroid == 0, or a
// max_cluster_size below ceil(rows / k). Out of memory: ResourceExhausted.
// Objective: sum over training rows of the squared L2 distance to their centroid; spherical:
// the sum of NEGATED inner products (so smaller is better either way).
// Thread-safe: concurrent calls share only the thread pool.
Result<KMeansResult> kmeans(MatrixView data, const KMeansOptions& options);

// Nearest centroid (squared L2, or largest inner product when `inner_product`) for every row of
// `data`: labels[i] in [0, k), distances[i] = squared L2 (or the NEGATED inner product) to it.
// `distances` may be null. Ties go to the lower centroid index. Uses sgemm in blocks (the norm
// trick, so L2 distances carry float rounding of ~1e-6 relative to the norms); fewer than 4 rows
// (single queries) use the exact SIMD kernels instead. threads = 0 means all cores; results never
// depend on it.
// Preconditions (not checked; callers validate): centroids hold k x data.dim finite floats.
// Thread-safe: concurrent calls are fine.
void assign_nearest(MatrixView data, const float* centroids, size_t k, bool inner_product,
                    uint32_t* labels, float* distances, uint32_t threads);

// The `n` nearest centroids of each row, best first: labels/distances are rows x n (same
// distance convention as assign_nearest). Requires n <= k (columns past k would be padded with
// label UINT32_MAX and distance +inf). Used by IVF to pick nprobe lists.
// n <= 32 keeps an insertion-sorted array per row, larger n a heap. Same preconditions and
// thread safety as assign_nearest.
void nearest_centroids(MatrixView data, const float* centroids, size_t k, size_t n,
                       bool inner_product, uint32_t* labels, float* distances, uint32_t threads);

// Capacity-constrained assignment: like assign_nearest, but no centroid receives more than
// `max_cluster_size` rows. Algorithm: (1) plain nearest assignment; (2) in every cluster over the
// cap, the rows farthest from its centroid beyond the first max_cluster_size become overflow;
// (3) overflow rows, farthest first (ties by row), each go to the nearest centroid that still has
// room. Greedy, so not the optimal transport assignment, but every row keeps its nearest centroid
// unless that one is full. InvalidArgument when k * max_cluster_size < rows or
// max_cluster_size == 0. `distances` may be null.
Status assign_balanced(MatrixView data, const float* centroids, size_t k, bool inner_product,
                       size_t max_cluster_size, uint32_t* labels, float* distances,
                       uint32_t threads);

}  // namespace vecdex::cluster
