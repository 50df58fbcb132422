// lapack.h over OpenBLAS: cblas_ssyrk, and LAPACK's dsyevr through its Fortran symbol (OpenBLAS
// exports the LAPACK routines; Debian ships no lapacke header with it, so the prototype is
// declared here with gfortran's hidden string-length arguments).
#include "core/lapack.h"

#include <cblas.h>

#include <algorithm>
#include <new>

#include <fmt/format.h>

#include "core/blas.h"

extern "C" void dsyevr_(const char* jobz, const char* range, const char* uplo, const int* n,
                        double* a, const int* lda, const double* vl, const double* vu,
                        const int* il, const int* iu, const double* abstol, int* m, double* w,
                        double* z, const int* ldz, int* isuppz, double* work, const int* lwork,
                        int* iwork, const int* liwork, int* info, size_t jobz_len,
                        size_t range_len, size_t uplo_len);

extern "C" void dgesvd_(const char* jobu, const char* jobvt, const int* m, const int* n, double* a,
                        const int* lda, double* s, double* u, const int* ldu, double* vt,
                        const int* ldvt, double* work, const int* lwork, int* info,
                        size_t jobu_len, size_t jobvt_len);

namespace vecdex::lapack {

void syrk_ata(size_t n, size_t m, float alpha, const float* a, size_t lda, float* c) {
  if (n == 0) return;
  blas::ensure_single_threaded_blas();
  // Row-major, Trans: C = alpha * A^T A with A stored m x n. Upper triangle, then mirrored.
  cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, static_cast<blasint>(n),
              static_cast<blasint>(m), alpha, a, static_cast<blasint>(lda), 0.0f, c,
              static_cast<blasint>(n));
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < i; ++j) c[i * n + j] = c[j * n + i];
  }
}

Result<TopEigen> top_eigen(const float* a, size_t n, size_t count) {
  if (n == 0 || count == 0 || count > n) {
    return invalid_argument(fmt::format("top_eigen: need 1 <= count <= n, got count {} for n {}",
                                        count, n));
  }
  if (n > 65536) return invalid_argument(fmt::format("top_eigen: n {} is too large", n));
  blas::ensure_single_threaded_blas();
  TopEigen out;
  try {
    std::vector<double> m(a, a + n * n);  // symmetric: row- and column-major agree
    const int ni = static_cast<int>(n);
    const int il = static_cast<int>(n - count + 1);
    const int iu = ni;
    const double zero = 0.0;
    const double abstol = 0.0;  // LAPACK's default accuracy
    int found = 0;
    int info = 0;
    std::vector<double> w(n);
    std::vector<double> z(n * count);
    std::vector<int> isuppz(2 * count);
    // Workspace query, then the real call.
    int lwork = -1;
    int liwork = -1;
    double work_size = 0;
    int iwork_size = 0;
    dsyevr_("V", "I", "U", &ni, m.data(), &ni, &zero, &zero, &il, &iu, &abstol, &found, w.data(),
            z.data(), &ni, isuppz.data(), &work_size, &lwork, &iwork_size, &liwork, &info, 1, 1,
            1);
    if (info != 0) return internal_error(fmt::format("dsyevr workspace query failed: info {}", info));
    lwork = std::max(1, static_cast<int>(work_size));
    liwork = std::max(1, iwork_size);
    std::vector<double> work(static_cast<size_t>(lwork));
    std::vector<int> iwork(static_cast<size_t>(liwork));
    dsyevr_("V", "I", "U", &ni, m.data(), &ni, &zero, &zero, &il, &iu, &abstol, &found, w.data(),
            z.data(), &ni, isuppz.data(), work.data(), &lwork, iwork.data(), &liwork, &info, 1, 1,
            1);
    if (info != 0 || static_cast<size_t>(found) != count) {
      return internal_error(fmt::format("dsyevr failed: info {}, {} of {} eigenpairs", info,
                                        found, count));
    }
    // LAPACK returns ascending eigenvalues, eigenvector j in column j (contiguous).
    out.values.resize(count);
    out.vectors.resize(count * n);
    for (size_t i = 0; i < count; ++i) {
      size_t j = count - 1 - i;
      out.values[i] = w[j];
      for (size_t t = 0; t < n; ++t) out.vectors[i * n + t] = static_cast<float>(z[j * n + t]);
    }
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("top_eigen: out of memory for a {} x {} matrix", n, n));
  }
  return out;
}

Result<Svd> svd(const double* a, size_t rows, size_t cols) {
  if (rows == 0 || cols == 0 || rows > 65536 || cols > 65536) {
    return invalid_argument(
        fmt::format("svd: need a matrix of 1..65536 rows and columns, got {} x {}", rows, cols));
  }
  blas::ensure_single_threaded_blas();
  Svd out;
  try {
    // A row-major rows x cols matrix is its transpose B = A^T (cols x rows) in LAPACK's
    // column-major order. B = U' S V'^T means A = V' S U'^T, and read back row-major, LAPACK's
    // column-major U' (cols x k) is U'^T = A's Vt (k x cols) and V'^T (k x rows) is V' = A's U.
    std::vector<double> b(a, a + rows * cols);
    const size_t k = std::min(rows, cols);
    const int m = static_cast<int>(cols);
    const int n = static_cast<int>(rows);
    const int ldu = m;
    const int ldvt = static_cast<int>(k);
    out.s.resize(k);
    out.vt.resize(k * cols);  // LAPACK's U'
    out.u.resize(rows * k);   // LAPACK's V'^T
    int info = 0;
    int lwork = -1;
    double work_size = 0;
    dgesvd_("S", "S", &m, &n, b.data(), &m, out.s.data(), out.vt.data(), &ldu, out.u.data(),
            &ldvt, &work_size, &lwork, &info, 1, 1);
    if (info != 0) return internal_error(fmt::format("dgesvd workspace query failed: info {}", info));
    lwork = std::max(1, static_cast<int>(work_size));
    std::vector<double> work(static_cast<size_t>(lwork));
    dgesvd_("S", "S", &m, &n, b.data(), &m, out.s.data(), out.vt.data(), &ldu, out.u.data(),
            &ldvt, work.data(), &lwork, &info, 1, 1);
    if (info != 0) {
      return internal_error(fmt::format("dgesvd failed on a {} x {} matrix: info {}", rows, cols,
                                        info));
    }
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("svd: out of memory for a {} x {} matrix", rows, cols));
  }
  return out;
}

}  // namespace vecdex::lapack
