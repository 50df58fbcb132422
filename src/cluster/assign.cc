// Nearest-centroid search for k-means and IVF: assign_nearest (argmin), nearest_centroids (top-n)
// and the full distance table used by the balanced cap.
//
// Rows are cut into blocks whose size depends only on the row count (never on the thread count),
// and each block is compared with the centroids in blocks of kCentroidBlock through one
// single-threaded sgemm: ||x - c||^2 = ||x||^2 + (||c||^2 - 2 x.c). The bracket ranks the
// centroids for a row; ||x||^2 is added only to the winners. With fewer than kKernelMaxRows rows
// (one IVF query) sgemm does not pay and the SIMD *_many kernels compute exact distances instead.
// Because block shapes never depend on `threads`, results are bit-identical for any thread count.
#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

#include "cluster/kmeans.h"
#include "cluster/kmeans_steps.h"
#include "core/blas.h"
#include "core/distance/distance.h"
#include "core/thread_pool.h"
#include "core/topk.h"

namespace vecdex::cluster {
namespace {

// Measured on Fashion-MNIST (784 dims), 1 thread: 256 x 1024 blocks run sgemm at ~135 GFLOP/s;
// 16-row blocks fall to ~55, 64-row blocks reach ~95. Below 4 rows the SIMD kernels win (sgemm
// packs the whole centroid block for too few rows).
constexpr size_t kMaxRowBlock = 256;     // rows per sgemm (rows of C)
constexpr size_t kMinRowBlock = 64;
constexpr size_t kCentroidBlock = 1024;  // centroids per sgemm (columns of C): C is 1 MB
constexpr size_t kKernelMaxRows = 4;     // below this many rows, exact SIMD kernels, no sgemm
constexpr size_t kSmallTopN = 32;        // top-n up to this size: insertion-sorted array per row

// What every pass shares: the data, the centroids with their squared norms, the row blocking.
struct Pass {
  MatrixView data;
  const float* centroids = nullptr;
  size_t k = 0;
  bool inner_product = false;
  bool exact = false;  // SIMD kernels give full distances; no norm term to add afterwards
  const distance::KernelTable* kernels = nullptr;
  std::vector<float> centroid_norms;  // ||c||^2 per centroid (L2 + sgemm only)
  size_t row_block = 0;

  Pass(MatrixView d, const float* c, size_t kk, bool ip)
      : data(d), centroids(c), k(kk), inner_product(ip), kernels(&distance::kernels()) {
    exact = data.rows < kKernelMaxRows;
    if (!inner_product && !exact) {
      centroid_norms.resize(k);
      kernels->norms_f32(centroids, k, data.dim, centroid_norms.data());
    }
    // Mid-sized batches get ~4 blocks so two or more threads share them; depends only on rows.
    row_block = std::clamp<size_t>((data.rows + 3) / 4, kMinRowBlock, kMaxRowBlock);
  }
  size_t blocks() const { return (data.rows + row_block - 1) / row_block; }

  // out[i * ldo + j] = ranking distance of row r0 + i to centroid c0 + j for i < rc, j < cc:
  // ||c||^2 - 2 x.c (L2 via sgemm), the exact squared L2 (kernels), or -x.c (inner product).
  void block(size_t r0, size_t rc, size_t c0, size_t cc, float* out, size_t ldo) const {
    const size_t dim = data.dim;
    const float* cblock = centroids + c0 * dim;
    if (exact) {
      auto many = inner_product ? kernels->ip_f32_many : kernels->l2_f32_many;
      for (size_t i = 0; i < rc; ++i) {
        float* o = out + i * ldo;
        many(data.row(r0 + i), cblock, cc, dim, o);
        if (inner_product) {
          for (size_t j = 0; j < cc; ++j) o[j] = -o[j];
        }
      }
      return;
    }
    blas::gemm_abt(rc, cc, dim, inner_product ? -1.0f : -2.0f, data.row(r0), dim, cblock, dim,
                   0.0f, out, ldo);
    if (!inner_product) {
      const float* cn = centroid_norms.data() + c0;
      for (size_t i = 0; i < rc; ++i) {
        float* o = out + i * ldo;
        for (size_t j = 0; j < cc; ++j) o[j] += cn[j];
      }
    }
  }

  // Writes the term that turns a ranking distance of rows [r0, r0 + rc) into the reported one.
  void row_terms(size_t r0, size_t rc, float* terms) const {
    if (exact || inner_product) {
      std::fill(terms, terms + rc, 0.0f);
    } else {
      kernels->norms_f32(data.row(r0), rc, data.dim, terms);
    }
  }
  float finish(float ranking, float term) const {
    return inner_product ? ranking : std::max(0.0f, ranking + term);
  }
};

struct Scratch {
  std::vector<float> c;      // row_block x kCentroidBlock distances
  std::vector<float> terms;  // row_block norm terms
  std::vector<float> best_d;
  std::vector<uint32_t> best_j;
  std::vector<TopK<uint32_t>> heaps;
};

// Runs fn(r0, rc, scratch) over every row block on the pool.
template <typename Fn>
void for_row_blocks(const Pass& pass, uint32_t threads, Fn&& fn) {
  ThreadPool& pool = default_thread_pool();
  const size_t tasks = pass.blocks();
  const size_t workers = pool.effective_threads(tasks, threads);
  std::vector<Scratch> scratch(workers);
  pool.parallel_for(tasks, workers, [&](size_t task, size_t worker) {
    const size_t r0 = task * pass.row_block;
    const size_t rc = std::min(pass.row_block, pass.data.rows - r0);
    Scratch& s = scratch[worker];
    // Sized for this block, not row_block: a single query must not pay for a 64-row buffer.
    if (s.c.size() < rc * std::min(kCentroidBlock, pass.k)) {
      s.c.resize(rc * std::min(kCentroidBlock, pass.k));
    }
    s.terms.resize(rc);
    fn(r0, rc, s);
  });
}

// Inserts (d, j) into the sorted array (dist, lab) of n entries of which `filled` are used.
// Strict comparisons keep the earlier (smaller) centroid first on ties.
inline void insert_sorted(float d, uint32_t j, float* dist, uint32_t* lab, size_t n,
                          size_t& filled) {
  size_t pos = filled < n ? filled : n - 1;
  if (filled == n && !(d < dist[n - 1])) return;
  while (pos > 0 && d < dist[pos - 1]) {
    dist[pos] = dist[pos - 1];
    lab[pos] = lab[pos - 1];
    --pos;
  }
  dist[pos] = d;
  lab[pos] = j;
  if (filled < n) ++filled;
}

}  // namespace

void assign_nearest(MatrixView data, const float* centroids, size_t k, bool inner_product,
                    uint32_t* labels, float* distances, uint32_t threads) {
  if (data.rows == 0 || k == 0) return;
  const Pass pass(data, centroids, k, inner_product);
  for_row_blocks(pass, threads, [&](size_t r0, size_t rc, Scratch& s) {
    s.best_d.assign(rc, std::numeric_limits<float>::infinity());
    s.best_j.assign(rc, 0);
    for (size_t c0 = 0; c0 < k; c0 += kCentroidBlock) {
      const size_t cc = std::min(kCentroidBlock, k - c0);
      pass.block(r0, rc, c0, cc, s.c.data(), cc);
      for (size_t i = 0; i < rc; ++i) {
        const float* row = s.c.data() + i * cc;
        float bd = s.best_d[i];
        uint32_t bj = s.best_j[i];
        for (size_t j = 0; j < cc; ++j) {
          if (row[j] < bd) {
            bd = row[j];
            bj = static_cast<uint32_t>(c0 + j);
          }
        }
        s.best_d[i] = bd;
        s.best_j[i] = bj;
      }
    }
    pass.row_terms(r0, rc, s.terms.data());
    for (size_t i = 0; i < rc; ++i) {
      labels[r0 + i] = s.best_j[i];
      if (distances != nullptr) distances[r0 + i] = pass.finish(s.best_d[i], s.terms[i]);
    }
  });
}

void nearest_centroids(MatrixView data, const float* centroids, size_t k, size_t n_out,
                       bool inner_product, uint32_t* labels, float* distances,
                       uint32_t threads) {
  const size_t n = std::min(n_out, k);  // n_out > k breaks the contract; pad instead of overrun
  if (data.rows == 0 || n_out == 0) return;
  const Pass pass(data, centroids, k, inner_product);
  for_row_blocks(pass, threads, [&](size_t r0, size_t rc, Scratch& s) {
    const bool small = n <= kSmallTopN;
    std::vector<size_t> filled(small ? rc : 0, 0);
    if (small) {
      s.best_d.resize(rc * n);
      s.best_j.resize(rc * n);
    } else {
      s.heaps.resize(rc);
      for (size_t i = 0; i < rc; ++i) s.heaps[i].reset(n);
    }
    for (size_t c0 = 0; c0 < k; c0 += kCentroidBlock) {
      const size_t cc = std::min(kCentroidBlock, k - c0);
      pass.block(r0, rc, c0, cc, s.c.data(), cc);
      for (size_t i = 0; i < rc; ++i) {
        const float* row = s.c.data() + i * cc;
        if (small) {
          float* bd = s.best_d.data() + i * n;
          uint32_t* bj = s.best_j.data() + i * n;
          for (size_t j = 0; j < cc; ++j) {
            insert_sorted(row[j], static_cast<uint32_t>(c0 + j), bd, bj, n, filled[i]);
          }
        } else {
          TopK<uint32_t>& heap = s.heaps[i];
          for (size_t j = 0; j < cc; ++j) {
            if (row[j] <= heap.threshold()) heap.push(row[j], static_cast<uint32_t>(c0 + j));
          }
        }
      }
    }
    pass.row_terms(r0, rc, s.terms.data());
    for (size_t i = 0; i < rc; ++i) {
      float* out_d = distances != nullptr ? distances + (r0 + i) * n_out : nullptr;
      uint32_t* out_j = labels + (r0 + i) * n_out;
      std::fill(out_j + n, out_j + n_out, std::numeric_limits<uint32_t>::max());
      if (out_d != nullptr) {
        std::fill(out_d + n, out_d + n_out, std::numeric_limits<float>::infinity());
      }
      if (small) {
        std::memcpy(out_j, s.best_j.data() + i * n, n * sizeof(uint32_t));
        if (out_d != nullptr) {
          for (size_t t = 0; t < n; ++t) out_d[t] = pass.finish(s.best_d[i * n + t], s.terms[i]);
        }
      } else {
        s.best_d.resize(n);
        s.heaps[i].extract_sorted(s.best_d.data(), out_j);
        if (out_d != nullptr) {
          for (size_t t = 0; t < n; ++t) out_d[t] = pass.finish(s.best_d[t], s.terms[i]);
        }
      }
    }
  });
}

namespace internal {

void distance_table(MatrixView data, const float* centroids, size_t k, bool inner_product,
                    float* out, uint32_t threads) {
  if (data.rows == 0 || k == 0) return;
  const Pass pass(data, centroids, k, inner_product);
  for_row_blocks(pass, threads, [&](size_t r0, size_t rc, Scratch& s) {
    float* rows_out = out + r0 * k;
    for (size_t c0 = 0; c0 < k; c0 += kCentroidBlock) {
      pass.block(r0, rc, c0, std::min(kCentroidBlock, k - c0), rows_out + c0, k);
    }
    pass.row_terms(r0, rc, s.terms.data());
    for (size_t i = 0; i < rc; ++i) {
      float* o = rows_out + i * k;
      for (size_t j = 0; j < k; ++j) o[j] = pass.finish(o[j], s.terms[i]);
    }
  });
}

}  // namespace internal
}  // namespace vecdex::cluster
