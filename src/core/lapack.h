// The few dense linear-algebra routines beyond GEMM that vecdex needs, over the LAPACK that
// OpenBLAS ships: a symmetric rank-k update (covariance of a sample) and the top eigenpairs of a
// symmetric matrix (principal directions). Used to learn PCA projections (index/flat/).
#pragma once

#include <cstddef>
#include <vector>

#include "vecdex/result.h"

namespace vecdex::lapack {

// Row-major C[n x n] = alpha * A^T A for A[m x n] (row stride lda). Both triangles of C are
// written. Single-threaded, like blas::gemm_abt.
void syrk_ata(size_t n, size_t m, float alpha, const float* a, size_t lda, float* c);

// The `count` largest eigenvalues of the symmetric n x n matrix `a` (row-major; only symmetry is
// assumed) and their orthonormal eigenvectors, computed in double precision (LAPACK dsyevr).
// values: descending; vectors: count rows of n floats, row i belonging to values[i].
struct TopEigen {
  std::vector<double> values;
  std::vector<float> vectors;
};
// InvalidArgument for count > n or n == 0; Internal when LAPACK reports failure.
Result<TopEigen> top_eigen(const float* a, size_t n, size_t count);

// Thin singular value decomposition A = U diag(s) Vt of a row-major rows x cols matrix, in double
// precision (LAPACK dgesvd). With k = min(rows, cols): u is rows x k, s has k values (descending),
// vt is k x cols, all row-major. Used by OPQ's orthogonal Procrustes step (quant/opq.h).
struct Svd {
  std::vector<double> u;
  std::vector<double> s;
  std::vector<double> vt;
};
// InvalidArgument for an empty or oversized matrix; Internal when LAPACK reports failure
// (no convergence); ResourceExhausted when the workspace cannot be allocated.
Result<Svd> svd(const double* a, size_t rows, size_t cols);

}  // namespace vecdex::lapack
