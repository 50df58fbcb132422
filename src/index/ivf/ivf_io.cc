// IvfIndex save / load (docs/file-format.md §IVF). Sections: index.spec, ivf.params,
// ivf.centroids, ivf.quantizer (codec parameters or the PQ image), ivf.list_sizes, ivf.slots,
// ivf.codes, ivf.norms (IVF-Flat under L2), ivf.ids, and with Refine ivf.originals. Codes,
// slots, norms and originals are used in place after load (read buffer or mmap); every size,
// slot and id is validated, so a damaged file that passes the checksums still cannot make a
// search read out of bounds.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "index/factory/spec_parser.h"
#include "index/ivf/ivf_index.h"

namespace vecdex::ivf {
namespace {

constexpr char kParamsSection[] = "ivf.params";
constexpr char kCentroidsSection[] = "ivf.centroids";
constexpr char kQuantizerSection[] = "ivf.quantizer";
constexpr char kListSizesSection[] = "ivf.list_sizes";
constexpr char kSlotsSection[] = "ivf.slots";
constexpr char kCodesSection[] = "ivf.codes";
constexpr char kNormsSection[] = "ivf.norms";
constexpr char kIdsSection[] = "ivf.ids";
constexpr char kOriginalsSection[] = "ivf.originals";
constexpr uint64_t kParamsVersion = 1;

// ivf.params: little-endian u64 fields in this order.
enum ParamField : size_t {
  kVersion, kNlist, kStorage, kPqM, kPqNbits, kRefine, kSeed, kNiter, kOpq, kAqBits, kTrained,
  kCount, kCodeBytes, kFieldCount
};

ElementType element_type_of(IvfStorage storage) {
  switch (storage) {
    case IvfStorage::kFP16: return ElementType::kF16;
    case IvfStorage::kBF16: return ElementType::kBF16;
    case IvfStorage::kSQ8:
    case IvfStorage::kPQ:
    case IvfStorage::kPQFastScan: return ElementType::kUInt8;
    case IvfStorage::kFlat: break;
  }
  return ElementType::kF32;
}

uint64_t float_bits(float f) {
  uint32_t b = 0;
  std::memcpy(&b, &f, sizeof(b));
  return b;
}

}  // namespace

Status IvfIndex::save_impl(const std::filesystem::path& path) const {
  const size_t n = size();
  IndexFileInfo info;
  info.family = "IVF";
  info.dim = dim();
  info.metric = metric();
  info.element_type = element_type_of(params_.storage);
  info.count = n;
  uint64_t fields[kFieldCount] = {};
  fields[kVersion] = kParamsVersion;
  fields[kNlist] = params_.nlist;
  fields[kStorage] = static_cast<uint64_t>(params_.storage);
  fields[kPqM] = params_.pq_m;
  fields[kPqNbits] = params_.pq_nbits;
  fields[kRefine] = params_.refine ? 1 : 0;
  fields[kSeed] = params_.seed;
  fields[kNiter] = params_.niter;
  fields[kOpq] = params_.opq ? 1 : 0;
  fields[kAqBits] = float_bits(params_.aq);
  fields[kTrained] = trained_ ? 1 : 0;
  fields[kCount] = n;
  fields[kCodeBytes] = lists_.code_bytes();

  std::vector<uint8_t> quantizer;
  if (trained_) {
    if (params_.is_pq()) {
      quantizer = pq_.serialize();
    } else if (codec_ != nullptr) {
      quantizer = codec_->serialize_params();
    }
  }
  // Lists are concatenated in list order (each list's codes padded to whole blocks for
  // fast-scan, which they already are in memory).
  std::vector<uint64_t> sizes(params_.nlist);
  std::vector<Slot> slots;
  std::vector<uint8_t> codes;
  std::vector<float> norms;
  try {
    slots.reserve(n);
    for (size_t l = 0; l < params_.nlist; ++l) {
      const ListView& v = lists_.list(l);
      sizes[l] = v.size;
      slots.insert(slots.end(), v.slots, v.slots + v.size);
      codes.insert(codes.end(), v.codes, v.codes + lists_.codes_bytes_for(v.size));
      if (lists_.keeps_norms()) norms.insert(norms.end(), v.norms, v.norms + v.size);
    }
  } catch (const std::bad_alloc&) {
    return resource_exhausted("save: out of memory gathering the inverted lists");
  }
  IndexFileWriter writer(info);
  const std::string& text = spec();
  VECDEX_RETURN_IF_ERROR(writer.add_spec(text));
  VECDEX_RETURN_IF_ERROR(writer.add_array<uint64_t>(kParamsSection, {fields, kFieldCount}));
  VECDEX_RETURN_IF_ERROR(writer.add_array<float>(kCentroidsSection, centroids_));
  VECDEX_RETURN_IF_ERROR(writer.add_array<uint8_t>(kQuantizerSection, quantizer));
  VECDEX_RETURN_IF_ERROR(writer.add_array<uint64_t>(kListSizesSection, sizes));
  VECDEX_RETURN_IF_ERROR(writer.add_array<Slot>(kSlotsSection, slots));
  VECDEX_RETURN_IF_ERROR(writer.add_array<uint8_t>(kCodesSection, codes));
  if (lists_.keeps_norms()) VECDEX_RETURN_IF_ERROR(writer.add_array<float>(kNormsSection, norms));
  VECDEX_RETURN_IF_ERROR(writer.add_array<Id>(kIdsSection, ids_));
  if (params_.refine) {
    VECDEX_RETURN_IF_ERROR(
        writer.add_array<float>(kOriginalsSection, {originals_view_, n * dim()}));
  }
  return writer.write(path);
}

Result<std::unique_ptr<Index>> IvfIndex::load(const IndexFileReader& file,
                                              const LoadOptions& options) {
  const IndexFileInfo& info = file.info();
  VECDEX_ASSIGN_OR_RETURN(std::string spec, file.spec());
  Result<factory::ParsedSpec> parsed = factory::parse_spec(spec);
  if (!parsed.ok()) return file.corrupt(fmt::format("bad spec: {}", parsed.status().message()));
  Result<IvfParams> params = parse_ivf_spec(*parsed);
  if (!params.ok()) return file.corrupt(fmt::format("bad spec: {}", params.status().message()));
  const IvfParams p = *params;
  if (info.dim == 0 || (p.is_pq() && info.dim % p.pq_m != 0)) {
    return file.corrupt(fmt::format("dim {} does not fit the spec \"{}\"", info.dim, spec));
  }
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint64_t> f,
                          file.array<uint64_t>(kParamsSection, kFieldCount));
  if (f[kVersion] != kParamsVersion) {
    return file.corrupt(fmt::format("'{}' version {} (this build reads {})", kParamsSection,
                                    f[kVersion], kParamsVersion));
  }
  if (f[kNlist] != p.nlist || f[kStorage] != uint64_t(p.storage) || f[kPqM] != p.pq_m ||
      f[kPqNbits] != p.pq_nbits || f[kRefine] != (p.refine ? 1u : 0u) || f[kSeed] != p.seed ||
      f[kNiter] != p.niter || f[kOpq] != (p.opq ? 1u : 0u) || f[kAqBits] != float_bits(p.aq) ||
      f[kTrained] > 1 || f[kCount] != info.count) {
    return file.corrupt(fmt::format("'{}' disagrees with the spec \"{}\" or the header",
                                    kParamsSection, spec));
  }
  if (info.count >= std::numeric_limits<Slot>::max()) {
    return file.corrupt(fmt::format("count {} exceeds the IVF maximum", info.count));
  }
  const bool trained = f[kTrained] == 1;
  const size_t n = static_cast<size_t>(info.count);
  if (!trained && n > 0) {
    return file.corrupt(fmt::format("untrained index holding {} vectors", n));
  }
  auto index = std::make_unique<IvfIndex>(info.dim, info.metric, spec, p);
  if (f[kCodeBytes] != index->lists_.code_bytes()) {
    return file.corrupt(fmt::format("code size {} differs from {} for \"{}\"", f[kCodeBytes],
                                    index->lists_.code_bytes(), spec));
  }
  const size_t dim = info.dim;
  VECDEX_ASSIGN_OR_RETURN(
      std::span<const float> centroids,
      file.array<float>(kCentroidsSection, trained ? size_t{p.nlist} * dim : 0));
  for (size_t i = 0; i < centroids.size(); ++i) {
    if (!std::isfinite(centroids[i])) {
      return file.corrupt(fmt::format("non-finite value in '{}'", kCentroidsSection));
    }
  }
  if (trained) {
    Status made = index->make_quantizers();
    if (!made.ok()) return file.corrupt(fmt::format("spec \"{}\": {}", spec, made.message()));
    VECDEX_ASSIGN_OR_RETURN(std::span<const uint8_t> q, file.section(kQuantizerSection));
    if (p.is_pq()) {
      Result<quant::ProductQuantizer> pq = quant::ProductQuantizer::deserialize(q);
      if (!pq.ok()) return file.corrupt(fmt::format("'{}': {}", kQuantizerSection, pq.status().message()));
      if (pq->dim() != dim || pq->m() != p.pq_m || pq->nbits() != p.pq_nbits ||
          !pq->is_trained()) {
        return file.corrupt(fmt::format("'{}' holds PQ{}x{} of dim {}, spec says PQ{}x{} of dim {}",
                                        kQuantizerSection, pq->m(), pq->nbits(), pq->dim(),
                                        p.pq_m, p.pq_nbits, dim));
      }
      index->pq_ = std::move(pq).value();
    } else if (index->codec_ != nullptr) {
      Status cs = index->codec_->deserialize_params(q);
      if (!cs.ok()) return file.corrupt(fmt::format("'{}': {}", kQuantizerSection, cs.message()));
    }
  }
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint64_t> sizes64,
                          file.array<uint64_t>(kListSizesSection, p.nlist));
  std::vector<size_t> sizes(p.nlist);
  size_t total = 0;
  size_t code_total = 0;
  for (size_t l = 0; l < p.nlist; ++l) {
    if (sizes64[l] > n - total) {
      return file.corrupt(fmt::format("'{}': lists hold more than the {} vectors in the header",
                                      kListSizesSection, n));
    }
    sizes[l] = static_cast<size_t>(sizes64[l]);
    total += sizes[l];
    code_total += index->lists_.codes_bytes_for(sizes[l]);
  }
  if (total != n) {
    return file.corrupt(fmt::format("'{}': lists hold {} vectors, header says {}",
                                    kListSizesSection, total, n));
  }
  VECDEX_ASSIGN_OR_RETURN(std::span<const Slot> slots, file.array<Slot>(kSlotsSection, n));
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint8_t> codes,
                          file.array<uint8_t>(kCodesSection, code_total));
  const float* norms = nullptr;
  if (index->lists_.keeps_norms()) {
    VECDEX_ASSIGN_OR_RETURN(std::span<const float> nv, file.array<float>(kNormsSection, n));
    for (size_t i = 0; i < n; ++i) {
      if (!std::isfinite(nv[i]) || (p.storage == IvfStorage::kFlat && nv[i] < 0.0f)) {
        return file.corrupt(fmt::format("invalid norm at entry {} in '{}'", i, kNormsSection));
      }
    }
    norms = nv.data();
  }
  VECDEX_ASSIGN_OR_RETURN(std::span<const Id> ids, file.array<Id>(kIdsSection, n));
  // Every slot appears in exactly one list entry.
  index->list_of_.assign(n, std::numeric_limits<uint32_t>::max());
  index->pos_of_.assign(n, 0);
  size_t entry = 0;
  for (size_t l = 0; l < p.nlist; ++l) {
    for (size_t pos = 0; pos < sizes[l]; ++pos, ++entry) {
      const Slot s = slots[entry];
      if (s >= n || index->list_of_[s] != std::numeric_limits<uint32_t>::max()) {
        return file.corrupt(fmt::format("'{}': entry {} holds slot {} (invalid or repeated)",
                                        kSlotsSection, entry, s));
      }
      index->list_of_[s] = static_cast<uint32_t>(l);
      index->pos_of_[s] = static_cast<uint32_t>(pos);
    }
  }
  index->ids_.assign(ids.begin(), ids.end());
  VECDEX_RETURN_IF_ERROR(index->slot_of_.reserve(ids).with_context("load"));
  for (size_t s = 0; s < n; ++s) {
    if (ids[s] == kNoId) return file.corrupt(fmt::format("slot {} holds the reserved id {}", s, kNoId));
    if (!index->slot_of_.insert(ids[s], static_cast<Slot>(s))) {
      return file.corrupt(fmt::format("id {} appears twice in '{}'", ids[s], kIdsSection));
    }
  }
  if (p.refine) {
    VECDEX_ASSIGN_OR_RETURN(std::span<const float> originals,
                            file.array<float>(kOriginalsSection, n * dim));
    index->originals_view_ = originals.data();
  }
  index->centroids_.assign(centroids.begin(), centroids.end());
  index->lists_.adopt(sizes, slots.data(), codes.data(), norms);
  index->trained_ = trained;
  index->file_ = file.storage();
  index->mapped_ = options.mmap;
  return std::unique_ptr<Index>(std::move(index));
}

}  // namespace vecdex::ivf
