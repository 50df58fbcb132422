// Pieces shared by Flat's search paths (flat_search.cc, flat_pruned_search.cc): the per-call
// scan description, fused threshold-checked top-k offers, per-worker scratch and result output.
// Internal "smaller is better" distances throughout (squared L2, or the negated inner product).
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/distance/distance.h"
#include "core/topk.h"
#include "index/flat/pca_bounds.h"
#include "index/flat/prune_gate.h"
#include "vecdex/index.h"

namespace vecdex::flat {

inline constexpr size_t kRowBlockBlas = 1024;  // base rows per sgemm (columns of C)
inline constexpr size_t kChunk = 16;  // candidates tested branch-free before any heap work

// What the search loops need, resolved once per call.
struct Scan {
  const float* vectors;
  const float* norms;
  size_t n;
  size_t dim;
  bool l2;
  const uint8_t* mask;  // allowed[slot], or nullptr for "all"
  const distance::KernelTable* kernels;
};

// Offers dist[j] (+ add[j] when kAdd) for slots first + j, j < count, to heap. Chunks of kChunk
// are first tested without branches (vectorisable); only chunks holding a candidate below the
// threshold are walked one by one.
template <bool kAdd, bool kMask>
inline void offer(const float* dist, const float* add, const uint8_t* mask, size_t count,
                  Slot first, TopK<Slot>& heap) {
  float thr = heap.threshold();
  size_t j = 0;
  for (; j + kChunk <= count; j += kChunk) {
    int hit = 0;
    for (size_t t = 0; t < kChunk; ++t) {
      float d = kAdd ? dist[j + t] + add[j + t] : dist[j + t];
      hit |= d <= thr;
    }
    if (hit == 0) continue;
    for (size_t t = j; t < j + kChunk; ++t) {
      if (kMask && mask[t] == 0) continue;
      float d = kAdd ? dist[t] + add[t] : dist[t];
      if (d <= thr) {
        heap.push(d, first + static_cast<Slot>(t));
        thr = heap.threshold();
      }
    }
  }
  for (; j < count; ++j) {
    if (kMask && mask[j] == 0) continue;
    float d = kAdd ? dist[j] + add[j] : dist[j];
    if (d <= thr) {
      heap.push(d, first + static_cast<Slot>(j));
      thr = heap.threshold();
    }
  }
}

inline void offer_block(const float* dist, const float* add, const uint8_t* mask, size_t count,
                        Slot first, TopK<Slot>& heap) {
  if (add != nullptr) {
    if (mask != nullptr) {
      offer<true, true>(dist, add, mask, count, first, heap);
    } else {
      offer<true, false>(dist, add, nullptr, count, first, heap);
    }
  } else if (mask != nullptr) {
    offer<false, true>(dist, nullptr, mask, count, first, heap);
  } else {
    offer<false, false>(dist, nullptr, nullptr, count, first, heap);
  }
}

// Per-worker scratch, allocated once per search call.
struct Scratch {
  AlignedBuffer<float> block;  // distances (or bounds) of the current block
  std::vector<TopK<Slot>> heaps;
  std::vector<float> out_dist;
  std::vector<Slot> out_slot;
  // Pruned paths only (flat_pruned_search.cc).
  AlignedBuffer<float> query_aug;   // augmented queries, per_task x width
  AlignedBuffer<float> project;     // project_rows scratch
  std::vector<float> query_norm;    // ||aug(q)||^2 per query
  std::vector<TopK<Slot>> seed_heaps;
  std::vector<Slot> seeds;          // per query: kk seed slots, ascending
  std::vector<size_t> seed_count;
  std::vector<size_t> seed_pos;
  std::vector<float> out_dist_aux;  // per-query terms of the batch test
  std::vector<std::pair<float, Slot>> candidates;
  size_t scored = 0;  // rows scored exactly by the pruned paths (their cost beyond the bounds)
};

// Moves heap contents into row q of `out` (slot -> id; plus ||q||^2 for the BLAS L2 path).
inline void emit(TopK<Slot>& heap, Scratch& s, const std::vector<Id>& ids, float add, bool clamp,
          size_t q, SearchResults& out) {
  size_t got = heap.extract_sorted(s.out_dist.data(), s.out_slot.data());
  Id* row_ids = out.ids.data() + q * out.k;
  float* row_dist = out.distances.data() + q * out.k;
  for (size_t i = 0; i < got; ++i) {
    float d = s.out_dist[i] + add;
    row_dist[i] = clamp && d < 0.0f ? 0.0f : d;
    row_ids[i] = ids[s.out_slot[i]];
  }
}


// What the pruned paths need besides Scan: the index's augmented rows (pca_bounds.h).
struct Bounds {
  const PcaModel* model;
  const float* proj;    // n x model->width
  const float* pnorms;  // n: ||aug(x)||^2
  float pnorm_max;      // >= every pnorms[s]
  const float* add;     // n: per-row term of the batch test (flat_pruned_search.cc), or null
  const PruneGate* gate;  // single-query path: where each query's scored share is recorded
};

// Exact internal distance from query q to slot s, with the same kernels as the scan path.
inline float exact_distance(const Scan& sc, const float* q, Slot s) {
  const float* x = sc.vectors + size_t{s} * sc.dim;
  return sc.l2 ? sc.kernels->l2_f32(q, x, sc.dim) : -sc.kernels->ip_f32(q, x, sc.dim);
}

// Share of rows scored exactly above which pruning costs more than the plain paths. Cost model
// per (query, row) in units of one sgemm multiply-add (measured on AVX-512, 1 thread): plain
// sgemm ~ dim + 16 (16 for the top-k pass over C); pruned ~ 2 width + 32 (two bound passes)
// + share * 14 dim (a scored row is a kernel call on a row fetched out of order). Callers use
// half of it as their limit, as a margin for machines where the ratio differs.
inline double break_even_scored_share(size_t dim, size_t width) {
  const double gain = double(dim) - 2.0 * double(width) - 16.0;
  return gain <= 0 ? 0.0 : gain / (14.0 * double(dim));
}

// The same for one query at a time (pruned_scan_group vs the plain scan), where the plain path
// streams the rows through the SIMD kernels instead of sgemm. Cost per (query, row) in units of
// one streamed row element: plain ~ dim; pruned ~ width (the bound pass) + share * kScoredRowCost
// * dim. A row scored exactly costs ~kScoredRowCost streamed rows: it is fetched out of order and
// first sorted as a candidate (measured 6-8 with 1 thread on AVX-512, on Fashion-MNIST 784-d and
// on 128-d Gaussian clusters, where pruning 10% of the rows scored ran as fast as the plain scan).
inline constexpr double kScoredRowCost = 8.0;
inline double single_break_even_scored_share(size_t dim, size_t width) {
  const double gain = double(dim) - double(width);
  return gain <= 0 ? 0.0 : gain / (kScoredRowCost * double(dim));
}
// Limits of the single-query path. The gate (prune_gate.h) keeps pruning while recent queries
// score at most half the break-even share (a margin, as for batches). A query whose candidates
// (rows whose bound passes the seeded threshold) exceed kBailCandidateShare of the rows gives up
// and scans: its bound pass is already paid, candidates end up scored at ~40-100% (the threshold
// tightens as they are visited best bound first), so only beyond ~2 / kScoredRowCost does
// finishing cost more than a rescan.
inline float single_prune_limit(size_t dim, size_t width) {
  return static_cast<float>(0.5 * single_break_even_scored_share(dim, width));
}
inline constexpr double kBailCandidateShare = 2.0 / kScoredRowCost;

// Pruned search of queries [q0, q1): one query at a time over the augmented rows (small
// batches), or blocks of queries through sgemm on the augmented rows (large batches).
Status pruned_scan_group(const Scan& sc, const Bounds& b, MatrixView queries, size_t q0,
                         size_t q1, size_t kk, Scratch& s, const std::vector<Id>& ids,
                         SearchResults& out);
Status pruned_blas_group(const Scan& sc, const Bounds& b, MatrixView queries, size_t q0,
                         size_t q1, size_t kk, Scratch& s, const std::vector<Id>& ids,
                         SearchResults& out);
// Fills add[0, n) for the batch test.
void fill_bound_terms(const Scan& sc, const Bounds& b, float* add);

}  // namespace vecdex::flat
