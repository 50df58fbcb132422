// Thin wrapper over OpenBLAS's single-precision GEMM, the engine of batched exact search and
// k-means assignment.
//
// Process-wide BLAS setting (the one): on first use OpenBLAS's own threading is switched off
// (openblas_set_num_threads(1), once, via std::call_once). vecdex parallelises over its own
// ThreadPool and calls single-threaded sgemm per block; letting OpenBLAS spawn threads as well
// would oversubscribe the cores and make `threads=1` meaningless.
#pragma once

#include <cstddef>

namespace vecdex::blas {

// Row-major C[m x n] = alpha * A[m x k] * B[n x k]^T + beta * C, with row strides lda, ldb, ldc
// (in elements). Each row of A and of B is one vector, so C[i][j] = alpha * <a_i, b_j> + beta*C.
// Thread-safe: may run concurrently from many threads (each call is single-threaded).
void gemm_abt(size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda,
              const float* b, size_t ldb, float beta, float* c, size_t ldc);

// Applies the process-wide setting above; gemm_abt calls it itself. Idempotent and thread-safe.
void ensure_single_threaded_blas();

}  // namespace vecdex::blas
