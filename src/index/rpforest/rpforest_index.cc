// RpForestIndex: construction from a spec, add (full rebuild or routing into the trees with
// leaf splits), remove (tombstones + leaf compaction), stats, and the registry entry. Search is
// in rpforest_search.cc, files in rpforest_io.cc.
#include "index/rpforest/rpforest_index.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>

#include <fmt/format.h>

#include "core/thread_pool.h"
#include "index/rpforest/query_scratch.h"
#include "index/vector_ops.h"

namespace vecdex::rpforest {
namespace {

// Slots are u32 and kNoSlot-like values are never needed, but keep the top value free.
constexpr size_t kMaxSlots = std::numeric_limits<Slot>::max() - 1;

Result<std::unique_ptr<Index>> build_rpforest(const factory::ParsedSpec& spec, size_t dim,
                                              Metric metric) {
  VECDEX_ASSIGN_OR_RETURN(RpForestParams params, parse_rpforest_spec(spec));
  return std::unique_ptr<Index>(new RpForestIndex(dim, metric, spec.text, params));
}

}  // namespace

factory::FamilyEntry family_entry() {
  return factory::FamilyEntry{"RPForest", "RPForest<ntrees>", "RPF", &build_rpforest,
                              &RpForestIndex::load};
}

RpForestIndex::RpForestIndex(size_t dim, Metric metric, std::string spec, RpForestParams params)
    : Index(dim, metric, std::move(spec)),
      params_(params),
      kernels_(&distance::kernels()),
      l2_(metric == Metric::kL2),
      forest_(dim) {}

RpForestIndex::~RpForestIndex() = default;

TreeInput RpForestIndex::tree_input() const {
  TreeInput in;
  in.vectors = vectors_;
  in.dim = dim();
  in.angular = !l2_;
  in.leaf = params_.leaf;
  in.kernels = kernels_;
  return in;
}

Status RpForestIndex::make_owned() {
  if (file_ == nullptr) return Status();
  AlignedBuffer<float> copy;
  VECDEX_RETURN_IF_ERROR(copy.resize_exact(slots_ * dim()));
  if (slots_ > 0) std::memcpy(copy.data(), vectors_, slots_ * dim() * sizeof(float));
  VECDEX_RETURN_IF_ERROR(forest_.make_owned());
  owned_vectors_ = std::move(copy);
  vectors_ = owned_vectors_.data();
  file_.reset();
  return Status();
}

void RpForestIndex::discard(std::span<const Slot> slots) {
  for (Slot s : slots) {
    if (ids_[s] == kNoId) continue;
    slot_of_.erase(ids_[s]);
    ids_[s] = kNoId;
    tombstones_.push_back(s);
  }
}

Status RpForestIndex::add_impl(std::span<const Id> ids, MatrixView data,
                               const BuildOptions& options) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (slot_of_.contains(ids[i])) {
      return already_exists(fmt::format("add: id {} (row {}) is already in the index", ids[i], i));
    }
  }
  const size_t n = ids.size();
  const size_t reused = std::min(n, free_slots_.size());
  const size_t new_slots = slots_ + (n - reused);
  if (new_slots > kMaxSlots) {
    return resource_exhausted(fmt::format("add: RPForest holds at most {} slots, would need {}",
                                          kMaxSlots, new_slots));
  }
  AlignedBuffer<float> unit;  // cosine rows are stored normalised
  const float* rows = data.data;
  if (metric() == Metric::kCosine) {
    VECDEX_RETURN_IF_ERROR(unit.resize_exact(n * dim()));
    normalize_rows(data, unit.data());
    rows = unit.data();
  }
  VECDEX_RETURN_IF_ERROR(make_owned().with_context("add"));
  VECDEX_RETURN_IF_ERROR(owned_vectors_.resize(new_slots * dim()).with_context("add"));
  std::vector<Slot> slots;
  try {
    slots.reserve(n);
    ids_.reserve(new_slots);
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("add: out of memory for {} ids", n));
  }
  VECDEX_RETURN_IF_ERROR(slot_of_.reserve(ids).with_context("add"));
  vectors_ = owned_vectors_.data();
  for (size_t i = 0; i < reused; ++i) {
    slots.push_back(free_slots_.back());
    free_slots_.pop_back();
  }
  for (size_t s = slots_; s < new_slots; ++s) slots.push_back(static_cast<Slot>(s));
  slots_ = new_slots;
  ids_.resize(new_slots, kNoId);
  for (size_t i = 0; i < n; ++i) {
    std::memcpy(owned_vectors_.data() + size_t{slots[i]} * dim(), rows + i * dim(),
                dim() * sizeof(float));
    ids_[slots[i]] = ids[i];
    slot_of_.insert(ids[i], slots[i]);
  }
  const size_t live_before = size() - n;
  const size_t threads = resolve_thread_count(options.threads);
  // An add that at least doubles the index gets fresh trees: cheaper than routing and splitting
  // that many points, and the planes then fit all the data (this is also the first build).
  Status s = forest_.tree_count() == 0 || n >= live_before ? rebuild(threads)
                                                           : insert(slots, threads);
  if (!s.ok()) {
    discard(slots);  // still listed in some leaves, so tombstones, not free slots
    return s.with_context("add");
  }
  return Status();
}

Status RpForestIndex::rebuild(size_t threads) {
  std::vector<Slot> live;
  try {
    live.reserve(size());
    for (size_t s = 0; s < slots_; ++s) {
      if (ids_[s] != kNoId) live.push_back(static_cast<Slot>(s));
    }
  } catch (const std::bad_alloc&) {
    return resource_exhausted("RPForest: out of memory listing live slots");
  }
  const TreeInput in = tree_input();
  ThreadPool& pool = default_thread_pool();
  const size_t ntrees = params_.ntrees;
  // Trees are built in parallel in batches and spliced in tree order (deterministic layout);
  // batches bound the memory held by trees not yet spliced.
  const size_t batch = std::max<size_t>(1, 2 * pool.effective_threads(ntrees, threads));
  Forest fresh(dim());
  std::vector<Result<BuiltTree>> built;
  for (size_t first = 0; first < ntrees; first += batch) {
    const size_t count = std::min(batch, ntrees - first);
    built.clear();
    built.resize(count, Result<BuiltTree>(internal_error("tree not built")));
    pool.parallel_for(count, threads, [&](size_t i, size_t /*worker*/) {
      built[i] = build_tree(in, live, mix_seed(params_.seed, first + i));
    });
    for (Result<BuiltTree>& tree : built) {
      if (!tree.ok()) return tree.status();
      VECDEX_RETURN_IF_ERROR(fresh.add_tree(std::move(tree).value()));
    }
  }
  fresh.shrink_to_fit();
  forest_ = std::move(fresh);
  // No leaf lists a removed slot any more.
  free_slots_.insert(free_slots_.end(), tombstones_.begin(), tombstones_.end());
  tombstones_.clear();
  return Status();
}

Status RpForestIndex::insert(std::span<const Slot> slots, size_t threads) {
  const size_t n = slots.size();
  const size_t ntrees = forest_.tree_count();
  std::vector<uint32_t> target;
  try {
    target.resize(n * ntrees);
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("RPForest: out of memory routing {} points", n));
  }
  ThreadPool& pool = default_thread_pool();
  pool.parallel_for(n, threads, [&](size_t i, size_t /*worker*/) {
    const float* x = vectors_ + size_t{slots[i]} * dim();
    for (size_t t = 0; t < ntrees; ++t) {
      target[i * ntrees + t] = forest_.route(t, x, slots[i], *kernels_);
    }
  });
  for (size_t i = 0; i < n; ++i) {
    for (size_t t = 0; t < ntrees; ++t) {
      VECDEX_RETURN_IF_ERROR(forest_.append(target[i * ntrees + t], slots[i]));
    }
  }
  // Leaves that grew past twice the leaf size are split like a build would split them.
  const size_t limit = 2 * size_t{params_.leaf};
  std::sort(target.begin(), target.end());
  target.erase(std::unique(target.begin(), target.end()), target.end());
  std::vector<uint32_t> overfull;
  for (uint32_t node : target) {
    if (forest_.node(node).count() > limit) overfull.push_back(node);
  }
  const TreeInput in = tree_input();
  std::vector<Result<BuiltTree>> built(overfull.size(),
                                       Result<BuiltTree>(internal_error("leaf not split")));
  pool.parallel_for(overfull.size(), threads, [&](size_t i, size_t /*worker*/) {
    const Node& leaf = forest_.node(overfull[i]);
    std::vector<Slot> members;
    const Slot* run = forest_.entries(leaf);
    for (uint32_t j = 0; j < leaf.count(); ++j) {
      if (ids_[run[j]] != kNoId) members.push_back(run[j]);
    }
    built[i] = build_tree(in, std::move(members), mix_seed(params_.seed, ~uint64_t{overfull[i]}));
  });
  for (size_t i = 0; i < overfull.size(); ++i) {
    if (!built[i].ok()) return built[i].status();
    VECDEX_RETURN_IF_ERROR(forest_.graft(overfull[i], std::move(built[i]).value()));
  }
  // Moved leaves leave spare runs behind; reclaim them once they outnumber the used entries.
  if (forest_.entry_count() > 2 * forest_.used_entries() + 4096) {
    (void)compact_leaves();  // only reclaims memory; the forest is valid either way
  }
  return Status();
}

Status RpForestIndex::compact_leaves() {
  VECDEX_RETURN_IF_ERROR(make_owned());
  VECDEX_RETURN_IF_ERROR(forest_.compact([&](Slot s) { return ids_[s] == kNoId; }));
  free_slots_.insert(free_slots_.end(), tombstones_.begin(), tombstones_.end());
  tombstones_.clear();
  return Status();
}

Result<size_t> RpForestIndex::remove_impl(std::span<const Id> ids) {
  size_t removed = 0;
  for (Id id : ids) {
    const Slot s = slot_of_.find(id);
    if (s == IdSlotMap::kAbsent) continue;
    slot_of_.erase(id);
    ids_[s] = kNoId;  // searches skip it from now on
    tombstones_.push_back(s);
    ++removed;
  }
  if (tombstones_.size() > std::max<size_t>(size() / 4, params_.leaf)) {
    (void)compact_leaves();  // on failure the tombstones simply stay (searches skip them)
  }
  return removed;
}

IndexStats RpForestIndex::stats() const {
  IndexStats st;
  st.family = "RPForest";
  st.spec = spec();
  st.count = size();
  st.dim = dim();
  st.metric = metric();
  st.simd_target = kernels_->target_name;
  const size_t vector_bytes = file_ != nullptr ? slots_ * dim() * sizeof(float)
                                               : owned_vectors_.bytes();
  const size_t id_bytes = ids_.capacity() * sizeof(Id) +
                          slot_of_.memory_bytes() +
                          (free_slots_.capacity() + tombstones_.capacity()) * sizeof(Slot);
  st.bytes = vector_bytes + forest_.memory_bytes() + id_bytes;
  const Forest::Shape shape = forest_.shape();
  const size_t n = std::max<size_t>(size(), 1);
  st.extra = {
      {"ntrees", std::to_string(params_.ntrees)},
      {"leaf", std::to_string(params_.leaf)},
      {"seed", std::to_string(params_.seed)},
      {"nodes", std::to_string(forest_.node_count())},
      {"leaves", std::to_string(shape.leaves)},
      {"random_splits", std::to_string(shape.random_splits)},
      {"mean_depth", fmt::format("{:.2f}", shape.mean_depth)},
      {"max_depth", std::to_string(shape.max_depth)},
      {"forest_bytes", std::to_string(forest_.memory_bytes())},
      {"bytes_per_vector", fmt::format("{:.1f}", double(st.bytes) / double(n))},
      {"tombstones", std::to_string(tombstones_.size())},
      {"default_search_k", fmt::format("{} * ntrees * k", kDefaultSearchKPerTree)},
  };
  return st;
}

}  // namespace vecdex::rpforest
