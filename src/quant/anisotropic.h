// Score-aware (anisotropic) product quantization for inner-product search, after Guo et al.,
// "Accelerating Large-Scale Inference with Anisotropic Vector Quantization" (ICML 2020, ScaNN).
//
// For a datapoint x and its reconstruction x~, the residual r = x - x~ splits into r_par (along
// x) and r_perp. Queries whose inner product with x reaches the threshold T * ||x|| are the ones
// that decide top-k results, and for them the parallel error costs more:
//   loss = h_par * ||r_par||^2 + h_perp * ||r_perp||^2,   eta = h_par / h_perp = (d-1) T^2 / (1-T^2)
// (the paper's Theorem 3.3 for w(t) = 1[t >= T], with T relative to ||x||). Divided by h_perp:
//   loss = ||r||^2 + (eta - 1) * <x, r>^2 / ||x||^2,
// which is what the functions below minimise: codes by coordinate descent over sub-spaces
// (refine_labels), codebooks by an exact least-squares solve per centroid (update_codebooks).
// Both steps never increase the loss. Rotations do not matter: inner products are preserved.
#pragma once

#include <cstddef>
#include <cstdint>

#include "vecdex/types.h"

namespace vecdex::quant::anisotropic {

// Coordinate-descent passes over the sub-spaces when encoding (stops earlier once no code moves).
inline constexpr size_t kMaxEncodePasses = 8;

// A read-only view of PQ codebooks: centroid c of sub-space j at (j * ksub + c) * dsub.
struct Codebooks {
  const float* centroids = nullptr;
  size_t m = 0;
  size_t ksub = 0;
  size_t dsub = 0;
  // Optional: the same centroids transposed per sub-space (dsub x ksub, see quant/pq_subspace.h),
  // which makes refine_labels several times faster for short sub-vectors.
  const float* transposed = nullptr;

  size_t dim() const { return m * dsub; }
  const float* centroid(size_t j, size_t c) const { return centroids + (j * ksub + c) * dsub; }
};

// eta = h_par / h_perp for threshold T in (0, 1) in `dim` dimensions (dim >= 2; 1 for dim 1).
double parallel_weight(float threshold, size_t dim);

// ||r||^2 + (eta - 1) <x, r>^2 / ||x||^2 with r = x - xhat (just ||r||^2 for x = 0), in double.
double score_aware_loss(const float* x, const float* xhat, size_t dim, double eta);

// Improves the code `labels` (m entries, one centroid index per sub-space) of x in place by
// coordinate descent: each sub-space in turn takes the centroid that minimises the loss with the
// others fixed. At most max_passes passes; stops after a pass that changed nothing.
// Thread-safe (no shared state); allocates nothing for ksub <= 256.
void refine_labels(const Codebooks& books, const float* x, double eta, size_t max_passes,
                   uint32_t* labels);

// For fixed labels (data.rows x m, row-major), replaces each centroid by the minimiser of the
// summed loss of the rows assigned to it, sub-space after sub-space (each solve sees the updated
// earlier sub-spaces). A centroid without rows, or whose system is singular, stays as it is.
// centroids: m * ksub * dsub floats, updated in place. Parallel over centroids (threads; 0 = all).
// Cost per call: O(rows * dim * dsub) plus ksub * m Cholesky solves of dsub x dsub.
void update_codebooks(float* centroids, size_t m, size_t ksub, size_t dsub, MatrixView data,
                      const uint32_t* labels, double eta, uint32_t threads);

}  // namespace vecdex::quant::anisotropic
