// Anisotropic code assignment and codebook update (Guo et al., ICML 2020, §4 "Quantization").
#include "quant/anisotropic.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/distance/distance.h"
#include "core/thread_pool.h"
#include "quant/pq_subspace.h"

namespace vecdex::quant::anisotropic {
namespace {

double dot(const float* a, const float* b, size_t n) {
  double s = 0;
  for (size_t i = 0; i < n; ++i) s += static_cast<double>(a[i]) * b[i];
  return s;
}

// Solves A z = y for a symmetric positive-definite n x n A (row-major, destroyed) by Cholesky.
// False when A is not numerically positive definite.
bool solve_spd(std::vector<double>& a, std::vector<double>& y, size_t n) {
  for (size_t j = 0; j < n; ++j) {
    double d = a[j * n + j];
    for (size_t k = 0; k < j; ++k) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) return false;
    d = std::sqrt(d);
    a[j * n + j] = d;
    for (size_t i = j + 1; i < n; ++i) {
      double s = a[i * n + j];
      for (size_t k = 0; k < j; ++k) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / d;
    }
  }
  for (size_t i = 0; i < n; ++i) {  // L u = y
    double s = y[i];
    for (size_t k = 0; k < i; ++k) s -= a[i * n + k] * y[k];
    y[i] = s / a[i * n + i];
  }
  for (size_t i = n; i-- > 0;) {  // L^T z = u
    double s = y[i];
    for (size_t k = i + 1; k < n; ++k) s -= a[k * n + i] * y[k];
    y[i] = s / a[i * n + i];
  }
  return true;
}

}  // namespace

double parallel_weight(float threshold, size_t dim) {
  if (dim < 2) return 1.0;
  const double t2 = static_cast<double>(threshold) * threshold;
  return static_cast<double>(dim - 1) * t2 / (1.0 - t2);
}

double score_aware_loss(const float* x, const float* xhat, size_t dim, double eta) {
  double r2 = 0, xr = 0, x2 = 0;
  for (size_t i = 0; i < dim; ++i) {
    const double r = static_cast<double>(x[i]) - xhat[i];
    r2 += r * r;
    xr += x[i] * r;
    x2 += static_cast<double>(x[i]) * x[i];
  }
  return x2 > 0 ? r2 + (eta - 1.0) * xr * xr / x2 : r2;
}

void refine_labels(const Codebooks& books, const float* x, double eta, size_t max_passes,
                   uint32_t* labels) {
  const size_t ds = books.dsub;
  const size_t ks = books.ksub;
  const double x2 = dot(x, x, books.dim());
  if (!(x2 > 0) || eta == 1.0) return;  // isotropic: the nearest centroids are already optimal
  const double w = (eta - 1.0) / x2;
  // t = <x, r> = ||x||^2 - <x, x~>, kept up to date as codes change.
  double t = x2;
  for (size_t j = 0; j < books.m; ++j) t -= dot(x + j * ds, books.centroid(j, labels[j]), ds);
  const auto& k = distance::kernels();
  float dots_small[256], l2_small[256];
  std::vector<float> dots_big, l2_big;
  float* dots = dots_small;
  float* l2 = l2_small;
  if (ks > 256) {
    dots_big.resize(ks);
    l2_big.resize(ks);
    dots = dots_big.data();
    l2 = l2_big.data();
  }
  for (size_t pass = 0; pass < max_passes; ++pass) {
    bool changed = false;
    for (size_t j = 0; j < books.m; ++j) {
      const float* xj = x + j * ds;
      const float* cj = books.centroid(j, 0);
      if (books.transposed != nullptr) {
        const float* ct = books.transposed + j * ks * ds;
        subspace_ip(xj, ct, ds, ks, dots);
        subspace_l2(xj, ct, ds, ks, l2);
      } else {
        k.ip_f32_many(xj, cj, ks, ds, dots);
        k.l2_f32_many(xj, cj, ks, ds, l2);
      }
      // t without sub-space j's term, which is ||x_j||^2 - <x_j, c>; the ||x_j||^2 stays.
      const double base = t + dots[labels[j]];
      uint32_t best = labels[j];
      double best_cost = std::numeric_limits<double>::infinity();
      for (size_t c = 0; c < ks; ++c) {
        const double tc = base - dots[c];
        const double cost = l2[c] + w * tc * tc;
        if (cost < best_cost) {
          best_cost = cost;
          best = static_cast<uint32_t>(c);
        }
      }
      if (best != labels[j]) {
        changed = true;
        labels[j] = best;
      }
      t = base - dots[best];
    }
    if (!changed) break;
  }
}

void update_codebooks(float* centroids, size_t m, size_t ksub, size_t dsub, MatrixView data,
                      const uint32_t* labels, double eta, uint32_t threads) {
  const size_t n = data.rows;
  const size_t dim = data.dim;
  if (n == 0) return;
  // Per row: w_i = (eta - 1) / ||x_i||^2 and t_i = <x_i, r_i> under the current codebooks.
  std::vector<double> w(n), t(n), b(n);
  for (size_t i = 0; i < n; ++i) {
    const float* x = data.row(i);
    const double x2 = dot(x, x, dim);
    w[i] = x2 > 0 ? (eta - 1.0) / x2 : 0.0;
    double ti = x2;
    for (size_t j = 0; j < m; ++j)
      ti -= dot(x + j * dsub, centroids + (j * ksub + labels[i * m + j]) * dsub, dsub);
    t[i] = ti;
  }
  // Rows grouped by centroid (counting sort), rebuilt per sub-space.
  std::vector<size_t> start(ksub + 1), order(n);
  ThreadPool& pool = default_thread_pool();
  for (size_t j = 0; j < m; ++j) {
    float* books = centroids + j * ksub * dsub;
    std::fill(start.begin(), start.end(), 0);
    for (size_t i = 0; i < n; ++i) ++start[labels[i * m + j] + 1];
    for (size_t c = 0; c < ksub; ++c) start[c + 1] += start[c];
    {
      std::vector<size_t> fill(start.begin(), start.end() - 1);
      for (size_t i = 0; i < n; ++i) order[fill[labels[i * m + j]]++] = i;
    }
    // b_i = <x_i, r_i> without this sub-space's -<x_ij, c> term.
    for (size_t i = 0; i < n; ++i)
      b[i] = t[i] + dot(data.row(i) + j * dsub, books + labels[i * m + j] * dsub, dsub);
    // Centroid c minimises sum_i ||x_ij - c||^2 + w_i (b_i - <x_ij, c>)^2 over its rows i:
    // (count I + sum_i w_i x_ij x_ij^T) c = sum_i (1 + w_i b_i) x_ij. PSD since w_i ||x_ij||^2 >= -1.
    pool.parallel_for(ksub, threads, [&](size_t c, size_t) {
      const size_t count = start[c + 1] - start[c];
      if (count == 0) return;
      std::vector<double> a(dsub * dsub, 0.0), y(dsub, 0.0);
      for (size_t p = start[c]; p < start[c + 1]; ++p) {
        const size_t i = order[p];
        const float* xj = data.row(i) + j * dsub;
        const double wi = w[i];
        const double yi = 1.0 + wi * b[i];
        for (size_t r = 0; r < dsub; ++r) {
          y[r] += yi * xj[r];
          const double wr = wi * xj[r];
          for (size_t s = 0; s <= r; ++s) a[r * dsub + s] += wr * xj[s];
        }
      }
      double trace = 0;
      for (size_t r = 0; r < dsub; ++r) {
        a[r * dsub + r] += static_cast<double>(count);
        trace += a[r * dsub + r];
        for (size_t s = 0; s < r; ++s) a[s * dsub + r] = a[r * dsub + s];
      }
      // A tiny ridge keeps a rank-deficient block (all rows parallel, eta ~ 0) solvable.
      for (size_t r = 0; r < dsub; ++r) a[r * dsub + r] += 1e-12 * trace;
      if (!solve_spd(a, y, dsub)) return;
      for (size_t r = 0; r < dsub; ++r) {
        if (!std::isfinite(y[r])) return;
      }
      for (size_t r = 0; r < dsub; ++r) books[c * dsub + r] = static_cast<float>(y[r]);
    });
    for (size_t i = 0; i < n; ++i)
      t[i] = b[i] - dot(data.row(i) + j * dsub, books + labels[i * m + j] * dsub, dsub);
  }
}

}  // namespace vecdex::quant::anisotropic
