// HnswIndex save / load (docs/file-format.md §HNSW). Sections: index.spec, hnsw.params,
// hnsw.level0 (the fixed-stride blocks, used in place after load), hnsw.levels, hnsw.upper,
// hnsw.ids, hnsw.codec, and with Refine hnsw.originals (also used in place). Every link,
// count, level and id is validated on load, so a damaged file that passes the checksums
// still cannot make a search read out of bounds.
#include <cstring>
#include <limits>
#include <string>

#include <fmt/format.h>

#include "index/factory/spec_parser.h"
#include "index/hnsw/hnsw_index.h"

namespace vecdex::hnsw {
namespace {

constexpr char kParamsSection[] = "hnsw.params";
constexpr char kLevel0Section[] = "hnsw.level0";
constexpr char kLevelsSection[] = "hnsw.levels";
constexpr char kUpperSection[] = "hnsw.upper";
constexpr char kIdsSection[] = "hnsw.ids";
constexpr char kCodecSection[] = "hnsw.codec";
constexpr char kOriginalsSection[] = "hnsw.originals";
constexpr uint64_t kParamsVersion = 1;

// hnsw.params: little-endian u64 fields in this order.
enum ParamField : size_t {
  kVersion, kM, kM0, kEfc, kSeed, kCodec, kRefine, kSlots, kEntrySlot, kEntryLevelPlus1,
  kLevelDraws, kCodeBytes, kStride, kLinksOffset, kFieldCount
};

ElementType element_type_of(quant::CodecKind kind) {
  switch (kind) {
    case quant::CodecKind::kF16: return ElementType::kF16;
    case quant::CodecKind::kBF16: return ElementType::kBF16;
    case quant::CodecKind::kSQ8: return ElementType::kUInt8;
    case quant::CodecKind::kF32: break;
  }
  return ElementType::kF32;
}

}  // namespace

Status HnswIndex::save_impl(const std::filesystem::path& path) const {
  std::shared_lock<RwGate> shared(state_);
  const size_t slots = graph_.slots();
  IndexFileInfo info;
  info.family = "HNSW";
  info.dim = dim();
  info.metric = metric();
  info.element_type = element_type_of(params_.codec);
  info.count = size();
  const Graph::Entry e = graph_.entry();
  uint64_t fields[kFieldCount] = {};
  fields[kVersion] = kParamsVersion;
  fields[kM] = params_.m;
  fields[kM0] = params_.m0;
  fields[kEfc] = params_.ef_construction;
  fields[kSeed] = params_.seed;
  fields[kCodec] = static_cast<uint64_t>(params_.codec);
  fields[kRefine] = params_.refine ? 1 : 0;
  fields[kSlots] = slots;
  fields[kEntrySlot] = e.level < 0 ? 0 : e.slot;
  fields[kEntryLevelPlus1] = static_cast<uint64_t>(e.level + 1);
  fields[kLevelDraws] = level_draws_;
  fields[kCodeBytes] = graph_.layout().code_bytes;
  fields[kStride] = graph_.layout().stride;
  fields[kLinksOffset] = graph_.layout().links_offset;
  std::vector<uint8_t> levels(slots);
  std::vector<uint32_t> upper;
  for (size_t s = 0; s < slots; ++s) {
    const int level = graph_.level(static_cast<Slot>(s));
    levels[s] = static_cast<uint8_t>(level);
    for (int l = 1; l <= level; ++l) {
      const uint32_t* list = graph_.list(static_cast<Slot>(s), l);
      upper.insert(upper.end(), list, list + graph_.m() + 1);
    }
  }
  const std::vector<uint8_t> codec_params = codec_->serialize_params();
  IndexFileWriter writer(info);
  const std::string& text = spec();
  VECDEX_RETURN_IF_ERROR(writer.add_spec(text));
  VECDEX_RETURN_IF_ERROR(writer.add_array<uint64_t>(kParamsSection, {fields, kFieldCount}));
  VECDEX_RETURN_IF_ERROR(writer.add_array<uint8_t>(
      kLevel0Section, {graph_.level0_data(), slots * graph_.layout().stride}));
  VECDEX_RETURN_IF_ERROR(writer.add_array<uint8_t>(kLevelsSection, levels));
  VECDEX_RETURN_IF_ERROR(writer.add_array<uint32_t>(kUpperSection, upper));
  VECDEX_RETURN_IF_ERROR(writer.add_array<Id>(kIdsSection, {ids_.data(), slots}));
  VECDEX_RETURN_IF_ERROR(writer.add_array<uint8_t>(kCodecSection, codec_params));
  if (params_.refine) {
    VECDEX_RETURN_IF_ERROR(
        writer.add_array<float>(kOriginalsSection, {originals_view_, slots * dim()}));
  }
  return writer.write(path);
}

Result<std::unique_ptr<Index>> HnswIndex::load(const IndexFileReader& file,
                                               const LoadOptions& options) {
  const IndexFileInfo& info = file.info();
  VECDEX_ASSIGN_OR_RETURN(std::string spec, file.spec());
  Result<factory::ParsedSpec> parsed = factory::parse_spec(spec);
  if (!parsed.ok()) return file.corrupt(fmt::format("bad spec: {}", parsed.status().message()));
  Result<HnswParams> params = parse_hnsw_spec(*parsed);
  if (!params.ok()) return file.corrupt(fmt::format("bad spec: {}", params.status().message()));
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint64_t> f,
                          file.array<uint64_t>(kParamsSection, kFieldCount));
  HnswParams p = *params;
  if (f[kVersion] != kParamsVersion) {
    return file.corrupt(fmt::format("'{}' version {} (this build reads {})", kParamsSection,
                                    f[kVersion], kParamsVersion));
  }
  if (f[kM] != p.m || f[kM0] != p.m0 || f[kCodec] != uint64_t(p.codec) ||
      f[kRefine] != (p.refine ? 1u : 0u) || f[kEfc] != p.ef_construction || f[kSeed] != p.seed) {
    return file.corrupt(fmt::format("'{}' disagrees with the spec \"{}\"", kParamsSection, spec));
  }
  Result<std::unique_ptr<quant::Codec>> codec = quant::make_codec(p.codec, info.dim, info.metric);
  if (!codec.ok()) return codec.status();
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint8_t> codec_bytes, file.section(kCodecSection));
  Status cs = (*codec)->deserialize_params(codec_bytes);
  if (!cs.ok()) return file.corrupt(fmt::format("'{}': {}", kCodecSection, cs.message()));
  auto index = std::make_unique<HnswIndex>(info.dim, info.metric, spec, p, std::move(*codec));
  const BlockLayout& layout = index->graph_.layout();
  if (f[kCodeBytes] != layout.code_bytes || f[kStride] != layout.stride ||
      f[kLinksOffset] != layout.links_offset) {
    return file.corrupt(fmt::format("block layout ({}, {}, {}) differs from ({}, {}, {})",
                                    f[kCodeBytes], f[kStride], f[kLinksOffset], layout.code_bytes,
                                    layout.stride, layout.links_offset));
  }
  if (f[kSlots] > BeamPool::kSlotMask) {
    return file.corrupt(fmt::format("{} slots exceed the maximum {}", f[kSlots],
                                    BeamPool::kSlotMask));
  }
  const size_t slots = static_cast<size_t>(f[kSlots]);
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint8_t> level0,
                          file.array<uint8_t>(kLevel0Section, slots * layout.stride));
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint8_t> levels,
                          file.array<uint8_t>(kLevelsSection, slots));
  VECDEX_ASSIGN_OR_RETURN(std::span<const Id> ids, file.array<Id>(kIdsSection, slots));
  size_t upper_words = 0;
  for (size_t s = 0; s < slots; ++s) {
    if (levels[s] > Graph::kMaxLevel) {
      return file.corrupt(fmt::format("slot {} has level {} (max {})", s, levels[s],
                                      Graph::kMaxLevel));
    }
    upper_words += size_t{levels[s]} * (p.m + 1);
  }
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint32_t> upper,
                          file.array<uint32_t>(kUpperSection, upper_words));
  // Links: counts within capacity, targets in range and present on that level.
  auto check_list = [&](const uint32_t* list, size_t s, int level, uint32_t cap) -> Status {
    if (list[0] > cap) {
      return file.corrupt(fmt::format("slot {} level {} has {} links (max {})", s, level, list[0],
                                      cap));
    }
    for (uint32_t i = 0; i < list[0]; ++i) {
      uint32_t t = list[1 + i];
      if (t >= slots || levels[t] < level) {
        return file.corrupt(fmt::format("slot {} level {} links to invalid node {}", s, level, t));
      }
    }
    return Status();
  };
  std::vector<std::unique_ptr<uint32_t[]>> upper_lists(slots);
  size_t at = 0;
  for (size_t s = 0; s < slots; ++s) {
    const uint32_t* l0 =
        reinterpret_cast<const uint32_t*>(level0.data() + s * layout.stride + layout.links_offset);
    VECDEX_RETURN_IF_ERROR(check_list(l0, s, 0, p.m0));
    if (levels[s] == 0) continue;
    const size_t words = size_t{levels[s]} * (p.m + 1);
    upper_lists[s].reset(new uint32_t[words]);
    std::memcpy(upper_lists[s].get(), upper.data() + at, words * sizeof(uint32_t));
    for (int l = 1; l <= levels[s]; ++l) {
      VECDEX_RETURN_IF_ERROR(
          check_list(upper_lists[s].get() + size_t(l - 1) * (p.m + 1), s, l, p.m));
    }
    at += words;
  }
  size_t live = 0;
  VECDEX_RETURN_IF_ERROR(index->slot_of_.reserve(ids).with_context("load"));
  for (size_t s = 0; s < slots; ++s) {
    if (ids[s] == kNoId) continue;
    ++live;
    if (!index->slot_of_.insert(ids[s], static_cast<Slot>(s))) {
      return file.corrupt(fmt::format("id {} appears twice in '{}'", ids[s], kIdsSection));
    }
  }
  if (live != info.count) {
    return file.corrupt(fmt::format("'{}' holds {} live ids, header says {}", kIdsSection, live,
                                    info.count));
  }
  const int entry_level = static_cast<int>(f[kEntryLevelPlus1]) - 1;
  if (f[kEntryLevelPlus1] > Graph::kMaxLevel + 1 ||
      (entry_level >= 0 && (f[kEntrySlot] >= slots || levels[f[kEntrySlot]] != entry_level ||
                            ids[f[kEntrySlot]] == kNoId)) ||
      (entry_level < 0 && live > 0)) {
    return file.corrupt(fmt::format("invalid entry point (slot {}, level {})", f[kEntrySlot],
                                    entry_level));
  }
  if (p.refine) {
    VECDEX_ASSIGN_OR_RETURN(std::span<const float> originals,
                            file.array<float>(kOriginalsSection, slots * info.dim));
    index->originals_view_ = originals.data();
  }
  index->ids_.assign(ids.begin(), ids.end());
  // Removed slots in a file may still be linked (tombstones not yet repaired when it was
  // saved): they wait for the next repair scan before an add may reuse them.
  for (size_t s = slots; s-- > 0;) {
    if (ids[s] == kNoId) index->unrepaired_.push_back(static_cast<Slot>(s));
  }
  index->live_.store(live);
  index->level_draws_ = f[kLevelDraws];
  // Level 0 (and originals) are used in place: the read buffer or the mapping stays alive
  // with the index; the first add/remove copies them (make_owned).
  index->graph_.adopt_file(level0.data(), slots, std::vector<uint8_t>(levels.begin(), levels.end()),
                           std::move(upper_lists));
  index->graph_.set_entry(Graph::Entry{static_cast<Slot>(f[kEntrySlot]), entry_level});
  index->file_ = file.storage();
  (void)options;
  return std::unique_ptr<Index>(std::move(index));
}

}  // namespace vecdex::hnsw
