// FlatIndex: construction, add (and learning the pruning projection), remove (swap-with-last),
// stats, and the registry entry.
#include "index/flat/flat_index.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <string>

#include <fmt/format.h>

#include "index/flat/search_common.h"
#include "index/vector_ops.h"

namespace vecdex::flat {
namespace {

Result<std::unique_ptr<Index>> build_flat(const factory::ParsedSpec& spec, size_t dim,
                                          Metric metric) {
  if (spec.stages.size() > 1) {
    const factory::Stage& extra = spec.stages[1];
    return invalid_argument(fmt::format("unexpected stage '{}' {}; Flat stands alone", extra.text,
                                        spec.where(extra.position)));
  }
  const factory::Stage& stage = spec.stages.front();
  if (stage.number.has_value() || !stage.suffix.empty()) {
    return invalid_argument(fmt::format("unknown stage '{}' {}; Flat takes no parameters",
                                        stage.text, spec.where(stage.position)));
  }
  VECDEX_RETURN_IF_ERROR(spec.check_options("Flat", {}));
  return std::unique_ptr<Index>(new FlatIndex(dim, metric, spec.text));
}

}  // namespace

factory::FamilyEntry family_entry() {
  return factory::FamilyEntry{"Flat", "Flat", "Flat", &build_flat, &FlatIndex::load};
}

FlatIndex::FlatIndex(size_t dim, Metric metric, std::string spec, FlatOptions options)
    : Index(dim, metric, std::move(spec)), kernels_(&distance::kernels()), options_(options) {}

void FlatIndex::refresh_views() {
  if (file_ == nullptr) {
    vectors_ = owned_vectors_.data();
    norms_ = owned_norms_.data();
    proj_ = owned_proj_.data();
    pnorms_ = owned_pnorms_.data();
  }
}

void FlatIndex::drop_projection() {
  pca_.reset();
  pca_tried_ = true;
  owned_proj_ = AlignedBuffer<float>();
  owned_pnorms_ = AlignedBuffer<float>();
  proj_ = nullptr;
  pnorms_ = nullptr;
  pnorm_max_ = 0.0f;
  single_gate_.reset();
}

Status FlatIndex::project_tail(size_t from) {
  const size_t n = ids_.size();
  if (from >= n) return Status();
  AlignedBuffer<float> scratch;
  VECDEX_RETURN_IF_ERROR(project_rows(*pca_, owned_vectors_.data() + from * dim(), n - from,
                                      *kernels_, scratch, owned_proj_.data() + from * pca_->width,
                                      owned_pnorms_.data() + from));
  for (size_t s = from; s < n; ++s) pnorm_max_ = std::max(pnorm_max_, owned_pnorms_[s]);
  return Status();
}

void FlatIndex::maybe_learn_projection() {
  const size_t n = ids_.size();
  if (pca_ != nullptr || pca_tried_ || !options_.prune || n < options_.prune_min_rows) return;
  pca_tried_ = true;
  // Any failure here only means "no pruning": searches stay exact without the projection.
  Result<std::unique_ptr<PcaModel>> learned =
      learn_pca(owned_vectors_.data(), n, dim(), metric() == Metric::kL2, options_.pca);
  if (!learned.ok() || *learned == nullptr) return;
  pca_ = std::move(learned).value();
  single_gate_.reset();
  if (!owned_proj_.resize_exact(n * pca_->width).ok() || !owned_pnorms_.resize_exact(n).ok() ||
      !project_tail(0).ok()) {
    drop_projection();
    return;
  }
  refresh_views();
}

Status FlatIndex::make_owned() {
  if (file_ == nullptr) return Status();
  const size_t n = ids_.size();
  AlignedBuffer<float> vectors;
  AlignedBuffer<float> norms;
  VECDEX_RETURN_IF_ERROR(vectors.resize_exact(n * dim()));
  VECDEX_RETURN_IF_ERROR(norms.resize_exact(n));
  if (n > 0) {
    std::memcpy(vectors.data(), vectors_, n * dim() * sizeof(float));
    std::memcpy(norms.data(), norms_, n * sizeof(float));
  }
  AlignedBuffer<float> proj;
  AlignedBuffer<float> pnorms;
  if (pca_ != nullptr) {
    VECDEX_RETURN_IF_ERROR(proj.resize_exact(n * pca_->width));
    VECDEX_RETURN_IF_ERROR(pnorms.resize_exact(n));
    if (n > 0) {
      std::memcpy(proj.data(), proj_, n * pca_->width * sizeof(float));
      std::memcpy(pnorms.data(), pnorms_, n * sizeof(float));
    }
  }
  owned_vectors_ = std::move(vectors);
  owned_norms_ = std::move(norms);
  owned_proj_ = std::move(proj);
  owned_pnorms_ = std::move(pnorms);
  file_.reset();
  mapped_ = false;
  refresh_views();
  return Status();
}

Status FlatIndex::add_impl(std::span<const Id> ids, MatrixView data,
                           const BuildOptions& /*options*/) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (slot_of_.contains(ids[i])) {
      return already_exists(fmt::format("add: id {} (row {}) is already in the index", ids[i], i));
    }
  }
  const size_t old_n = ids_.size();
  const size_t new_n = old_n + ids.size();
  if (new_n > std::numeric_limits<Slot>::max()) {
    return resource_exhausted(fmt::format("add: Flat holds at most {} vectors, would have {}",
                                          std::numeric_limits<Slot>::max(), new_n));
  }
  VECDEX_RETURN_IF_ERROR(make_owned());
  VECDEX_RETURN_IF_ERROR(owned_vectors_.resize(new_n * dim()).with_context("add"));
  Status s = owned_norms_.resize(new_n).with_context("add");
  if (s.ok() && pca_ != nullptr) s = owned_proj_.resize(new_n * pca_->width).with_context("add");
  if (s.ok() && pca_ != nullptr) s = owned_pnorms_.resize(new_n).with_context("add");
  if (s.ok()) s = slot_of_.reserve(ids).with_context("add");
  if (!s.ok()) {
    owned_vectors_.resize(old_n * dim()).ignore();  // shrinking never allocates
    owned_norms_.resize(old_n).ignore();
    if (pca_ != nullptr) {
      owned_proj_.resize(old_n * pca_->width).ignore();
      owned_pnorms_.resize(old_n).ignore();
    }
    return s;
  }
  try {
    ids_.reserve(new_n);
    for (size_t i = 0; i < ids.size(); ++i) {
      slot_of_.insert(ids[i], static_cast<Slot>(old_n + i));
      ids_.push_back(ids[i]);
    }
  } catch (const std::bad_alloc&) {
    for (size_t i = old_n; i < ids_.size(); ++i) slot_of_.erase(ids_[i]);
    ids_.resize(old_n);
    owned_vectors_.resize(old_n * dim()).ignore();
    owned_norms_.resize(old_n).ignore();
    if (pca_ != nullptr) {
      owned_proj_.resize(old_n * pca_->width).ignore();
      owned_pnorms_.resize(old_n).ignore();
    }
    return resource_exhausted(fmt::format("add: out of memory adding {} ids", ids.size()));
  }
  float* dst = owned_vectors_.data() + old_n * dim();
  if (metric() == Metric::kCosine) {
    normalize_rows(data, dst);
  } else {
    std::memcpy(dst, data.data, data.rows * dim() * sizeof(float));
  }
  kernels_->norms_f32(dst, data.rows, dim(), owned_norms_.data() + old_n);
  refresh_views();
  if (pca_ != nullptr && !project_tail(old_n).ok()) {
    drop_projection();  // out of scratch memory: keep the rows, search unpruned (still exact)
  }
  maybe_learn_projection();
  refresh_views();
  return Status();
}

Result<size_t> FlatIndex::remove_impl(std::span<const Id> ids) {
  bool any = false;
  for (Id id : ids) any = any || slot_of_.contains(id);
  if (!any) return size_t{0};
  VECDEX_RETURN_IF_ERROR(make_owned());
  size_t removed = 0;
  float* vectors = owned_vectors_.data();
  float* norms = owned_norms_.data();
  float* proj = owned_proj_.data();
  float* pnorms = owned_pnorms_.data();
  const size_t w = pca_ != nullptr ? pca_->width : 0;
  for (Id id : ids) {
    const Slot slot = slot_of_.find(id);
    if (slot == IdSlotMap::kAbsent) continue;  // unknown or already removed in this call
    const Slot last = static_cast<Slot>(ids_.size() - 1);
    if (slot != last) {
      std::memcpy(vectors + size_t{slot} * dim(), vectors + size_t{last} * dim(),
                  dim() * sizeof(float));
      norms[slot] = norms[last];
      if (w != 0) {
        std::memcpy(proj + size_t{slot} * w, proj + size_t{last} * w, w * sizeof(float));
        pnorms[slot] = pnorms[last];
      }
      ids_[slot] = ids_[last];
      slot_of_.assign(ids_[slot], slot);
    }
    slot_of_.erase(id);
    ids_.pop_back();
    ++removed;
  }
  owned_vectors_.resize(ids_.size() * dim()).ignore();  // shrinking never allocates
  owned_norms_.resize(ids_.size()).ignore();
  if (w != 0) {
    owned_proj_.resize(ids_.size() * w).ignore();
    owned_pnorms_.resize(ids_.size()).ignore();
  }
  refresh_views();
  return removed;
}

IndexStats FlatIndex::stats() const {
  IndexStats s;
  s.family = "Flat";
  s.spec = spec();
  s.count = size();
  s.dim = dim();
  s.metric = metric();
  const size_t n = size();
  s.bytes = n * dim() * sizeof(float) + n * sizeof(float) + ids_.capacity() * sizeof(Id) +
            slot_of_.memory_bytes();
  if (pca_ != nullptr) {
    s.bytes += n * (pca_->width + 1) * sizeof(float) +
               (pca_->basis.size() + pca_->basis_t.size() + pca_->mean.size()) * sizeof(float);
  }
  s.simd_target = kernels_->target_name;
  s.extra.emplace_back("storage", file_ == nullptr ? "owned" : (mapped_ ? "mmap" : "file-buffer"));
  s.extra.emplace_back("batch_engine", "openblas sgemm");
  const bool pruned = pca_ != nullptr && options_.prune;
  s.extra.emplace_back("pruned", pruned ? "yes" : "no");
  if (pca_ != nullptr) {
    s.extra.emplace_back("pca_dims", std::to_string(pca_->directions));
    s.extra.emplace_back("pca_width", std::to_string(pca_->width));
    s.extra.emplace_back("pca_variance", fmt::format("{:.3f}", pca_->captured));
    // What the next single query does (prune_gate.h): "pruned", or "scan" (probes aside).
    const bool single = single_gate_.share() <= single_prune_limit(dim(), pca_->width);
    s.extra.emplace_back("single_query_path", pruned && single ? "pruned" : "scan");
    s.extra.emplace_back("single_query_scored_share", fmt::format("{:.4f}", single_gate_.share()));
  }
  return s;
}

}  // namespace vecdex::flat
