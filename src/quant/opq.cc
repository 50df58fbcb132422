// OPQ's Procrustes step: X^T Y by sgemm, its SVD in double (core/lapack.h), R = V U^T.
#include "quant/opq.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/blas.h"
#include "core/lapack.h"
#include "core/thread_pool.h"

namespace vecdex::quant::opq {
namespace {

// Rows per parallel block of the sgemm calls.
constexpr size_t kBlockRows = 2048;
constexpr size_t kMaxPartials = 8;

}  // namespace

Result<std::vector<float>> procrustes_rotation(MatrixView x, MatrixView y, uint32_t threads) {
  if (x.rows == 0 || x.dim == 0 || x.rows != y.rows || x.dim != y.dim) {
    return invalid_argument(fmt::format(
        "procrustes_rotation: x is {} x {} and y is {} x {}; expected equal, non-empty shapes",
        x.rows, x.dim, y.rows, y.dim));
  }
  const size_t d = x.dim;
  blas::ensure_single_threaded_blas();
  // M = X^T Y (d x d): M[a][b] = sum_i x_ia y_ib, one partial product per row block, summed in
  // double in block order (so the result does not depend on the thread count).
  // At most kMaxPartials blocks, so the partial products stay small (d * d floats each).
  const size_t block_rows = std::max(kBlockRows, (x.rows + kMaxPartials - 1) / kMaxPartials);
  const size_t blocks = (x.rows + block_rows - 1) / block_rows;
  std::vector<float> partial(blocks * d * d);
  default_thread_pool().parallel_for(blocks, threads, [&](size_t b, size_t) {
    const size_t begin = b * block_rows;
    const size_t rows = std::min(block_rows, x.rows - begin);
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<blasint>(d),
                static_cast<blasint>(d), static_cast<blasint>(rows), 1.0f, x.row(begin),
                static_cast<blasint>(d), y.row(begin), static_cast<blasint>(d), 0.0f,
                partial.data() + b * d * d, static_cast<blasint>(d));
  });
  std::vector<double> md(d * d, 0.0);
  for (size_t b = 0; b < blocks; ++b)
    for (size_t i = 0; i < d * d; ++i) md[i] += partial[b * d * d + i];
  VECDEX_ASSIGN_OR_RETURN(lapack::Svd svd, lapack::svd(md.data(), d, d));
  // sum_i y_i^T R x_i = tr(R X^T Y) = tr(V^T R U S) is largest for V^T R U = I.
  std::vector<float> r(d * d);
  for (size_t a = 0; a < d; ++a) {
    for (size_t b = 0; b < d; ++b) {
      double s = 0;
      for (size_t k = 0; k < d; ++k) s += svd.vt[k * d + a] * svd.u[b * d + k];  // V[a][k] U[b][k]
      r[a * d + b] = static_cast<float>(s);
    }
  }
  return r;
}

void rotate_rows(MatrixView x, const float* rotation, float* out, uint32_t threads) {
  // out[i][a] = sum_b x[i][b] R[a][b]: A B^T with A = X, B = R.
  const size_t blocks = (x.rows + kBlockRows - 1) / kBlockRows;
  default_thread_pool().parallel_for(blocks, threads, [&](size_t b, size_t) {
    const size_t begin = b * kBlockRows;
    const size_t rows = std::min(kBlockRows, x.rows - begin);
    blas::gemm_abt(rows, x.dim, x.dim, 1.0f, x.row(begin), x.dim, rotation, x.dim, 0.0f,
                   out + begin * x.dim, x.dim);
  });
}

double orthogonality_error(const float* rotation, size_t dim) {
  double worst = 0;
  for (size_t a = 0; a < dim; ++a) {
    for (size_t b = 0; b < dim; ++b) {
      double s = 0;
      for (size_t k = 0; k < dim; ++k)
        s += static_cast<double>(rotation[a * dim + k]) * rotation[b * dim + k];
      worst = std::max(worst, std::abs(s - (a == b ? 1.0 : 0.0)));
    }
  }
  return worst;
}

}  // namespace vecdex::quant::opq
