// Learning a PCA projection (covariance of a sample with ssyrk, top eigenvectors with LAPACK
// dsyevr in double precision) and projecting rows into augmented form with sgemm.
#include "index/flat/pca_bounds.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "core/blas.h"
#include "core/lapack.h"

namespace vecdex::flat {
namespace {

constexpr size_t kWidthStep = 16;
constexpr size_t kMinDim = 64;
constexpr size_t kProjectBlock = 1024;  // rows centred and projected per sgemm

}  // namespace

Status PcaModel::finish() {
  VECDEX_RETURN_IF_ERROR(basis_t.resize_exact(dim * directions));
  for (size_t i = 0; i < directions; ++i) {
    for (size_t j = 0; j < dim; ++j) basis_t[j * directions + i] = basis[i * dim + j];
  }
  return Status();
}

Result<std::unique_ptr<PcaModel>> learn_pca(const float* rows, size_t n, size_t dim, bool centre,
                                            const PcaLearnOptions& options) {
  const size_t max_width = std::min(options.max_width, dim / 4) / kWidthStep * kWidthStep;
  if (dim < kMinDim || max_width < kWidthStep || n < 2) return std::unique_ptr<PcaModel>();
  const size_t m = std::min(n, std::max<size_t>(options.sample_rows, 2));

  auto model = std::make_unique<PcaModel>();
  model->dim = dim;
  model->centred = centre;
  VECDEX_RETURN_IF_ERROR(model->mean.resize_exact(dim));
  std::fill(model->mean.data(), model->mean.data() + dim, 0.0f);
  // Evenly spaced sample rows (deterministic; rows arrive in caller order, often clustered).
  std::vector<size_t> pick(m);
  for (size_t i = 0; i < m; ++i) pick[i] = i * n / m;
  if (centre) {
    std::vector<double> sum(dim, 0.0);
    for (size_t i : pick) {
      const float* r = rows + i * dim;
      for (size_t j = 0; j < dim; ++j) sum[j] += r[j];
    }
    for (size_t j = 0; j < dim; ++j) model->mean[j] = static_cast<float>(sum[j] / double(m));
  }
  AlignedBuffer<float> sample;
  VECDEX_RETURN_IF_ERROR(sample.resize_exact(m * dim));
  for (size_t i = 0; i < m; ++i) {
    const float* r = rows + pick[i] * dim;
    float* s = sample.data() + i * dim;
    for (size_t j = 0; j < dim; ++j) s[j] = r[j] - model->mean[j];
  }
  AlignedBuffer<float> cov;
  VECDEX_RETURN_IF_ERROR(cov.resize_exact(dim * dim));
  lapack::syrk_ata(dim, m, 1.0f / static_cast<float>(m), sample.data(), dim, cov.data());
  double total = 0;
  for (size_t j = 0; j < dim; ++j) total += cov[j * dim + j];
  if (!(total > 0)) return std::unique_ptr<PcaModel>();

  VECDEX_ASSIGN_OR_RETURN(lapack::TopEigen eig, lapack::top_eigen(cov.data(), dim, max_width - 1));
  // Smallest width reaching the target share; the widest one otherwise.
  size_t width = max_width;
  double captured = 0;
  double running = 0;
  for (size_t i = 0; i + 1 < max_width; ++i) {
    running += std::max(0.0, eig.values[i]);
    if ((i + 2) % kWidthStep == 0) {  // i + 1 directions + the tail = a full width
      captured = running / total;
      if (captured >= options.target_variance) {
        width = i + 2;
        break;
      }
    }
  }
  if (captured < options.min_variance) return std::unique_ptr<PcaModel>();
  model->width = width;
  model->directions = width - 1;
  model->captured = static_cast<float>(captured);
  VECDEX_RETURN_IF_ERROR(model->basis.resize_exact(model->directions * dim));
  std::memcpy(model->basis.data(), eig.vectors.data(), model->directions * dim * sizeof(float));
  VECDEX_RETURN_IF_ERROR(model->finish());
  return model;
}

Status project_rows(const PcaModel& model, const float* rows, size_t n,
                    const distance::KernelTable& kernels, AlignedBuffer<float>& scratch,
                    float* aug, float* norms) {
  const size_t dim = model.dim;
  const size_t w = model.width;
  const size_t r = model.directions;
  const size_t block = std::min(n, kProjectBlock);
  VECDEX_RETURN_IF_ERROR(scratch.resize(block * (dim + 1)));
  float* centred = scratch.data();
  float* tails = scratch.data() + block * dim;
  for (size_t i0 = 0; i0 < n; i0 += block) {
    const size_t count = std::min(block, n - i0);
    for (size_t i = 0; i < count; ++i) {
      const float* src = rows + (i0 + i) * dim;
      float* dst = centred + i * dim;
      for (size_t j = 0; j < dim; ++j) dst[j] = src[j] - model.mean[j];
    }
    float* out = aug + i0 * w;
    // Coordinates: Y = Xc P^T into the first r columns of the augmented rows.
    blas::gemm_abt(count, r, dim, 1.0f, centred, dim, model.basis.data(), dim, 0.0f, out, w);
    // Tail norms from the explicit residual Xc - Y P: no cancellation, unlike
    // sqrt(||xc||^2 - ||y||^2), so rows lying almost inside the subspace keep accurate tails.
    blas::gemm_abt(count, dim, r, -1.0f, out, w, model.basis_t.data(), r, 1.0f, centred, dim);
    kernels.norms_f32(centred, count, dim, tails);
    for (size_t i = 0; i < count; ++i) out[i * w + r] = std::sqrt(std::max(0.0f, tails[i]));
    kernels.norms_f32(out, count, w, norms + i0);
  }
  return Status();
}

}  // namespace vecdex::flat
