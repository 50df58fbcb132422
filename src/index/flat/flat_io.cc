// FlatIndex save / load: sections index.spec, flat.ids, flat.vectors, flat.norms in the common
// container (docs/file-format.md §flat). Loaded rows stay in the file image (no copy).
#include <cmath>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "index/flat/flat_index.h"
#include "index/index_file.h"

namespace vecdex::flat {
namespace {

constexpr char kSpecSection[] = "index.spec";
constexpr char kIdsSection[] = "flat.ids";
constexpr char kVectorsSection[] = "flat.vectors";
constexpr char kNormsSection[] = "flat.norms";
constexpr size_t kMaxSpecLength = 4096;

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
  VECDEX_RETURN_IF_ERROR(writer.add_section(
      kSpecSection, {reinterpret_cast<const uint8_t*>(text.data()), text.size()}));
  VECDEX_RETURN_IF_ERROR(writer.add_array<Id>(kIdsSection, {ids_.data(), n}));
  VECDEX_RETURN_IF_ERROR(writer.add_array<float>(kVectorsSection, {vectors_, n * dim()}));
  VECDEX_RETURN_IF_ERROR(writer.add_array<float>(kNormsSection, {norms_, n}));
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
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint8_t> spec_bytes, file.section(kSpecSection));
  if (spec_bytes.empty() || spec_bytes.size() > kMaxSpecLength) {
    return file.corrupt(fmt::format("section '{}' has {} bytes, expected 1..{}", kSpecSection,
                                    spec_bytes.size(), kMaxSpecLength));
  }
  std::string spec(reinterpret_cast<const char*>(spec_bytes.data()), spec_bytes.size());
  VECDEX_ASSIGN_OR_RETURN(std::span<const Id> ids, file.array<Id>(kIdsSection, n));
  size_t floats = 0;
  if (__builtin_mul_overflow(n, info.dim, &floats)) {
    return file.corrupt(fmt::format("count {} x dim {} overflows", n, info.dim));
  }
  VECDEX_ASSIGN_OR_RETURN(std::span<const float> vectors, file.array<float>(kVectorsSection, floats));
  VECDEX_ASSIGN_OR_RETURN(std::span<const float> norms, file.array<float>(kNormsSection, n));

  auto index = std::make_unique<FlatIndex>(info.dim, info.metric, std::move(spec));
  index->ids_.assign(ids.begin(), ids.end());
  index->slot_of_.reserve(n);
  for (size_t s = 0; s < n; ++s) {
    if (ids[s] == kNoId) return file.corrupt(fmt::format("slot {} holds the reserved id {}", s, kNoId));
    if (!index->slot_of_.emplace(ids[s], static_cast<Slot>(s)).second) {
      return file.corrupt(fmt::format("id {} appears twice in '{}'", ids[s], kIdsSection));
    }
    if (!std::isfinite(norms[s])) {
      return file.corrupt(fmt::format("non-finite norm at slot {} in '{}'", s, kNormsSection));
    }
  }
  // Rows are used in place: the read buffer or the mapping stays alive with the index.
  index->file_ = file.storage();
  index->mapped_ = options.mmap;
  index->vectors_ = vectors.data();
  index->norms_ = norms.data();
  return std::unique_ptr<Index>(std::move(index));
}

}  // namespace vecdex::flat
