// FlatIndex search paths (internal "smaller is better" distances; see vecdex/index.h):
//  - scan:   small batches (< kBlasMinQueries). Groups of queries walk the rows in L2-sized
//            blocks through the SIMD *_many kernels, so each block is read from memory once per
//            group. Distances are exact squared L2 / negated inner products.
//  - blas:   larger batches. Query blocks x row blocks through single-threaded sgemm:
//            ||q - x||^2 = ||q||^2 + ||x||^2 - 2 q.x with row norms kept by the index; ||q||^2 is
//            the same for every row, so it is added only to the k survivors.
//  - subset: filters allowing few ids. Distances only for the allowed slots.
//  - pruned: scan and blas again, but over the short PCA-augmented rows, which bound every
//            distance; only rows whose bound can beat the k-th exact distance are scored
//            exactly (flat_pruned_search.cc). Used whenever the index holds a projection;
//            a batch first runs one query group as a probe and keeps pruning only if the share
//            of rows it had to score exactly is well below break-even (search_common.h).
//            Single queries and small batches ask the index's PruneGate (prune_gate.h), which
//            turns pruning off while recent queries scored too many rows for it to pay.
// All paths fuse top-k selection with a threshold check, so most distances never touch a heap.
// Work is split over the shared ThreadPool by query groups; scratch is per worker, per call.
#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cmath>
#include <limits>
#include <new>
#include <vector>

#include <fmt/format.h>

#include "core/aligned_buffer.h"
#include "core/blas.h"
#include "core/thread_pool.h"
#include "core/topk.h"
#include "index/allowed_slots.h"
#include "index/flat/flat_index.h"
#include "index/flat/search_common.h"

namespace vecdex::flat {
namespace {

constexpr size_t kBlasMinQueries = 16;   // below this, scanning beats sgemm
constexpr size_t kQueryBlock = 512;      // queries per sgemm (rows of C)
constexpr size_t kRowBlockScan = 256;    // base rows per kernel block (~800 KB at dim 784)
constexpr size_t kHeapBudget = size_t{1} << 22;  // heap entries per worker (bounds k x block)

// Queries [q0, q1) scanned together over all rows with the *_many kernels.
void scan_group(const Scan& sc, MatrixView queries, size_t q0, size_t q1, size_t kk, Scratch& s,
                const std::vector<Id>& ids, SearchResults& out) {
  auto many = sc.l2 ? sc.kernels->l2_f32_many : sc.kernels->ip_f32_many;
  for (size_t q = q0; q < q1; ++q) s.heaps[q - q0].reset(kk);
  float* buf = s.block.data();
  for (size_t r0 = 0; r0 < sc.n; r0 += kRowBlockScan) {
    size_t count = std::min(kRowBlockScan, sc.n - r0);
    const uint8_t* mask = sc.mask != nullptr ? sc.mask + r0 : nullptr;
    for (size_t q = q0; q < q1; ++q) {
      many(queries.row(q), sc.vectors + r0 * sc.dim, count, sc.dim, buf);
      if (!sc.l2) {
        for (size_t j = 0; j < count; ++j) buf[j] = -buf[j];
      }
      offer_block(buf, nullptr, mask, count, static_cast<Slot>(r0), s.heaps[q - q0]);
    }
  }
  for (size_t q = q0; q < q1; ++q) emit(s.heaps[q - q0], s, ids, 0.0f, false, q, out);
}

// Queries [q0, q1) against all rows through sgemm, C = -2 Q X^T (L2) or -Q X^T (inner product).
void blas_group(const Scan& sc, MatrixView queries, size_t q0, size_t q1, size_t kk, Scratch& s,
                const std::vector<Id>& ids, SearchResults& out) {
  const size_t nq = q1 - q0;
  for (size_t q = 0; q < nq; ++q) s.heaps[q].reset(kk);
  float* c = s.block.data();
  const float alpha = sc.l2 ? -2.0f : -1.0f;
  for (size_t r0 = 0; r0 < sc.n; r0 += kRowBlockBlas) {
    size_t count = std::min(kRowBlockBlas, sc.n - r0);
    blas::gemm_abt(nq, count, sc.dim, alpha, queries.row(q0), queries.dim,
                   sc.vectors + r0 * sc.dim, sc.dim, 0.0f, c, count);
    const float* add = sc.l2 ? sc.norms + r0 : nullptr;
    const uint8_t* mask = sc.mask != nullptr ? sc.mask + r0 : nullptr;
    for (size_t q = 0; q < nq; ++q) {
      offer_block(c + q * count, add, mask, count, static_cast<Slot>(r0), s.heaps[q]);
    }
  }
  for (size_t q = 0; q < nq; ++q) {
    float qnorm = 0.0f;
    if (sc.l2) {
      const float* v = queries.row(q0 + q);
      sc.kernels->norms_f32(v, 1, sc.dim, &qnorm);
    }
    emit(s.heaps[q], s, ids, qnorm, sc.l2, q0 + q, out);
  }
}

// Queries [q0, q1) against an explicit ascending list of allowed slots.
void subset_group(const Scan& sc, MatrixView queries, size_t q0, size_t q1, size_t kk,
                  const std::vector<Slot>& slots, Scratch& s, const std::vector<Id>& ids,
                  SearchResults& out) {
  auto one = sc.l2 ? sc.kernels->l2_f32 : sc.kernels->ip_f32;
  for (size_t q = q0; q < q1; ++q) {
    TopK<Slot>& heap = s.heaps[0];
    heap.reset(kk);
    const float* qv = queries.row(q);
    for (Slot slot : slots) {
      float d = one(qv, sc.vectors + size_t{slot} * sc.dim, sc.dim);
      if (!sc.l2) d = -d;
      if (d <= heap.threshold()) heap.push(d, slot);
    }
    emit(heap, s, ids, 0.0f, false, q, out);
  }
}

}  // namespace

Status FlatIndex::search_impl(MatrixView queries, size_t k, const SearchParams& params,
                              const Filter* filter, SearchResults& out) const {
  const size_t n = size();
  const size_t nq = queries.rows;
  if (n == 0) return Status();
  Scan sc{vectors_, norms_, n, dim(), metric() == Metric::kL2, nullptr, kernels_};

  AllowedSlots allowed;
  size_t candidates = n;
  if (filter != nullptr) {
    if (filter->count() == 0) return Status();
    // Few allowed ids: distances for their slots only; otherwise a mask over the scan.
    VECDEX_ASSIGN_OR_RETURN(allowed, allowed_slots(*filter, n, ids_.data(), slot_of_));
    candidates = allowed.count;
    if (candidates == 0) return Status();
    if (allowed.use_subset) {
      std::sort(allowed.subset.begin(), allowed.subset.end());
    } else {
      sc.mask = allowed.mask.data();
    }
  }
  const bool use_subset = allowed.use_subset;
  const std::vector<Slot>& subset = allowed.subset;
  const size_t kk = std::min(k, candidates);

  ThreadPool& pool = default_thread_pool();
  const size_t want = nq == 1 ? 1 : params.threads.value_or(0);
  const size_t threads = pool.effective_threads(nq, want);
  const bool blas = !use_subset && nq >= kBlasMinQueries;
  bool pruned = !use_subset && pca_ != nullptr && options_.prune;
  if (pruned && !blas) {
    // Loose bounds make pruning single queries no cheaper than the scan, and the bound pass
    // comes on top: the gate sends such calls to the plain scan (exact either way).
    pruned = single_gate_.use_pruning(single_prune_limit(dim(), pca_->width));
  }
  // Queries per task. For BLAS the split depends only on nq (never on the thread count), so
  // every query sees the same sgemm shapes and results are bit-identical for any `threads`;
  // ~16 tasks keep small batches balanced. Scans are exact per (query, row) and split evenly.
  // (Pruned results are exact kernel distances whatever the split.)
  size_t per_task = (nq + threads - 1) / threads;
  if (blas) per_task = std::clamp<size_t>((nq + 15) / 16, kBlasMinQueries, kQueryBlock);
  per_task = std::max<size_t>(1, std::min(per_task, kHeapBudget / kk));
  const size_t tasks = (nq + per_task - 1) / per_task;
  size_t block_floats = use_subset ? 0 : (blas ? per_task * kRowBlockBlas : kRowBlockScan);
  if (pruned && !blas) block_floats = n;  // one bound per row for the query in hand

  std::vector<Scratch> scratch(threads);
  std::vector<float> bound_terms;
  Bounds bounds{pca_.get(), proj_, pnorms_, pnorm_max_, nullptr, &single_gate_};
  try {
    for (Scratch& s : scratch) {
      VECDEX_RETURN_IF_ERROR(s.block.resize_exact(block_floats));
      s.heaps.resize(use_subset ? 1 : per_task);
      s.out_dist.resize(kk);
      s.out_slot.resize(kk);
      if (pruned) {
        const size_t group = blas ? per_task : 1;
        VECDEX_RETURN_IF_ERROR(s.query_aug.resize_exact(group * pca_->width));
        s.query_norm.resize(group);
        s.seed_heaps.resize(group);
        s.seeds.resize(group * kk);
        s.seed_count.resize(group);
        s.seed_pos.resize(group);
      }
    }
    if (pruned && blas) {
      bound_terms.resize(n);
      fill_bound_terms(sc, bounds, bound_terms.data());
      bounds.add = bound_terms.data();
    }
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("search: out of memory for k={} scratch", k));
  }
  std::vector<Status> failures(tasks);
  bool prune_batch = pruned && blas;
  auto run_task = [&](size_t task, size_t worker) {
    size_t q0 = task * per_task;
    size_t q1 = std::min(nq, q0 + per_task);
    Scratch& s = scratch[worker];
    try {
      if (use_subset) {
        subset_group(sc, queries, q0, q1, kk, subset, s, ids_, out);
      } else if (prune_batch) {
        failures[task] = pruned_blas_group(sc, bounds, queries, q0, q1, kk, s, ids_, out);
      } else if (pruned && !blas) {
        failures[task] = pruned_scan_group(sc, bounds, queries, q0, q1, kk, s, ids_, out);
      } else if (blas) {
        blas_group(sc, queries, q0, q1, kk, s, ids_, out);
      } else {
        scan_group(sc, queries, q0, q1, kk, s, ids_, out);
      }
    } catch (const std::bad_alloc&) {  // tasks must not throw across the pool
      failures[task] = resource_exhausted("search: out of memory in a pruned search task");
    }
  };
  size_t first = 0;
  if (prune_batch && tasks > 1) {
    // Probe: the first query group runs alone; if its share of rows scored exactly shows the
    // bounds do not pay on this data, the other groups take the plain sgemm path. The choice
    // depends only on the data and nq, never on timing or the thread count.
    run_task(0, 0);
    first = 1;
    const double rate = double(scratch[0].scored) / (double(per_task) * double(n));
    prune_batch = rate <= 0.5 * break_even_scored_share(dim(), pca_->width);
  }
  pool.parallel_for(tasks - first, threads, [&](size_t task, size_t worker) {
    run_task(task + first, worker);
  });
  for (const Status& st : failures) VECDEX_RETURN_IF_ERROR(st);
  return Status();
}

Status FlatIndex::range_search_impl(MatrixView queries, float radius, const SearchParams& params,
                                    const Filter* filter, RangeSearchResults& out) const {
  const size_t n = size();
  const size_t nq = queries.rows;
  const bool l2 = metric() == Metric::kL2;
  auto many = l2 ? kernels_->l2_f32_many : kernels_->ip_f32_many;
  std::vector<uint8_t> mask;
  if (filter != nullptr) {
    mask.resize(n);
    for (size_t s = 0; s < n; ++s) mask[s] = filter->allows(ids_[s]) ? 1 : 0;
  }
  // Per query: (distance, slot) hits, sorted by distance then slot.
  std::vector<std::vector<std::pair<float, Slot>>> hits(nq);
  auto range_one = [&](size_t q, float* buf, std::vector<std::pair<float, Slot>>& mine) {
    for (size_t r0 = 0; r0 < n; r0 += kRowBlockScan) {
      size_t count = std::min(kRowBlockScan, n - r0);
      many(queries.row(q), vectors_ + r0 * dim(), count, dim(), buf);
      for (size_t j = 0; j < count; ++j) {
        float d = l2 ? buf[j] : -buf[j];
        if (d < radius && (mask.empty() || mask[r0 + j] != 0)) {
          mine.emplace_back(d, static_cast<Slot>(r0 + j));
        }
      }
    }
    std::sort(mine.begin(), mine.end());
  };
  ThreadPool& pool = default_thread_pool();
  const size_t want = nq == 1 ? 1 : params.threads.value_or(0);
  const size_t threads = pool.effective_threads(nq, want);
  std::vector<AlignedBuffer<float>> buffers(threads);
  for (AlignedBuffer<float>& b : buffers) VECDEX_RETURN_IF_ERROR(b.resize_exact(kRowBlockScan));
  std::atomic<bool> out_of_memory{false};
  pool.parallel_for(nq, threads, [&](size_t q, size_t worker) {
    if (out_of_memory.load(std::memory_order_relaxed)) return;
    try {
      range_one(q, buffers[worker].data(), hits[q]);
    } catch (const std::bad_alloc&) {  // tasks must not throw across the pool
      out_of_memory.store(true, std::memory_order_relaxed);
    }
  });
  if (out_of_memory.load()) {
    return resource_exhausted(fmt::format("range_search: out of memory collecting hits for {} "
                                          "queries at radius {}", nq, radius));
  }

  size_t total = 0;
  for (size_t q = 0; q < nq; ++q) {
    out.offsets[q] = total;
    total += hits[q].size();
  }
  out.offsets[nq] = total;
  out.ids.resize(total);
  out.distances.resize(total);
  for (size_t q = 0; q < nq; ++q) {
    size_t at = out.offsets[q];
    for (const auto& [d, slot] : hits[q]) {
      out.ids[at] = ids_[slot];
      out.distances[at] = d;
      ++at;
    }
  }
  return Status();
}

}  // namespace vecdex::flat
