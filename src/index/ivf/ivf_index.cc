// IvfIndex: construction from a spec, training (coarse k-means, then the codec or PQ), add
// (assignment and encoding), remove (swap-with-last in the list and in the slots), stats and the
// registry entry. Search is in ivf_search.cc, files in ivf_io.cc.
#include "index/ivf/ivf_index.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <random>

#include <fmt/format.h>

#include "cluster/kmeans.h"
#include "core/thread_pool.h"
#include "index/vector_ops.h"

namespace vecdex::ivf {
namespace {

// Rows used to train the codec / PQ (a random sample when the training set is larger).
constexpr size_t kMaxCodecTrainingRows = 65536;
// Rows encoded per block in add (bounds the residual scratch).
constexpr size_t kAddBlock = 4096;

size_t code_bytes_of(const IvfParams& p, size_t dim) {
  switch (p.storage) {
    case IvfStorage::kFlat: return dim * sizeof(float);
    case IvfStorage::kFP16:
    case IvfStorage::kBF16: return dim * 2;
    case IvfStorage::kSQ8: return dim;
    case IvfStorage::kPQ:
    case IvfStorage::kPQFastScan: return p.pq_nbits == 8 ? p.pq_m : (p.pq_m + 1) / 2;
  }
  return 0;
}

Result<std::unique_ptr<Index>> build_ivf(const factory::ParsedSpec& spec, size_t dim,
                                         Metric metric) {
  VECDEX_ASSIGN_OR_RETURN(IvfParams params, parse_ivf_spec(spec));
  if (params.is_pq() && dim % params.pq_m != 0) {
    return invalid_argument(fmt::format("spec \"{}\": PQ{} needs a dim divisible by {}, got {}",
                                        spec.text, params.pq_m, params.pq_m, dim));
  }
  if (params.aq > 0.0f && metric == Metric::kL2) {
    return invalid_argument(fmt::format(
        "spec \"{}\": aq (anisotropic quantization) is for ip / cosine, not l2", spec.text));
  }
  auto index = std::make_unique<IvfIndex>(dim, metric, spec.text, params);
  return std::unique_ptr<Index>(std::move(index));
}

}  // namespace

factory::FamilyEntry family_entry() {
  return factory::FamilyEntry{"IVF", "IVF<nlist>", "IVF", &build_ivf, &IvfIndex::load};
}

IvfIndex::IvfIndex(size_t dim, Metric metric, std::string spec, IvfParams params)
    : Index(dim, metric, std::move(spec)),
      params_(params),
      kernels_(&distance::kernels()),
      lists_(params.nlist, code_bytes_of(params, dim),
             params.storage == IvfStorage::kPQFastScan ? params.pq_m : 0,
             metric == Metric::kL2 && (params.storage == IvfStorage::kFlat || params.is_pq())) {}

IvfIndex::~IvfIndex() = default;

std::vector<std::string> IvfIndex::accepted_search_keys() const {
  if (params_.refine) return {"nprobe", "rerank", "threads"};
  return {"nprobe", "threads"};
}

Status IvfIndex::make_quantizers() {
  const Metric m = inner_product() ? Metric::kInnerProduct : Metric::kL2;
  switch (params_.storage) {
    case IvfStorage::kFlat: return Status();
    case IvfStorage::kFP16:
    case IvfStorage::kBF16:
    case IvfStorage::kSQ8: {
      const quant::CodecKind kind = params_.storage == IvfStorage::kFP16   ? quant::CodecKind::kF16
                                    : params_.storage == IvfStorage::kBF16 ? quant::CodecKind::kBF16
                                                                           : quant::CodecKind::kSQ8;
      VECDEX_ASSIGN_OR_RETURN(codec_, quant::make_codec(kind, dim(), m));
      if (codec_->code_bytes() != lists_.code_bytes()) {
        return internal_error(fmt::format("IVF: codec {} has {}-byte codes, expected {}",
                                          quant::codec_name(kind), codec_->code_bytes(),
                                          lists_.code_bytes()));
      }
      return Status();
    }
    case IvfStorage::kPQ:
    case IvfStorage::kPQFastScan: {
      VECDEX_ASSIGN_OR_RETURN(pq_,
                              quant::ProductQuantizer::create(dim(), params_.pq_m,
                                                              params_.pq_nbits, m));
      return Status();
    }
  }
  return Status();
}

Status IvfIndex::train_impl(MatrixView data, const BuildOptions& options) {
  if (size() > 0) {
    return failed_precondition(fmt::format(
        "train: the {} index already holds {} vectors; train an empty index", spec(), size()));
  }
  if (data.rows < params_.nlist) {
    return invalid_argument(fmt::format(
        "train: IVF{} needs at least {} training vectors (one per list), got {}", params_.nlist,
        params_.nlist, data.rows));
  }
  AlignedBuffer<float> unit;
  if (metric() == Metric::kCosine) {
    VECDEX_RETURN_IF_ERROR(check_nonzero_rows(data, "train", "vector"));
    VECDEX_RETURN_IF_ERROR(unit.resize_exact(data.rows * data.dim));
    normalize_rows(data, unit.data());
    data.data = unit.data();
  }
  trained_ = false;
  cluster::KMeansOptions km;
  km.k = params_.nlist;
  km.iterations = params_.niter;
  km.seed = params_.seed;
  km.threads = options.threads;
  km.spherical = metric() == Metric::kCosine;
  km.init = cluster::KMeansInit::kRandom;  // as FAISS does; k-means++ costs nlist passes
  VECDEX_ASSIGN_OR_RETURN(cluster::KMeansResult coarse, cluster::kmeans(data, km));
  VECDEX_RETURN_IF_ERROR(make_quantizers());

  if (params_.storage != IvfStorage::kFlat) {
    // The codec / PQ learns from a sample of at most kMaxCodecTrainingRows rows.
    const size_t rows = std::min(data.rows, kMaxCodecTrainingRows);
    std::vector<size_t> pick(data.rows);
    for (size_t i = 0; i < data.rows; ++i) pick[i] = i;
    if (rows < data.rows) {
      std::mt19937_64 rng(params_.seed);
      for (size_t i = 0; i < rows; ++i) {
        std::uniform_int_distribution<size_t> d(i, data.rows - 1);
        std::swap(pick[i], pick[d(rng)]);
      }
      std::sort(pick.begin(), pick.begin() + rows);
    }
    AlignedBuffer<float> sample;
    VECDEX_RETURN_IF_ERROR(sample.resize_exact(rows * dim()));
    for (size_t i = 0; i < rows; ++i) {
      std::memcpy(sample.data() + i * dim(), data.row(pick[i]), dim() * sizeof(float));
    }
    MatrixView sv{sample.data(), rows, dim()};
    if (params_.is_pq()) {
      // PQ learns the residuals x - c(x), which is what it will encode.
      std::vector<uint32_t> labels(rows);
      cluster::assign_nearest(sv, coarse.centroids.data(), params_.nlist, inner_product(),
                              labels.data(), nullptr, options.threads);
      for (size_t i = 0; i < rows; ++i) {
        float* r = sample.data() + i * dim();
        const float* c = coarse.centroids.data() + size_t{labels[i]} * dim();
        for (size_t j = 0; j < dim(); ++j) r[j] -= c[j];
      }
      quant::PqTrainOptions po;
      po.seed = params_.seed;
      po.threads = options.threads;
      po.opq = params_.opq;
      po.anisotropic_threshold = params_.aq;
      VECDEX_RETURN_IF_ERROR(pq_.train(sv, po).with_context("train"));
    } else {
      VECDEX_RETURN_IF_ERROR(codec_->train(sv).with_context("train"));
    }
  }
  centroids_ = std::move(coarse.centroids);
  trained_ = true;
  return Status();
}

Status IvfIndex::make_owned() {
  if (file_ == nullptr) return Status();
  VECDEX_RETURN_IF_ERROR(lists_.make_owned());
  if (params_.refine) {
    const size_t floats = size() * dim();
    AlignedBuffer<float> copy;
    VECDEX_RETURN_IF_ERROR(copy.resize_exact(floats));
    if (floats > 0) std::memcpy(copy.data(), originals_view_, floats * sizeof(float));
    originals_ = std::move(copy);
    originals_view_ = originals_.data();
  }
  file_.reset();
  mapped_ = false;
  return Status();
}

Status IvfIndex::add_impl(std::span<const Id> ids, MatrixView data, const BuildOptions& options) {
  for (size_t i = 0; i < ids.size(); ++i) {
    if (slot_of_.contains(ids[i])) {
      return already_exists(fmt::format("add: id {} (row {}) is already in the index", ids[i], i));
    }
  }
  const size_t n = ids.size();
  const size_t old_n = size();
  const size_t new_n = old_n + n;
  if (new_n >= std::numeric_limits<Slot>::max()) {
    return resource_exhausted(fmt::format("add: IVF holds at most {} vectors, would have {}",
                                          std::numeric_limits<Slot>::max() - 1, new_n));
  }
  AlignedBuffer<float> unit;
  if (metric() == Metric::kCosine) {
    VECDEX_RETURN_IF_ERROR(unit.resize_exact(n * dim()));
    normalize_rows(data, unit.data());
    data.data = unit.data();
  }
  VECDEX_RETURN_IF_ERROR(make_owned());
  std::vector<uint32_t> labels;
  try {
    labels.resize(n);
    ids_.reserve(new_n);
    list_of_.reserve(new_n);
    pos_of_.reserve(new_n);
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("add: out of memory for {} vectors", n));
  }
  VECDEX_RETURN_IF_ERROR(slot_of_.reserve(ids).with_context("add"));
  if (params_.refine) {
    VECDEX_RETURN_IF_ERROR(originals_.resize(new_n * dim()).with_context("add"));
    originals_view_ = originals_.data();
    std::memcpy(originals_.data() + old_n * dim(), data.data, n * dim() * sizeof(float));
  }
  cluster::assign_nearest(data, centroids_.data(), params_.nlist, inner_product(), labels.data(),
                          nullptr, options.threads);

  const size_t cb = lists_.code_bytes();
  const size_t block = std::min(n, kAddBlock);
  std::vector<uint8_t> codes;
  std::vector<float> norms;
  AlignedBuffer<float> residuals;
  try {
    codes.resize(block * cb);
    norms.resize(block);
  } catch (const std::bad_alloc&) {
    return resource_exhausted("add: out of memory for the code buffer");
  }
  if (params_.is_pq()) VECDEX_RETURN_IF_ERROR(residuals.resize_exact(block * dim()));
  for (size_t b0 = 0; b0 < n; b0 += block) {
    const size_t rows = std::min(block, n - b0);
    const float* x = data.row(b0);
    switch (params_.storage) {
      case IvfStorage::kFlat:
        std::memcpy(codes.data(), x, rows * cb);
        if (lists_.keeps_norms()) kernels_->norms_f32(x, rows, dim(), norms.data());
        break;
      case IvfStorage::kFP16:
      case IvfStorage::kBF16:
      case IvfStorage::kSQ8:
        for (size_t i = 0; i < rows; ++i) codec_->encode(x + i * dim(), codes.data() + i * cb);
        break;
      case IvfStorage::kPQ:
      case IvfStorage::kPQFastScan:
        for (size_t i = 0; i < rows; ++i) {
          const float* c = centroids_.data() + size_t{labels[b0 + i]} * dim();
          float* r = residuals.data() + i * dim();
          for (size_t j = 0; j < dim(); ++j) r[j] = x[i * dim() + j] - c[j];
        }
        pq_.encode_batch(MatrixView{residuals.data(), rows, dim()}, codes.data(),
                         options.threads);
        if (lists_.keeps_norms()) {
          // L2: ||q - c - r||^2 = ||q - c||^2 - 2 <q, r> + (||r||^2 + 2 <c, r>); the last term
          // depends only on the entry, so a query needs one table (ivf_search.cc).
          float* r = residuals.data();  // rows already encoded: reuse as scratch
          for (size_t i = 0; i < rows; ++i) {
            const float* c = centroids_.data() + size_t{labels[b0 + i]} * dim();
            pq_.decode(codes.data() + i * cb, r);
            norms[i] = kernels_->ip_f32(r, r, dim()) + 2.0f * kernels_->ip_f32(c, r, dim());
          }
        }
        break;
    }
    for (size_t i = 0; i < rows; ++i) {
      const size_t row = b0 + i;
      const Slot slot = static_cast<Slot>(ids_.size());
      const uint32_t l = labels[row];
      const size_t pos = lists_.list_size(l);
      Status s = lists_.append(l, slot, codes.data() + i * cb, norms[i]);
      if (!s.ok()) return s;  // earlier rows stay added; the index is consistent
      ids_.push_back(ids[row]);
      list_of_.push_back(l);
      pos_of_.push_back(static_cast<uint32_t>(pos));
      slot_of_.insert(ids[row], slot);
    }
  }
  return Status();
}

Result<size_t> IvfIndex::remove_impl(std::span<const Id> ids) {
  bool any = false;
  for (Id id : ids) any = any || slot_of_.contains(id);
  if (!any) return size_t{0};
  VECDEX_RETURN_IF_ERROR(make_owned());
  size_t removed = 0;
  for (Id id : ids) {
    const Slot slot = slot_of_.find(id);
    if (slot == IdSlotMap::kAbsent) continue;
    // 1. Out of its list: the list's last entry fills the hole.
    const uint32_t l = list_of_[slot];
    const Slot moved = lists_.remove_at(l, pos_of_[slot]);
    if (moved != InvertedLists::kNoSlot) pos_of_[moved] = pos_of_[slot];
    // 2. Out of the slots: the last slot fills the freed one.
    const Slot last = static_cast<Slot>(ids_.size() - 1);
    if (slot != last) {
      ids_[slot] = ids_[last];
      list_of_[slot] = list_of_[last];
      pos_of_[slot] = pos_of_[last];
      lists_.set_slot(list_of_[slot], pos_of_[slot], slot);
      if (params_.refine) {
        std::memcpy(originals_.data() + size_t{slot} * dim(),
                    originals_.data() + size_t{last} * dim(), dim() * sizeof(float));
      }
      slot_of_.assign(ids_[slot], slot);
    }
    slot_of_.erase(id);
    ids_.pop_back();
    list_of_.pop_back();
    pos_of_.pop_back();
    ++removed;
  }
  if (params_.refine) originals_.resize(ids_.size() * dim()).ignore();  // shrinking
  return removed;
}

IndexStats IvfIndex::stats() const {
  IndexStats st;
  st.family = "IVF";
  st.spec = spec();
  st.count = size();
  st.dim = dim();
  st.metric = metric();
  st.simd_target = kernels_->target_name;
  size_t quantizer_bytes = 0;
  if (params_.is_pq()) {
    quantizer_bytes = (pq_.centroids().size() + pq_.rotation().size()) * sizeof(float);
  } else if (codec_ != nullptr) {
    quantizer_bytes = codec_->serialize_params().size();
  }
  const size_t originals = params_.refine ? size() * dim() * sizeof(float) : 0;
  const size_t id_bytes = ids_.capacity() * sizeof(Id) +
                          (list_of_.capacity() + pos_of_.capacity()) * sizeof(uint32_t) +
                          slot_of_.memory_bytes();
  st.bytes = lists_.memory_bytes() + centroids_.size() * sizeof(float) + quantizer_bytes +
             originals + id_bytes;
  size_t min_len = std::numeric_limits<size_t>::max();
  size_t max_len = 0;
  for (size_t l = 0; l < lists_.nlist(); ++l) {
    min_len = std::min(min_len, lists_.list_size(l));
    max_len = std::max(max_len, lists_.list_size(l));
  }
  std::string code = std::string(storage_name(params_.storage));
  if (params_.is_pq()) code = fmt::format("PQ{}x{}{}", params_.pq_m, params_.pq_nbits,
                                          params_.storage == IvfStorage::kPQFastScan ? "fs" : "");
  st.extra = {
      {"nlist", std::to_string(params_.nlist)},
      {"code", code},
      {"code_bytes", std::to_string(lists_.code_bytes())},
      {"refine", params_.refine ? "1" : "0"},
      {"list_min", std::to_string(min_len)},
      {"list_max", std::to_string(max_len)},
      {"list_mean", fmt::format("{:.1f}", double(size()) / double(params_.nlist))},
      {"storage", file_ == nullptr ? "owned" : (mapped_ ? "mmap" : "file-buffer")},
      {"bytes_per_vector", fmt::format("{:.1f}", double(st.bytes) / double(std::max<size_t>(size(), 1)))},
  };
  if (params_.opq) st.extra.emplace_back("opq", "1");
  if (params_.aq > 0) st.extra.emplace_back("aq", fmt::format("{}", params_.aq));
  return st;
}

}  // namespace vecdex::ivf
