// RpForestIndex save / load (docs/file-format.md §RPForest). Sections: index.spec, rpf.params,
// rpf.roots, rpf.nodes, rpf.normals, rpf.entries, rpf.vectors, rpf.ids. The nodes, normals,
// entries and vectors are used in place after load (read buffer or mapping). Every index,
// count and link is validated, so a damaged file that passes the checksums still cannot make a
// search read out of bounds or loop.
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "index/factory/spec_parser.h"
#include "index/rpforest/rpforest_index.h"

namespace vecdex::rpforest {
namespace {

constexpr char kParamsSection[] = "rpf.params";
constexpr char kRootsSection[] = "rpf.roots";
constexpr char kNodesSection[] = "rpf.nodes";
constexpr char kNormalsSection[] = "rpf.normals";
constexpr char kEntriesSection[] = "rpf.entries";
constexpr char kVectorsSection[] = "rpf.vectors";
constexpr char kIdsSection[] = "rpf.ids";
constexpr uint64_t kParamsVersion = 1;
constexpr uint64_t kMaxElements = 0xFFFFFFFEu;

// rpf.params: little-endian u64 fields in this order.
enum ParamField : size_t {
  kVersion, kTrees, kLeaf, kSeed, kSlots, kNodes, kNormals, kEntries, kRootCount, kFieldCount
};

// Checks the node graph: links in range, every node reached exactly once from the roots.
Status check_nodes(const IndexFileReader& file, std::span<const uint32_t> roots,
                   std::span<const Node> nodes, size_t normals, std::span<const Slot> entries,
                   std::span<const Id> ids, size_t* used) {
  const size_t n = nodes.size();
  std::vector<uint8_t> parents(n, 0);
  auto link = [&](uint32_t target, std::string_view from) -> Status {
    if (target >= n) {
      return file.corrupt(fmt::format("{} links to node {}, '{}' has {}", from, target,
                                      kNodesSection, n));
    }
    if (++parents[target] > 1) {
      return file.corrupt(fmt::format("node {} is reached twice in '{}'", target, kNodesSection));
    }
    return Status();
  };
  for (size_t t = 0; t < roots.size(); ++t) {
    VECDEX_RETURN_IF_ERROR(link(roots[t], fmt::format("root of tree {}", t)));
  }
  *used = 0;
  for (size_t i = 0; i < n; ++i) {
    const Node& node = nodes[i];
    if (node.is_leaf()) {
      if (node.count() > node.capacity() ||
          uint64_t{node.offset()} + node.capacity() > entries.size()) {
        return file.corrupt(fmt::format(
            "leaf {} lists entries [{}, {}) of capacity {}, '{}' has {}", i, node.offset(),
            uint64_t{node.offset()} + node.count(), node.capacity(), kEntriesSection,
            entries.size()));
      }
      for (uint32_t j = 0; j < node.count(); ++j) {
        const Slot s = entries[node.offset() + j];
        if (s >= ids.size() || ids[s] == kNoId) {
          return file.corrupt(fmt::format("leaf {} lists slot {}, which is not a live slot", i, s));
        }
      }
      *used += node.count();
      continue;
    }
    if (!node.is_random_split() && node.normal >= normals) {
      return file.corrupt(fmt::format("split {} uses normal {}, '{}' has {}", i, node.normal,
                                      kNormalsSection, normals));
    }
    if (!std::isfinite(node.bias())) {
      return file.corrupt(fmt::format("split {} has a non-finite bias", i));
    }
    VECDEX_RETURN_IF_ERROR(link(node.left(), fmt::format("split {}", i)));
    VECDEX_RETURN_IF_ERROR(link(node.right(), fmt::format("split {}", i)));
  }
  // With at most one parent each, a walk from the roots visits every node at most once; it must
  // reach them all (no detached cycles).
  size_t reached = 0;
  std::vector<uint32_t> stack(roots.begin(), roots.end());
  while (!stack.empty()) {
    const Node& node = nodes[stack.back()];
    stack.pop_back();
    ++reached;
    if (!node.is_leaf()) {
      stack.push_back(node.left());
      stack.push_back(node.right());
    }
  }
  if (reached != n) {
    return file.corrupt(fmt::format("{} of {} nodes in '{}' are not reachable from a root",
                                    n - reached, n, kNodesSection));
  }
  return Status();
}

}  // namespace

Status RpForestIndex::save_impl(const std::filesystem::path& path) const {
  // Leaves are written tightly (capacity == count) and without removed slots.
  std::vector<Node> nodes;
  std::vector<Slot> entries;
  VECDEX_RETURN_IF_ERROR(
      forest_.compacted([&](Slot s) { return ids_[s] == kNoId; }, &nodes, &entries));
  std::vector<uint32_t> roots(forest_.tree_count());
  for (size_t t = 0; t < roots.size(); ++t) roots[t] = forest_.root(t);
  IndexFileInfo info;
  info.family = "RPF";  // file tags are <= 7 characters
  info.dim = dim();
  info.metric = metric();
  info.element_type = ElementType::kF32;
  info.count = size();
  uint64_t fields[kFieldCount] = {};
  fields[kVersion] = kParamsVersion;
  fields[kTrees] = params_.ntrees;
  fields[kLeaf] = params_.leaf;
  fields[kSeed] = params_.seed;
  fields[kSlots] = slots_;
  fields[kNodes] = nodes.size();
  fields[kNormals] = forest_.normal_count();
  fields[kEntries] = entries.size();
  fields[kRootCount] = roots.size();
  IndexFileWriter writer(info);
  const std::string& text = spec();
  VECDEX_RETURN_IF_ERROR(writer.add_spec(text));
  VECDEX_RETURN_IF_ERROR(writer.add_array<uint64_t>(kParamsSection, {fields, kFieldCount}));
  VECDEX_RETURN_IF_ERROR(writer.add_array<uint32_t>(kRootsSection, roots));
  VECDEX_RETURN_IF_ERROR(writer.add_array<Node>(kNodesSection, nodes));
  VECDEX_RETURN_IF_ERROR(writer.add_array<float>(
      kNormalsSection,
      {forest_.normal_count() == 0 ? nullptr : forest_.normal(0), forest_.normal_count() * dim()}));
  VECDEX_RETURN_IF_ERROR(writer.add_array<Slot>(kEntriesSection, entries));
  VECDEX_RETURN_IF_ERROR(writer.add_array<float>(kVectorsSection, {vectors_, slots_ * dim()}));
  VECDEX_RETURN_IF_ERROR(writer.add_array<Id>(kIdsSection, {ids_.data(), slots_}));
  return writer.write(path);
}

Result<std::unique_ptr<Index>> RpForestIndex::load(const IndexFileReader& file,
                                                   const LoadOptions& options) {
  const IndexFileInfo& info = file.info();
  if (info.element_type != ElementType::kF32) {
    return file.corrupt(fmt::format("RPForest stores f32 vectors, header says {}",
                                    element_type_name(info.element_type)));
  }
  VECDEX_ASSIGN_OR_RETURN(std::string spec, file.spec());
  Result<factory::ParsedSpec> parsed = factory::parse_spec(spec);
  if (!parsed.ok()) return file.corrupt(fmt::format("bad spec: {}", parsed.status().message()));
  Result<RpForestParams> params = parse_rpforest_spec(*parsed);
  if (!params.ok()) return file.corrupt(fmt::format("bad spec: {}", params.status().message()));
  const RpForestParams p = *params;
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint64_t> f,
                          file.array<uint64_t>(kParamsSection, kFieldCount));
  if (f[kVersion] != kParamsVersion) {
    return file.corrupt(fmt::format("'{}' version {} (this build reads {})", kParamsSection,
                                    f[kVersion], kParamsVersion));
  }
  if (f[kTrees] != p.ntrees || f[kLeaf] != p.leaf || f[kSeed] != p.seed) {
    return file.corrupt(fmt::format("'{}' disagrees with the spec \"{}\"", kParamsSection, spec));
  }
  if (f[kSlots] > kMaxElements || f[kNodes] > kMaxElements || f[kNormals] > kMaxElements ||
      f[kEntries] > kMaxElements) {
    return file.corrupt(fmt::format("'{}' sizes ({} slots, {} nodes, {} normals, {} entries) "
                                    "exceed the maximum {}", kParamsSection, f[kSlots], f[kNodes],
                                    f[kNormals], f[kEntries], kMaxElements));
  }
  if (f[kRootCount] != 0 && f[kRootCount] != p.ntrees) {
    return file.corrupt(fmt::format("'{}' says {} trees, expected 0 or {}", kParamsSection,
                                    f[kRootCount], p.ntrees));
  }
  const size_t slots = static_cast<size_t>(f[kSlots]);
  size_t vector_floats = 0, normal_floats = 0;
  if (__builtin_mul_overflow(slots, info.dim, &vector_floats) ||
      __builtin_mul_overflow(static_cast<size_t>(f[kNormals]), info.dim, &normal_floats)) {
    return file.corrupt(fmt::format("sizes overflow at dim {}", info.dim));
  }
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint32_t> roots,
                          file.array<uint32_t>(kRootsSection, f[kRootCount]));
  VECDEX_ASSIGN_OR_RETURN(std::span<const Node> nodes, file.array<Node>(kNodesSection, f[kNodes]));
  VECDEX_ASSIGN_OR_RETURN(std::span<const float> normals,
                          file.array<float>(kNormalsSection, normal_floats));
  VECDEX_ASSIGN_OR_RETURN(std::span<const Slot> entries,
                          file.array<Slot>(kEntriesSection, f[kEntries]));
  VECDEX_ASSIGN_OR_RETURN(std::span<const float> vectors,
                          file.array<float>(kVectorsSection, vector_floats));
  VECDEX_ASSIGN_OR_RETURN(std::span<const Id> ids, file.array<Id>(kIdsSection, slots));

  auto index = std::make_unique<RpForestIndex>(info.dim, info.metric, spec, p);
  size_t live = 0;
  try {
    VECDEX_RETURN_IF_ERROR(index->slot_of_.reserve(ids).with_context("load"));
    for (size_t s = 0; s < slots; ++s) {
      if (ids[s] == kNoId) continue;
      ++live;
      if (!index->slot_of_.insert(ids[s], static_cast<Slot>(s))) {
        return file.corrupt(fmt::format("id {} appears twice in '{}'", ids[s], kIdsSection));
      }
    }
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("load {}: out of memory for {} ids", file.file_name(),
                                          info.count));
  }
  if (live != info.count) {
    return file.corrupt(fmt::format("'{}' holds {} live ids, header says {}", kIdsSection, live,
                                    info.count));
  }
  if (roots.empty() && (live > 0 || !nodes.empty())) {
    return file.corrupt(fmt::format("{} live points and {} nodes but no trees", live,
                                    nodes.size()));
  }
  size_t used = 0;
  VECDEX_RETURN_IF_ERROR(check_nodes(file, roots, nodes, f[kNormals], entries, ids, &used));
  index->ids_.assign(ids.begin(), ids.end());
  for (size_t s = slots; s-- > 0;) {
    if (ids[s] == kNoId) index->free_slots_.push_back(static_cast<Slot>(s));
  }
  index->slots_ = slots;
  // The big arrays are used in place: the read buffer or the mapping stays alive with the
  // index; the first add/remove that changes them copies them (make_owned).
  index->forest_.adopt(std::vector<uint32_t>(roots.begin(), roots.end()), nodes, normals, entries,
                       used);
  index->vectors_ = vectors.data();
  index->file_ = file.storage();
  (void)options;  // the reader already mapped or read the file as asked
  return std::unique_ptr<Index>(std::move(index));
}

}  // namespace vecdex::rpforest
