// PCA lower bounds for exact Flat search: an orthonormal projection P (the top principal
// directions of the data) turns every vector v into a short "augmented" row
//     aug(v) = (P (v - mu), t_v),   t_v = || (v - mu) - P^T P (v - mu) ||   (the tail norm)
// and, by Pythagoras plus the triangle / Cauchy-Schwarz inequality on the complement of P,
//     L2: ||q - x||^2 >= ||aug(q) - aug(x)||^2            (mu = the data mean)
//     IP:       q . x <= aug(q) . aug(x)                  (mu = 0)
// So a scan over the short rows bounds every distance, and only rows whose bound can beat the
// current k-th exact distance need the full row (flat_pruned_search.cc). The bounds only prune;
// results are always exact distances on the original rows.
#pragma once

#include <cstddef>
#include <memory>

#include "core/aligned_buffer.h"
#include "core/distance/distance.h"
#include "vecdex/result.h"

namespace vecdex::flat {

// How a projection is learned and when it is used at all.
struct PcaLearnOptions {
  size_t sample_rows = 12000;     // rows of the covariance sample (evenly spaced)
  double target_variance = 0.85;  // smallest width whose directions capture this share...
  double min_variance = 0.80;     // ...and no pruning when even the widest captures less
  size_t max_width = 256;         // cap on the augmented width (also capped at dim / 4)
};

// A learned projection. Augmented rows are `width` floats: `directions` = width - 1 projected
// coordinates, then the tail norm. width is a multiple of 16 (aligned, SIMD-friendly rows).
struct PcaModel {
  size_t dim = 0;
  size_t width = 0;
  size_t directions = 0;
  bool centred = false;          // L2: rows are centred on `mean` first; IP / cosine: mean = 0
  float captured = 0.0f;         // share of the sample variance the directions capture
  AlignedBuffer<float> mean;     // dim
  AlignedBuffer<float> basis;    // directions x dim, orthonormal rows
  AlignedBuffer<float> basis_t;  // dim x directions (the transpose, for the residual)

  // Fills basis_t from basis (after load). ResourceExhausted on allocation failure.
  Status finish();
};

// Learns a projection from rows [0, n) (row-major, n x dim). Returns nullptr when the spectrum
// is too flat for the bounds to pay (see PcaLearnOptions) or dim < 64. `centre` selects the L2
// form (centred on the sample mean) over the inner-product form.
Result<std::unique_ptr<PcaModel>> learn_pca(const float* rows, size_t n, size_t dim, bool centre,
                                            const PcaLearnOptions& options);

// Writes aug(row) for n rows into aug (n x model.width) and ||aug(row)||^2 into norms (n).
// `scratch` is resized as needed (blocks of rows are centred and projected with sgemm).
Status project_rows(const PcaModel& model, const float* rows, size_t n,
                    const distance::KernelTable& kernels, AlignedBuffer<float>& scratch,
                    float* aug, float* norms);

// Relative slack of a bound against float rounding, times (||aug(q)||^2 + ||aug(x)||^2); and
// the absolute slack for values so small that relative error bounds no longer hold (denormals).
// See flat_pruned_search.cc for the error budget.
inline constexpr float kBoundRelativeSlack = 1e-4f;
inline constexpr float kBoundAbsoluteSlack = 1e-30f;

}  // namespace vecdex::flat
