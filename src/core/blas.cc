// gemm_abt over cblas_sgemm, with OpenBLAS threading disabled once per process.
#include "core/blas.h"

#include <cblas.h>

#include <mutex>

extern "C" void openblas_set_num_threads(int num_threads);

namespace vecdex::blas {

void ensure_single_threaded_blas() {
  static std::once_flag once;
  std::call_once(once, [] { openblas_set_num_threads(1); });
}

void gemm_abt(size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda,
              const float* b, size_t ldb, float beta, float* c, size_t ldc) {
  if (m == 0 || n == 0) return;
  ensure_single_threaded_blas();
  cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<blasint>(m),
              static_cast<blasint>(n), static_cast<blasint>(k), alpha, a,
              static_cast<blasint>(lda), b, static_cast<blasint>(ldb), beta, c,
              static_cast<blasint>(ldc));
}

}  // namespace vecdex::blas
