// Flat's pruned exact search (pca_bounds.h): bounds from the short augmented rows decide which
// original rows need an exact distance; everything returned is an exact kernel distance.
//
// The test. A row survives when  bound(q, x) <= thr + slack(q, x), thr = the k-th best exact
// distance so far, slack = kBoundRelativeSlack * (||aug(q)||^2 + ||aug(x)||^2) + kBoundAbsoluteSlack.
// Error budget (float32, eps = 6e-8), all terms relative to S = ||aug(q)||^2 + ||aug(x)||^2,
// which bounds ||q - mu||^2 + ||x - mu||^2 up to the projection's own error:
//  - P is orthonormal to ~1e-7 (eigenvectors from dsyevr in double, rounded to float), so the
//    Pythagoras split behind the bound is off by ~1e-7 S;
//  - sgemm / SIMD dot products over `width` <= 256 terms: worst case ~width * eps ~ 1.5e-5 S
//    (blocked and lane-split sums are far tighter in practice), and the norm trick
//    ||a||^2 + ||b||^2 - 2 a.b adds a few eps S of cancellation;
//  - tails come from explicit residuals (no sqrt-of-difference cancellation): ~dim * eps
//    relative to ||residual||, <= 5e-5 S worst case at dim 784, ~1e-6 typical;
//  - the exact distances thr is made of carry ~sqrt(dim) eps relative error (<= 2 S).
// 1e-4 S covers the worst-case sum with margin; it costs nothing measurable in pruning power,
// since pruned rows miss the threshold by a large fraction of S. The absolute 1e-30 only
// matters when S itself is denormal (all values ~1e-19), where relative bounds do not hold.
//
// Seeding: the first pass finds, per query, the k rows with the best bounds and scores them
// exactly, so the threshold starts near its final value and few rows pass the second pass.
#include <algorithm>
#include <cmath>
#include <limits>
#include <vector>

#include "core/blas.h"
#include "index/flat/search_common.h"

namespace vecdex::flat {
namespace {

// Base rows per bound sgemm: small enough that the rows scored exactly stay in L2 for reuse
// across the query block (1024 measured ~10% slower on Fashion-MNIST).
constexpr size_t kPrunedRowBlock = 256;

// Scores the seed slots exactly into `heap` (reset to kk). Seeds are sorted ascending.
void score_seeds(const Scan& sc, const float* q, Slot* seeds, size_t count, size_t kk,
                 TopK<Slot>& heap) {
  std::sort(seeds, seeds + count);
  heap.reset(kk);
  for (size_t i = 0; i < count; ++i) heap.push(exact_distance(sc, q, seeds[i]), seeds[i]);
}

}  // namespace

void fill_bound_terms(const Scan& sc, const Bounds& b, float* add) {
  // L2:  bound = qn + xn + c (c = -2 aug(q).aug(x)); survive iff
  //      c + (1 - rho) xn <= thr - (1 - rho) qn + abs.
  // IP:  bound = c (c = -aug(q).aug(x)); survive iff c - rho xn <= thr + rho qn + abs.
  const float rho = kBoundRelativeSlack;
  for (size_t s = 0; s < sc.n; ++s) add[s] = sc.l2 ? (1.0f - rho) * b.pnorms[s] : -rho * b.pnorms[s];
}

Status pruned_scan_group(const Scan& sc, const Bounds& b, MatrixView queries, size_t q0,
                         size_t q1, size_t kk, Scratch& s, const std::vector<Id>& ids,
                         SearchResults& out) {
  const PcaModel& model = *b.model;
  const size_t w = model.width;
  const float rho = kBoundRelativeSlack;
  float* bound = s.block.data();  // n floats
  TopK<Slot>& heap = s.heaps[0];
  TopK<Slot>& seed_heap = s.seed_heaps[0];
  const double max_candidates = kBailCandidateShare * double(sc.n);
  for (size_t q = q0; q < q1; ++q) {
    const size_t scored_before = s.scored;
    const float* qv = queries.row(q);
    float* qa = s.query_aug.data();
    float qn = 0;
    VECDEX_RETURN_IF_ERROR(project_rows(model, qv, 1, *sc.kernels, s.project, qa, &qn));
    if (sc.l2) {
      sc.kernels->l2_f32_many(qa, b.proj, sc.n, w, bound);
    } else {
      sc.kernels->ip_f32_many(qa, b.proj, sc.n, w, bound);
      for (size_t j = 0; j < sc.n; ++j) bound[j] = -bound[j];
    }
    // Seeds: the kk best bounds among allowed rows, scored exactly.
    seed_heap.reset(kk);
    offer_block(bound, nullptr, sc.mask, sc.n, 0, seed_heap);
    size_t nseeds = seed_heap.extract_sorted(s.out_dist.data(), s.out_slot.data());
    score_seeds(sc, qv, s.out_slot.data(), nseeds, kk, heap);
    for (size_t i = 0; i < nseeds; ++i) {
      bound[s.out_slot[i]] = std::numeric_limits<float>::infinity();  // already scored
    }
    // Candidates: rows that might beat the seeded threshold, visited best bound first so the
    // threshold tightens as fast as possible, stopping at the first that cannot pass.
    const float q_slack = rho * qn + kBoundAbsoluteSlack;
    float limit = heap.threshold() + q_slack + rho * b.pnorm_max;
    s.candidates.clear();
    for (size_t j0 = 0; j0 < sc.n; j0 += kChunk) {
      const size_t end = std::min(sc.n, j0 + kChunk);
      int hit = 0;
      for (size_t j = j0; j < end; ++j) hit |= bound[j] <= limit;
      if (hit == 0) continue;
      for (size_t j = j0; j < end; ++j) {
        if (bound[j] <= limit && (sc.mask == nullptr || sc.mask[j] != 0)) {
          s.candidates.emplace_back(bound[j], static_cast<Slot>(j));
        }
      }
    }
    if (double(s.candidates.size()) > max_candidates) {
      // The bounds are too loose for this query: a plain scan is cheaper than sorting and
      // scoring the candidates out of order. Same kernel, same exact distances.
      if (b.gate != nullptr) b.gate->record(float(double(s.candidates.size()) / double(sc.n)));
      heap.reset(kk);
      auto many = sc.l2 ? sc.kernels->l2_f32_many : sc.kernels->ip_f32_many;
      many(qv, sc.vectors, sc.n, sc.dim, bound);
      if (!sc.l2) {
        for (size_t j = 0; j < sc.n; ++j) bound[j] = -bound[j];
      }
      offer_block(bound, nullptr, sc.mask, sc.n, 0, heap);
      emit(heap, s, ids, 0.0f, false, q, out);
      continue;
    }
    std::sort(s.candidates.begin(), s.candidates.end());
    for (const auto& [lb, slot] : s.candidates) {
      const float thr = heap.threshold() + q_slack;
      if (lb > thr + rho * b.pnorm_max) break;
      if (lb > thr + rho * b.pnorms[slot]) continue;
      float d = exact_distance(sc, qv, slot);
      ++s.scored;
      if (d <= heap.threshold()) heap.push(d, slot);
    }
    if (b.gate != nullptr) {
      b.gate->record(float(double(nseeds + s.scored - scored_before) / double(sc.n)));
    }
    emit(heap, s, ids, 0.0f, false, q, out);
  }
  return Status();
}

Status pruned_blas_group(const Scan& sc, const Bounds& b, MatrixView queries, size_t q0,
                         size_t q1, size_t kk, Scratch& s, const std::vector<Id>& ids,
                         SearchResults& out) {
  const PcaModel& model = *b.model;
  const size_t w = model.width;
  const size_t nq = q1 - q0;
  const float rho = kBoundRelativeSlack;
  float* qa = s.query_aug.data();
  float* qn = s.query_norm.data();
  VECDEX_RETURN_IF_ERROR(project_rows(model, queries.row(q0), nq, *sc.kernels, s.project, qa, qn));
  // Per-query side of the survival test (see fill_bound_terms).
  std::vector<float>& qterm = s.out_dist_aux;
  qterm.resize(nq);
  for (size_t q = 0; q < nq; ++q) {
    qterm[q] = (sc.l2 ? -(1.0f - rho) * qn[q] : rho * qn[q]) + kBoundAbsoluteSlack;
  }
  const float alpha = sc.l2 ? -2.0f : -1.0f;
  float* c = s.block.data();

  // Pass 1: per query, the kk rows with the best bounds (monotone in c + add) become seeds.
  for (size_t q = 0; q < nq; ++q) s.seed_heaps[q].reset(kk);
  for (size_t r0 = 0; r0 < sc.n; r0 += kPrunedRowBlock) {
    const size_t count = std::min(kPrunedRowBlock, sc.n - r0);
    blas::gemm_abt(nq, count, w, alpha, qa, w, b.proj + r0 * w, w, 0.0f, c, count);
    const uint8_t* mask = sc.mask != nullptr ? sc.mask + r0 : nullptr;
    for (size_t q = 0; q < nq; ++q) {
      offer_block(c + q * count, b.add + r0, mask, count, static_cast<Slot>(r0), s.seed_heaps[q]);
    }
  }
  for (size_t q = 0; q < nq; ++q) {
    Slot* seeds = s.seeds.data() + q * kk;
    s.seed_count[q] = s.seed_heaps[q].extract_sorted(s.out_dist.data(), seeds);
    score_seeds(sc, queries.row(q0 + q), seeds, s.seed_count[q], kk, s.heaps[q]);
    s.seed_pos[q] = 0;
  }

  // Pass 2: the same bounds again; survivors (minus seeds) get exact distances.
  for (size_t r0 = 0; r0 < sc.n; r0 += kPrunedRowBlock) {
    const size_t count = std::min(kPrunedRowBlock, sc.n - r0);
    blas::gemm_abt(nq, count, w, alpha, qa, w, b.proj + r0 * w, w, 0.0f, c, count);
    const float* add = b.add + r0;
    for (size_t q = 0; q < nq; ++q) {
      const float* row = c + q * count;
      const float* qv = queries.row(q0 + q);
      TopK<Slot>& heap = s.heaps[q];
      const Slot* seeds = s.seeds.data() + q * kk;
      size_t& pos = s.seed_pos[q];
      const size_t nseeds = s.seed_count[q];
      float limit = heap.threshold() + qterm[q];
      for (size_t j0 = 0; j0 < count; j0 += kChunk) {
        const size_t end = std::min(count, j0 + kChunk);
        int hit = 0;
        for (size_t j = j0; j < end; ++j) hit |= row[j] + add[j] <= limit;
        if (hit == 0) continue;
        for (size_t j = j0; j < end; ++j) {
          if (row[j] + add[j] > limit) continue;
          const Slot slot = static_cast<Slot>(r0 + j);
          if (sc.mask != nullptr && sc.mask[slot] == 0) continue;
          while (pos < nseeds && seeds[pos] < slot) ++pos;
          if (pos < nseeds && seeds[pos] == slot) continue;  // scored in pass 1
          float d = exact_distance(sc, qv, slot);
          ++s.scored;
          if (d <= heap.threshold()) {
            heap.push(d, slot);
            limit = heap.threshold() + qterm[q];
          }
        }
      }
    }
  }
  for (size_t q = 0; q < nq; ++q) emit(s.heaps[q], s, ids, 0.0f, false, q0 + q, out);
  return Status();
}

}  // namespace vecdex::flat
