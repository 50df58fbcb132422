// FlatIndex save / load: sections index.spec, flat.ids, flat.vectors, flat.norms in the common
// container, plus flat.pca, flat.proj, flat.pnorms when the index holds a pruning projection
// (docs/file-format.md §flat). Loaded rows and projected rows stay in the file image (no copy);
// the small projection model is copied.
#include <cmath>
#include <cstring>
#include <algorithm>
#include <limits>
#include <memory>
#include <vector>
#include <string>

#include <fmt/format.h>

#include "index/flat/flat_index.h"
#include "index/index_file.h"

namespace vecdex::flat {
namespace {

constexpr char kIdsSection[] = "flat.ids";
constexpr char kVectorsSection[] = "flat.vectors";
constexpr char kNormsSection[] = "flat.norms";
constexpr char kPcaSection[] = "flat.pca";
constexpr char kProjSection[] = "flat.proj";
constexpr char kPnormsSection[] = "flat.pnorms";

// flat.pca starts with this header; then mean (dim f32), then basis (directions x dim f32).
struct PcaHeader {
  uint32_t directions;
  uint32_t width;
  uint32_t flags;  // bit 0: centred (L2)
  float captured;
};
static_assert(sizeof(PcaHeader) == 16);

Result<std::unique_ptr<PcaModel>> read_pca(const IndexFileReader& file, size_t dim) {
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint8_t> bytes, file.section(kPcaSection));
  PcaHeader h{};
  if (bytes.size() < sizeof(h)) {
    return file.corrupt(fmt::format("section '{}' has {} bytes, shorter than its 16-byte header",
                                    kPcaSection, bytes.size()));
  }
  std::memcpy(&h, bytes.data(), sizeof(h));
  if (h.width == 0 || h.width % 16 != 0 || h.directions + 1 != h.width || h.directions > dim ||
      (h.flags & ~1u) != 0 || !std::isfinite(h.captured)) {
    return file.corrupt(fmt::format("section '{}' header is invalid (directions {}, width {}, "
                                    "flags {}); expected width = directions + 1, a multiple of 16",
                                    kPcaSection, h.directions, h.width, h.flags));
  }
  const size_t floats = dim + size_t{h.directions} * dim;
  if (bytes.size() != sizeof(h) + floats * sizeof(float)) {
    return file.corrupt(fmt::format("section '{}' has {} bytes, expected {} for {} directions of "
                                    "dim {}", kPcaSection, bytes.size(),
                                    sizeof(h) + floats * sizeof(float), h.directions, dim));
  }
  auto model = std::make_unique<PcaModel>();
  model->dim = dim;
  model->width = h.width;
  model->directions = h.directions;
  model->centred = (h.flags & 1u) != 0;
  model->captured = h.captured;
  VECDEX_RETURN_IF_ERROR(model->mean.resize_exact(dim));
  VECDEX_RETURN_IF_ERROR(model->basis.resize_exact(size_t{h.directions} * dim));
  std::memcpy(model->mean.data(), bytes.data() + sizeof(h), dim * sizeof(float));
  std::memcpy(model->basis.data(), bytes.data() + sizeof(h) + dim * sizeof(float),
              size_t{h.directions} * dim * sizeof(float));
  for (size_t i = 0; i < floats; ++i) {
    float v = i < dim ? model->mean[i] : model->basis[i - dim];
    if (!std::isfinite(v)) {
      return file.corrupt(fmt::format("non-finite value in section '{}'", kPcaSection));
    }
  }
  VECDEX_RETURN_IF_ERROR(model->finish());
  return model;
}

}  // namespace

Status FlatIndex::save_impl(const std::filesystem::path& path) const {
  IndexFileInfo info;
  info.family = "Flat";
  info.dim = dim();
  info.metric = metric();
  info.element_type = ElementType::kF32;
  info.count = size();
  IndexFileWriter writer(info);
  const std::string& text = spec();
  const size_t n = size();
  VECDEX_RETURN_IF_ERROR(writer.add_spec(text));
  VECDEX_RETURN_IF_ERROR(writer.add_array<Id>(kIdsSection, {ids_.data(), n}));
  VECDEX_RETURN_IF_ERROR(writer.add_array<float>(kVectorsSection, {vectors_, n * dim()}));
  VECDEX_RETURN_IF_ERROR(writer.add_array<float>(kNormsSection, {norms_, n}));
  std::vector<uint8_t> pca_bytes;
  if (pca_ != nullptr) {
    const PcaModel& m = *pca_;
    PcaHeader h{static_cast<uint32_t>(m.directions), static_cast<uint32_t>(m.width),
                m.centred ? 1u : 0u, m.captured};
    pca_bytes.resize(sizeof(h) + (m.mean.size() + m.basis.size()) * sizeof(float));
    std::memcpy(pca_bytes.data(), &h, sizeof(h));
    std::memcpy(pca_bytes.data() + sizeof(h), m.mean.data(), m.mean.size() * sizeof(float));
    std::memcpy(pca_bytes.data() + sizeof(h) + m.mean.size() * sizeof(float), m.basis.data(),
                m.basis.size() * sizeof(float));
    VECDEX_RETURN_IF_ERROR(writer.add_section(kPcaSection, pca_bytes));
    VECDEX_RETURN_IF_ERROR(writer.add_array<float>(kProjSection, {proj_, n * m.width}));
    VECDEX_RETURN_IF_ERROR(writer.add_array<float>(kPnormsSection, {pnorms_, n}));
  }
  return writer.write(path);
}

Result<std::unique_ptr<Index>> FlatIndex::load(const IndexFileReader& file,
                                               const LoadOptions& options) {
  const IndexFileInfo& info = file.info();
  if (info.element_type != ElementType::kF32) {
    return file.corrupt(fmt::format("Flat stores f32 vectors, header says {}",
                                    element_type_name(info.element_type)));
  }
  if (info.count > std::numeric_limits<Slot>::max()) {
    return file.corrupt(fmt::format("count {} exceeds the Flat maximum {}", info.count,
                                    std::numeric_limits<Slot>::max()));
  }
  const size_t n = static_cast<size_t>(info.count);
  VECDEX_ASSIGN_OR_RETURN(std::string spec, file.spec());
  VECDEX_ASSIGN_OR_RETURN(std::span<const Id> ids, file.array<Id>(kIdsSection, n));
  size_t floats = 0;
  if (__builtin_mul_overflow(n, info.dim, &floats)) {
    return file.corrupt(fmt::format("count {} x dim {} overflows", n, info.dim));
  }
  VECDEX_ASSIGN_OR_RETURN(std::span<const float> vectors, file.array<float>(kVectorsSection, floats));
  VECDEX_ASSIGN_OR_RETURN(std::span<const float> norms, file.array<float>(kNormsSection, n));

  auto index = std::make_unique<FlatIndex>(info.dim, info.metric, std::move(spec));
  index->ids_.assign(ids.begin(), ids.end());
  VECDEX_RETURN_IF_ERROR(index->slot_of_.reserve(ids).with_context("load"));
  for (size_t s = 0; s < n; ++s) {
    if (ids[s] == kNoId) return file.corrupt(fmt::format("slot {} holds the reserved id {}", s, kNoId));
    if (!index->slot_of_.insert(ids[s], static_cast<Slot>(s))) {
      return file.corrupt(fmt::format("id {} appears twice in '{}'", ids[s], kIdsSection));
    }
    if (!std::isfinite(norms[s])) {
      return file.corrupt(fmt::format("non-finite norm at slot {} in '{}'", s, kNormsSection));
    }
  }
  // The projection is optional: files written before it was learned (or when the spectrum is
  // too flat) have none, and the index learns one at a later add if it pays.
  if (file.has_section(kPcaSection)) {
    VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<PcaModel> pca, read_pca(file, info.dim));
    VECDEX_ASSIGN_OR_RETURN(std::span<const float> proj,
                            file.array<float>(kProjSection, n * pca->width));
    VECDEX_ASSIGN_OR_RETURN(std::span<const float> pnorms, file.array<float>(kPnormsSection, n));
    float pnorm_max = 0.0f;
    for (size_t s = 0; s < n; ++s) {
      if (!std::isfinite(pnorms[s]) || pnorms[s] < 0.0f) {
        return file.corrupt(fmt::format("invalid norm at slot {} in '{}'", s, kPnormsSection));
      }
      pnorm_max = std::max(pnorm_max, pnorms[s]);
    }
    index->pca_ = std::move(pca);
    index->proj_ = proj.data();
    index->pnorms_ = pnorms.data();
    index->pnorm_max_ = pnorm_max;
    index->pca_tried_ = true;
  }
  // Rows are used in place: the read buffer or the mapping stays alive with the index.
  index->file_ = file.storage();
  index->mapped_ = options.mmap;
  index->vectors_ = vectors.data();
  index->norms_ = norms.data();
  return std::unique_ptr<Index>(std::move(index));
}

}  // namespace vecdex::flat
