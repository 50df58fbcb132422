// HnswIndex: construction from a spec, training (codecs that learn), add (slot assignment and
// parallel insertion), stats, and the registry entry. Search is in hnsw_search.cc and
// filtered_search.cc, removal in graph_repair.cc, files in hnsw_io.cc.
#include "index/hnsw/hnsw_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "core/thread_pool.h"
#include "index/hnsw/graph_builder.h"
#include "index/hnsw/query_scratch.h"
#include "index/hnsw/scorer.h"
#include "index/vector_ops.h"

namespace vecdex::hnsw {
namespace {

// Slots carry a flag in their top bit inside the beam (search.h).
constexpr size_t kMaxSlots = BeamPool::kSlotMask;

Result<std::unique_ptr<Index>> build_hnsw(const factory::ParsedSpec& spec, size_t dim,
                                          Metric metric) {
  VECDEX_ASSIGN_OR_RETURN(HnswParams params, parse_hnsw_spec(spec));
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<quant::Codec> codec,
                          quant::make_codec(params.codec, dim, metric));
  return std::unique_ptr<Index>(
      new HnswIndex(dim, metric, spec.text, params, std::move(codec)));
}

// SplitMix64: a stateless hash of (seed, draw number), so levels do not depend on how
// insertions are spread over threads or add() calls.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

// The paper's level distribution: floor(-ln(U) * mL), U uniform in (0, 1].
int draw_level(uint64_t seed, uint64_t draw, double ml) {
  uint64_t bits = mix(seed ^ mix(draw));
  double u = (double((bits >> 11) + 1)) * (1.0 / 9007199254740992.0);
  double level = -std::log(u) * ml;
  return level >= Graph::kMaxLevel ? Graph::kMaxLevel : static_cast<int>(level);
}

}  // namespace

factory::FamilyEntry family_entry() {
  return factory::FamilyEntry{"HNSW", "HNSW<M>", "HNSW", &build_hnsw, &HnswIndex::load};
}

HnswIndex::HnswIndex(size_t dim, Metric metric, std::string spec, HnswParams params,
                     std::unique_ptr<quant::Codec> codec)
    : Index(dim, metric, std::move(spec)),
      params_(params),
      codec_(std::move(codec)),
      kernels_(&distance::kernels()),
      graph_(BlockLayout::make(codec_->code_bytes(), params.m0), params.m) {}

HnswIndex::~HnswIndex() = default;

std::vector<std::string> HnswIndex::accepted_search_keys() const {
  if (params_.refine) return {"ef", "rerank", "threads"};
  return {"ef", "threads"};
}

Status HnswIndex::train_impl(MatrixView data, const BuildOptions& /*options*/) {
  std::lock_guard<std::mutex> writer(write_mutex_);
  if (codec_->is_trained() && graph_.slots() > 0) return Status();  // nothing to learn again
  if (metric() != Metric::kCosine) return codec_->train(data);
  AlignedBuffer<float> unit;
  VECDEX_RETURN_IF_ERROR(unit.resize_exact(data.rows * data.dim));
  normalize_rows(data, unit.data());
  return codec_->train(MatrixView{unit.data(), data.rows, data.dim});
}

Status HnswIndex::make_owned() {
  if (file_ == nullptr) return Status();
  VECDEX_RETURN_IF_ERROR(graph_.make_owned());
  if (params_.refine) {
    const size_t floats = graph_.slots() * dim();
    AlignedBuffer<float> copy;
    VECDEX_RETURN_IF_ERROR(copy.resize_exact(floats));
    if (floats > 0) std::memcpy(copy.data(), originals_view_, floats * sizeof(float));
    originals_ = std::move(copy);
    originals_view_ = originals_.data();
  }
  file_.reset();
  return Status();
}

Status HnswIndex::add_impl(std::span<const Id> ids, MatrixView data, const BuildOptions& options) {
  std::lock_guard<std::mutex> writer(write_mutex_);
  for (size_t i = 0; i < ids.size(); ++i) {
    if (slot_of_.contains(ids[i])) {
      return already_exists(fmt::format("add: id {} (row {}) is already in the index", ids[i], i));
    }
  }
  const size_t n = ids.size();
  const size_t reused = std::min(n, free_slots_.size());
  const size_t new_slots = graph_.slots() + (n - reused);
  if (new_slots > kMaxSlots) {
    return resource_exhausted(fmt::format("add: HNSW holds at most {} nodes, would need {}",
                                          kMaxSlots, new_slots));
  }
  // Cosine vectors are stored (and inserted) normalised.
  AlignedBuffer<float> unit;
  const float* vectors = data.data;
  if (metric() == Metric::kCosine) {
    VECDEX_RETURN_IF_ERROR(unit.resize_exact(n * dim()));
    normalize_rows(data, unit.data());
    vectors = unit.data();
  }
  std::vector<Slot> slots;
  try {
    slots.reserve(n);
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("add: out of memory for {} ids", n));
  }
  {
    // Exclusive: arrays may move, reused slots get new codes, the id map may rehash (filtered
    // searches read it under the shared lock); no query is in flight.
    std::lock_guard<RwGate> exclusive(state_);
    VECDEX_RETURN_IF_ERROR(make_owned());
    VECDEX_RETURN_IF_ERROR(graph_.reserve(new_slots).with_context("add"));
    try {
      ids_.reserve(new_slots);
    } catch (const std::bad_alloc&) {
      return resource_exhausted(fmt::format("add: out of memory for {} slots", new_slots));
    }
    VECDEX_RETURN_IF_ERROR(slot_of_.reserve(ids).with_context("add"));
    if (params_.refine) {
      VECDEX_RETURN_IF_ERROR(originals_.resize(new_slots * dim()).with_context("add"));
      originals_view_ = originals_.data();
    }
    for (size_t i = 0; i < reused; ++i) {
      slots.push_back(free_slots_.back());
      free_slots_.pop_back();
    }
    const size_t first_new = graph_.slots();
    VECDEX_RETURN_IF_ERROR(graph_.grow_to(new_slots));
    ids_.resize(new_slots, kNoId);
    for (size_t s = first_new; s < new_slots; ++s) slots.push_back(static_cast<Slot>(s));
    const double ml = params_.level_multiplier();
    for (size_t i = 0; i < n; ++i) {
      const Slot s = slots[i];
      int level = draw_level(params_.seed, level_draws_++, ml);
      VECDEX_RETURN_IF_ERROR(graph_.reset_node(s, level).with_context("add"));
      codec_->encode(vectors + i * dim(), graph_.mutable_code(s));
      if (params_.refine) {
        std::memcpy(originals_.data() + size_t{s} * dim(), vectors + i * dim(),
                    dim() * sizeof(float));
      }
      __atomic_store_n(ids_.data() + s, ids[i], __ATOMIC_RELEASE);
      slot_of_.insert(ids[i], s);
    }
  }
  live_.fetch_add(n, std::memory_order_relaxed);
  const size_t threads = resolve_thread_count(options.threads);
  if (use_f32_scorer()) {
    insert_all<F32Scorer>(slots, vectors, threads);
  } else {
    insert_all<CodecScorer>(slots, vectors, threads);
  }
  return Status();
}

template <typename Scorer>
void HnswIndex::insert_all(std::span<const Slot> slots, const float* vectors, size_t threads) {
  BuildContext ctx;
  ctx.graph = &graph_;
  ctx.codec = codec_.get();
  ctx.kernels = kernels_;
  ctx.ef_construction = params_.ef_construction;
  ctx.entry_mutex = &entry_mutex_;
  ctx.ids = ids_.data();
  ThreadPool& pool = default_thread_pool();
  const size_t workers_n = pool.effective_threads(slots.size(), threads);
  std::vector<std::unique_ptr<InsertWorker<Scorer>>> workers(workers_n);
  for (auto& w : workers) w = std::make_unique<InsertWorker<Scorer>>(ctx);
  pool.parallel_for(slots.size(), workers_n, [&](size_t i, size_t worker) {
    workers[worker]->insert(slots[i], vectors + i * dim());
  });
}

IndexStats HnswIndex::stats() const {
  IndexStats st;
  st.family = "HNSW";
  st.spec = spec();
  st.count = size();
  st.dim = dim();
  st.metric = metric();
  st.simd_target = kernels_->target_name;
  const size_t originals = params_.refine ? graph_.slots() * dim() * sizeof(float) : 0;
  const size_t id_bytes = ids_.capacity() * sizeof(Id) + slot_of_.memory_bytes();
  st.bytes = graph_.memory_bytes() + originals + id_bytes;
  const size_t n = std::max<size_t>(size(), 1);
  const Graph::Entry e = graph_.entry();
  st.extra = {
      {"M", std::to_string(params_.m)},
      {"M0", std::to_string(params_.m0)},
      {"efc", std::to_string(params_.ef_construction)},
      {"levels", std::to_string(e.level + 1)},
      {"codec", std::string(quant::codec_name(params_.codec))},
      {"refine", params_.refine ? "1" : "0"},
      {"code_bytes", std::to_string(codec_->code_bytes())},
      {"block_bytes", std::to_string(graph_.layout().stride)},
      {"bytes_per_vector", fmt::format("{:.1f}", double(st.bytes) / double(n))},
      {"free_slots", std::to_string(free_slots_.size())},
      {"unrepaired_slots", std::to_string(unrepaired_.size())},
  };
  return st;
}

template void HnswIndex::insert_all<F32Scorer>(std::span<const Slot>, const float*, size_t);
template void HnswIndex::insert_all<CodecScorer>(std::span<const Slot>, const float*, size_t);

}  // namespace vecdex::hnsw
