// IvfIndex search (internal "smaller is better" distances; see vecdex/index.h).
//  - coarse step: the nprobe nearest centroids of every query, one sgemm pass for the batch
//    (cluster::nearest_centroids).
//  - per query: each probed list is scored in one go (SIMD *_many kernels for Flat, the codec's
//    prepared query for FP16/BF16/SQ8, ADC tables for PQ, quantised LUTs and packed-block scans
//    for fast-scan) and offered to a threshold-checked top-k. PQ codes hold residuals r = x - c,
//    yet a query needs one table, not one per list: ip adds -<q, c> per list; l2 expands
//    ||q - c - r||^2 = ||q - c||^2 - 2 <q, r> + (||r||^2 + 2 <c, r>), the last term stored per
//    entry at add time (FAISS's "precomputed tables" idea, folded into the lists).
//  - IVF-Flat batches (>= kBatchMinQueries): queries are grouped by probed list and each list is
//    scored against its group with one sgemm (norm trick with stored norms), per-(query, list)
//    top-k, then merged per query. Parallel over lists.
//  - Refine: the best `rerank` candidates are re-scored with the f32 originals.
//  - Filters: a per-slot mask when many ids are allowed; when few are (<= size / 16), only the
//    allowed vectors are scored, list by list (exact with Refine / Flat).
//  - nprobe is a minimum: when the probed lists hold fewer than k (allowed) vectors, further
//    lists are probed in centroid order until k are found, so rows are padded only when the
//    index (or the filter) has fewer than k vectors.
#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <numeric>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "cluster/kmeans.h"
#include "core/blas.h"
#include "core/thread_pool.h"
#include "core/topk.h"
#include "index/allowed_slots.h"
#include "index/ivf/ivf_index.h"
#include "quant/fastscan.h"

namespace vecdex::ivf {

namespace fs = quant::fastscan;

namespace {

constexpr size_t kBatchMinQueries = 16;  // IVF-Flat: below this, the per-query path
constexpr size_t kQueryBlock = 256;      // queries per sgemm (rows of C)
constexpr size_t kRowBlock = 1024;       // list rows per sgemm (columns of C)

// Offers dist[j] for entry j (slot slots[j]) to heap; mask (per slot) may be null.
inline void offer(const float* dist, const Slot* slots, size_t n, const uint8_t* mask,
                  TopK<Slot>& heap) {
  float thr = heap.threshold();
  for (size_t j = 0; j < n; ++j) {
    const float d = dist[j];
    if (d > thr) continue;
    const Slot s = slots[j];
    if (mask != nullptr && mask[s] == 0) continue;
    heap.push(d, s);
    thr = heap.threshold();
  }
}

}  // namespace

struct SearchScratch {
  AlignedBuffer<float> dist;         // one list's distances
  std::vector<uint16_t> sums;        // fast-scan 16-bit sums of one list
  std::vector<float> shared_lut;     // the query's ADC table (prepare_query)
  fs::QuantizedLut qlut;             // its fast-scan form
  quant::PreparedQuery prepared;     // FP16 / BF16 / SQ8
  std::vector<float> residual;       // the rotated query (l2 PQ)
  TopK<Slot> heap;
  std::vector<float> cand_d;
  std::vector<Slot> cand_s;
  std::vector<std::pair<float, Slot>> pairs;
  std::vector<float> centroid_d;              // probe extension: distances to every centroid
  std::vector<std::pair<float, uint32_t>> ranking;
  std::vector<uint8_t> probed;
  std::vector<uint8_t> code;
  // IVF-Flat batches.
  AlignedBuffer<float> qsub;
  AlignedBuffer<float> c;
  std::vector<TopK<Slot>> heaps;
};

struct IvfIndex::Plan {
  size_t kk = 0;       // results per row: min(k, allowed vectors)
  size_t keep = 0;     // candidates kept per query (rerank with Refine, else kk)
  size_t nprobe = 0;
  const uint8_t* mask = nullptr;           // allowed[slot], or null
  const std::vector<Slot>* subset = nullptr;  // allowed slots grouped by list, or null
};

float IvfIndex::exact_distance(const float* q, Slot s) const {
  const float* x = params_.refine
                       ? originals_view_ + size_t{s} * dim()
                       : reinterpret_cast<const float*>(lists_.code_ptr(list_of_[s], pos_of_[s]));
  return inner_product() ? -kernels_->ip_f32(q, x, dim()) : kernels_->l2_f32(q, x, dim());
}

void IvfIndex::prepare_query(const float* q, SearchScratch& s) const {
  if (codec_ != nullptr) codec_->prepare(q, s.prepared);
  if (!params_.is_pq()) return;
  if (inner_product()) {
    pq_.compute_lut(q, s.shared_lut.data());  // -<q_j, centroid>
  } else {
    // L2 over residuals: the query's part is -2 <q, r>; a table of -2 <(R q)_j, centroid>.
    pq_.rotate(q, s.residual.data());
    pq_.compute_dot_lut(s.residual.data(), -2.0f, s.shared_lut.data());
  }
  if (params_.storage == IvfStorage::kPQFastScan) {
    fs::quantize_lut(s.shared_lut.data(), pq_.m(), s.qlut).ignore();  // buffer pre-sized
  }
}

void IvfIndex::scan_list(const float* q, size_t l, float coarse, SearchScratch& s) const {
  const ListView& v = lists_.list(l);
  float* dist = s.dist.data();
  const size_t n = v.size;
  switch (params_.storage) {
    case IvfStorage::kFlat: {
      const float* rows = reinterpret_cast<const float*>(v.codes);
      if (inner_product()) {
        kernels_->ip_f32_many(q, rows, n, dim(), dist);
        for (size_t j = 0; j < n; ++j) dist[j] = -dist[j];
      } else {
        kernels_->l2_f32_many(q, rows, n, dim(), dist);
      }
      return;
    }
    case IvfStorage::kFP16:
    case IvfStorage::kBF16:
    case IvfStorage::kSQ8: {
      const size_t cb = lists_.code_bytes();
      for (size_t j = 0; j < n; ++j) dist[j] = s.prepared.distance(v.codes + j * cb);
      return;
    }
    case IvfStorage::kPQ:
    case IvfStorage::kPQFastScan:
      break;
  }
  // One table per query (prepare_query): ip: -<q, c> - <q, r>; l2: ||q - c||^2 - 2 <q, r> +
  // the entry's stored term ||r||^2 + 2 <c, r>. `coarse` is -<q, c> or ||q - c||^2.
  const float* terms = v.norms;  // l2 only
  if (params_.storage == IvfStorage::kPQFastScan) {
    fs::scan_blocks(v.codes, fs::blocks_for(n), s.qlut, s.sums.data());
    const float bias = s.qlut.bias + coarse;
    const float inv = 1.0f / s.qlut.scale;
    if (terms != nullptr) {
      for (size_t j = 0; j < n; ++j) dist[j] = bias + float(s.sums[j]) * inv + terms[j];
    } else {
      for (size_t j = 0; j < n; ++j) dist[j] = bias + float(s.sums[j]) * inv;
    }
  } else {
    pq_.adc_many(s.shared_lut.data(), v.codes, n, dist);
    if (terms != nullptr) {
      for (size_t j = 0; j < n; ++j) dist[j] += coarse + terms[j];
    } else {
      for (size_t j = 0; j < n; ++j) dist[j] += coarse;
    }
  }
}

void IvfIndex::finish_query(const float* q, const Plan& plan, SearchScratch& s, Id* ids,
                            float* dists) const {
  size_t got = s.heap.extract_sorted(s.cand_d.data(), s.cand_s.data());
  if (params_.refine && got > 0) {
    s.pairs.clear();
    // The originals are scattered rows (3 KiB each at 784-d): request all of them before scoring
    // the first, so their cache misses overlap instead of queueing one after another.
    const size_t row_bytes = dim() * sizeof(float);
    for (size_t i = 0; i < got; ++i) {
      const char* x = reinterpret_cast<const char*>(originals_view_ + size_t{s.cand_s[i]} * dim());
      for (size_t off = 0; off < row_bytes; off += 64) __builtin_prefetch(x + off, 0, 1);
    }
    for (size_t i = 0; i < got; ++i) s.pairs.emplace_back(exact_distance(q, s.cand_s[i]), s.cand_s[i]);
    const size_t top = std::min(got, plan.kk);
    std::partial_sort(s.pairs.begin(), s.pairs.begin() + top, s.pairs.end());
    for (size_t i = 0; i < top; ++i) {
      dists[i] = s.pairs[i].first;
      ids[i] = ids_[s.pairs[i].second];
    }
    return;
  }
  got = std::min(got, plan.kk);
  for (size_t i = 0; i < got; ++i) {
    dists[i] = s.cand_d[i];
    ids[i] = ids_[s.cand_s[i]];
  }
}

void IvfIndex::search_one(const float* q, const uint32_t* probes, const float* probe_dists,
                          const Plan& plan, SearchScratch& s, Id* ids, float* dists) const {
  prepare_query(q, s);
  s.heap.reset(plan.keep);
  for (size_t p = 0; p < plan.nprobe; ++p) {
    const uint32_t l = probes[p];
    const ListView& v = lists_.list(l);
    if (v.size == 0) continue;
    scan_list(q, l, probe_dists[p], s);
    offer(s.dist.data(), v.slots, v.size, plan.mask, s.heap);
  }
  const size_t nlist = params_.nlist;
  if (s.heap.size() < plan.kk && plan.nprobe < nlist) {
    // Too few vectors in the probed lists: probe on in centroid order (see the file comment).
    float* cd = s.centroid_d.data();
    if (inner_product()) {
      kernels_->ip_f32_many(q, centroids_.data(), nlist, dim(), cd);
      for (size_t l = 0; l < nlist; ++l) cd[l] = -cd[l];
    } else {
      kernels_->l2_f32_many(q, centroids_.data(), nlist, dim(), cd);
    }
    s.ranking.clear();
    for (uint32_t l = 0; l < nlist; ++l) s.ranking.emplace_back(cd[l], l);
    std::sort(s.ranking.begin(), s.ranking.end());
    std::fill(s.probed.begin(), s.probed.end(), 0);
    for (size_t p = 0; p < plan.nprobe; ++p) s.probed[probes[p]] = 1;
    for (const auto& [d, l] : s.ranking) {
      if (s.heap.size() >= plan.kk) break;
      const ListView& v = lists_.list(l);
      if (s.probed[l] != 0 || v.size == 0) continue;
      scan_list(q, l, d, s);
      offer(s.dist.data(), v.slots, v.size, plan.mask, s.heap);
    }
  }
  finish_query(q, plan, s, ids, dists);
}

void IvfIndex::subset_one(const float* q, const Plan& plan, SearchScratch& s, Id* ids,
                          float* dists) const {
  prepare_query(q, s);
  s.heap.reset(plan.kk);
  const std::vector<Slot>& subset = *plan.subset;
  const bool exact = params_.refine || params_.storage == IvfStorage::kFlat;
  size_t i = 0;
  while (i < subset.size()) {
    const uint32_t l = list_of_[subset[i]];
    size_t end = i;
    while (end < subset.size() && list_of_[subset[end]] == l) ++end;
    if (exact) {
      for (; i < end; ++i) s.heap.push(exact_distance(q, subset[i]), subset[i]);
      continue;
    }
    if (codec_ != nullptr) {
      for (; i < end; ++i) {
        const Slot sl = subset[i];
        s.heap.push(s.prepared.distance(lists_.code_ptr(l, pos_of_[sl])), sl);
      }
      continue;
    }
    // PQ: the float table (also for fast-scan codes: no 8-bit rounding); see scan_list.
    const float* c = centroids_.data() + size_t{l} * dim();
    const float coarse = inner_product() ? -kernels_->ip_f32(q, c, dim())
                                         : kernels_->l2_f32(q, c, dim());
    const float* terms = lists_.list(l).norms;
    for (; i < end; ++i) {
      const Slot sl = subset[i];
      const uint32_t pos = pos_of_[sl];
      lists_.get_code(l, pos, s.code.data());
      const float term = terms != nullptr ? terms[pos] : 0.0f;
      s.heap.push(pq_.adc(s.shared_lut.data(), s.code.data()) + coarse + term, sl);
    }
  }
  size_t got = s.heap.extract_sorted(s.cand_d.data(), s.cand_s.data());
  for (size_t r = 0; r < got; ++r) {
    dists[r] = s.cand_d[r];
    ids[r] = ids_[s.cand_s[r]];
  }
}

Status IvfIndex::batch_flat(MatrixView queries, const std::vector<uint32_t>& probes,
                            const Plan& plan, std::vector<SearchScratch>& scratch, size_t threads,
                            SearchResults& out) const {
  const size_t nq = queries.rows;
  const size_t nprobe = plan.nprobe;
  const size_t nlist = params_.nlist;
  const size_t kk = plan.kk;
  // Group (query, rank) pairs by list: a counting sort.
  std::vector<uint32_t> start(nlist + 1, 0);
  for (uint32_t l : probes) ++start[l + 1];
  for (size_t l = 0; l < nlist; ++l) start[l + 1] += start[l];
  std::vector<uint32_t> members(nq * nprobe);  // q * nprobe + rank
  {
    std::vector<uint32_t> fill(start.begin(), start.end() - 1);
    for (size_t i = 0; i < nq * nprobe; ++i) members[fill[probes[i]]++] = static_cast<uint32_t>(i);
  }
  std::vector<uint32_t> order;
  for (uint32_t l = 0; l < nlist; ++l) {
    if (start[l + 1] > start[l] && lists_.list_size(l) > 0) order.push_back(l);
  }
  // Biggest jobs first, for balance.
  std::sort(order.begin(), order.end(), [&](uint32_t a, uint32_t b) {
    size_t wa = size_t(start[a + 1] - start[a]) * lists_.list_size(a);
    size_t wb = size_t(start[b + 1] - start[b]) * lists_.list_size(b);
    return wa != wb ? wa > wb : a < b;
  });
  std::vector<float> cand_d(nq * nprobe * kk);
  std::vector<Slot> cand_s(nq * nprobe * kk);
  std::vector<uint32_t> cand_n(nq * nprobe, 0);
  const bool l2 = !inner_product();
  const float alpha = l2 ? -2.0f : -1.0f;
  ThreadPool& pool = default_thread_pool();
  pool.parallel_for(order.size(), threads, [&](size_t task, size_t worker) {
    const uint32_t l = order[task];
    const ListView& v = lists_.list(l);
    const float* rows = reinterpret_cast<const float*>(v.codes);
    SearchScratch& s = scratch[worker];
    for (uint32_t m0 = start[l]; m0 < start[l + 1]; m0 += kQueryBlock) {
      const size_t nb = std::min<size_t>(kQueryBlock, start[l + 1] - m0);
      for (size_t i = 0; i < nb; ++i) {
        const size_t q = members[m0 + i] / nprobe;
        std::memcpy(s.qsub.data() + i * dim(), queries.row(q), dim() * sizeof(float));
        s.heaps[i].reset(kk);
      }
      for (size_t r0 = 0; r0 < v.size; r0 += kRowBlock) {
        const size_t cnt = std::min(kRowBlock, v.size - r0);
        blas::gemm_abt(nb, cnt, dim(), alpha, s.qsub.data(), dim(), rows + r0 * dim(), dim(),
                       0.0f, s.c.data(), cnt);
        for (size_t i = 0; i < nb; ++i) {
          float* c = s.c.data() + i * cnt;
          if (l2) {
            for (size_t j = 0; j < cnt; ++j) c[j] += v.norms[r0 + j];
          }
          offer(c, v.slots + r0, cnt, plan.mask, s.heaps[i]);
        }
      }
      for (size_t i = 0; i < nb; ++i) {
        const size_t at = members[m0 + i];
        cand_n[at] = static_cast<uint32_t>(
            s.heaps[i].extract_sorted(cand_d.data() + at * kk, cand_s.data() + at * kk));
      }
    }
  });
  // Merge each query's per-list candidates; queries short of kk probe on (search_one).
  std::vector<uint8_t> short_rows(nq, 0);
  pool.parallel_for(nq, threads, [&](size_t q, size_t worker) {
    SearchScratch& s = scratch[worker];
    s.heap.reset(kk);
    for (size_t r = 0; r < nprobe; ++r) {
      const size_t at = q * nprobe + r;
      for (size_t i = 0; i < cand_n[at]; ++i) {
        const float d = cand_d[at * kk + i];
        if (d <= s.heap.threshold()) s.heap.push(d, cand_s[at * kk + i]);
      }
    }
    if (s.heap.size() < kk && nprobe < nlist) {
      short_rows[q] = 1;
      return;
    }
    float qnorm = 0.0f;
    if (l2) kernels_->norms_f32(queries.row(q), 1, dim(), &qnorm);
    const size_t got = s.heap.extract_sorted(s.cand_d.data(), s.cand_s.data());
    Id* ids = out.ids.data() + q * out.k;
    float* dists = out.distances.data() + q * out.k;
    for (size_t i = 0; i < got; ++i) {
      const float d = s.cand_d[i] + qnorm;
      dists[i] = l2 && d < 0.0f ? 0.0f : d;
      ids[i] = ids_[s.cand_s[i]];
    }
  });
  for (size_t q = 0; q < nq; ++q) {
    if (short_rows[q] == 0) continue;
    std::vector<float> pd(nprobe, 0.0f);
    search_one(queries.row(q), probes.data() + q * nprobe, pd.data(), plan, scratch[0],
               out.ids.data() + q * out.k, out.distances.data() + q * out.k);
  }
  return Status();
}

Status IvfIndex::search_impl(MatrixView queries, size_t k, const SearchParams& params,
                             const Filter* filter, SearchResults& out) const {
  const size_t n = size();
  const size_t nq = queries.rows;
  if (n == 0) return Status();
  const size_t nlist = params_.nlist;
  Plan plan;
  plan.nprobe = std::min<size_t>(params.nprobe.value_or(kDefaultNprobe), nlist);
  AllowedSlots allowed;
  size_t candidates = n;
  if (filter != nullptr) {
    if (filter->count() == 0) return Status();
    VECDEX_ASSIGN_OR_RETURN(allowed, allowed_slots(*filter, n, ids_.data(), slot_of_));
    candidates = allowed.count;
    if (candidates == 0) return Status();
    if (allowed.use_subset) {
      std::sort(allowed.subset.begin(), allowed.subset.end(), [&](Slot a, Slot b) {
        return list_of_[a] != list_of_[b] ? list_of_[a] < list_of_[b] : pos_of_[a] < pos_of_[b];
      });
      plan.subset = &allowed.subset;
    } else {
      plan.mask = allowed.mask.data();
    }
  }
  plan.kk = std::min(k, candidates);
  plan.keep = plan.kk;
  if (params_.refine) {
    plan.keep = std::max<size_t>(plan.kk, params.rerank.value_or(default_rerank(k)));
  }

  ThreadPool& pool = default_thread_pool();
  const size_t want = nq == 1 ? 1 : params.threads.value_or(0);
  const size_t threads = pool.effective_threads(nq, want);
  const bool batch = plan.subset == nullptr && params_.storage == IvfStorage::kFlat &&
                     nq >= kBatchMinQueries;
  size_t max_list = 0;
  for (size_t l = 0; l < nlist; ++l) max_list = std::max(max_list, lists_.list_size(l));
  std::vector<SearchScratch> scratch(std::max<size_t>(threads, 1));
  try {
    const size_t lut_floats = params_.is_pq() ? pq_.m() * pq_.ksub() : 0;
    for (SearchScratch& s : scratch) {
      VECDEX_RETURN_IF_ERROR(s.dist.resize_exact(std::max<size_t>(max_list, 1)));
      if (params_.storage == IvfStorage::kPQFastScan) {
        s.sums.resize(fs::blocks_for(max_list) * fs::kBlock);
        std::vector<float> zero(lut_floats, 0.0f);
        VECDEX_RETURN_IF_ERROR(fs::quantize_lut(zero.data(), pq_.m(), s.qlut));  // sizes it
      }
      s.shared_lut.resize(lut_floats);
      s.residual.resize(dim());
      s.cand_d.resize(std::max(plan.keep, plan.kk));
      s.cand_s.resize(std::max(plan.keep, plan.kk));
      s.pairs.reserve(plan.keep);
      s.centroid_d.resize(nlist);
      s.ranking.reserve(nlist);
      s.probed.resize(nlist);
      s.code.resize(lists_.code_bytes());
      if (batch) {
        VECDEX_RETURN_IF_ERROR(s.qsub.resize_exact(kQueryBlock * dim()));
        VECDEX_RETURN_IF_ERROR(s.c.resize_exact(kQueryBlock * kRowBlock));
        s.heaps.resize(kQueryBlock);
      }
    }
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("search: out of memory for k={} scratch", k));
  }

  if (plan.subset != nullptr) {
    pool.parallel_for(nq, threads, [&](size_t q, size_t worker) {
      subset_one(queries.row(q), plan, scratch[worker], out.ids.data() + q * out.k,
                 out.distances.data() + q * out.k);
    });
    return Status();
  }
  std::vector<uint32_t> probes;
  std::vector<float> probe_dists;
  try {
    probes.resize(nq * plan.nprobe);
    probe_dists.resize(nq * plan.nprobe);
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("search: out of memory for {} x {} probes", nq,
                                          plan.nprobe));
  }
  cluster::nearest_centroids(queries, centroids_.data(), nlist, plan.nprobe, inner_product(),
                             probes.data(), probe_dists.data(), static_cast<uint32_t>(threads));
  if (batch) {
    try {
      return batch_flat(queries, probes, plan, scratch, threads, out);
    } catch (const std::bad_alloc&) {
      return resource_exhausted("search: out of memory grouping queries by list");
    }
  }
  pool.parallel_for(nq, threads, [&](size_t q, size_t worker) {
    const size_t at = q * plan.nprobe;
    search_one(queries.row(q), probes.data() + at, probe_dists.data() + at, plan, scratch[worker],
               out.ids.data() + q * out.k, out.distances.data() + q * out.k);
  });
  return Status();
}

}  // namespace vecdex::ivf
