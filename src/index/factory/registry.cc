// The built-in family list and dispatch by stage name / file tag.
#include "index/factory/registry.h"

#include <fmt/format.h>

#include "index/flat/flat_index.h"
#include "index/hnsw/hnsw_index.h"
#include "index/ivf/ivf_index.h"
#include "index/rpforest/rpforest_index.h"

namespace vecdex::factory {

const Registry& Registry::global() {
  // One line per family. Order is the order users see in "expected one of: ..." messages.
  static const Registry registry({
      flat::family_entry(),
      hnsw::family_entry(),
      ivf::family_entry(),
      rpforest::family_entry(),
  });
  return registry;
}

std::string Registry::usages() const {
  std::string out;
  for (const FamilyEntry& e : entries_) {
    if (!out.empty()) out += ", ";
    out += e.usage;
  }
  return out;
}

Result<std::unique_ptr<Index>> Registry::build(const ParsedSpec& spec, size_t dim,
                                               Metric metric) const {
  const Stage& first = spec.stages.front();
  for (const FamilyEntry& e : entries_) {
    if (first.name == e.stage_name) return e.build(spec, dim, metric);
  }
  return invalid_argument(fmt::format("unknown stage '{}' {}; expected one of: {}", first.text,
                                      spec.where(first.position), usages()));
}

Result<std::unique_ptr<Index>> Registry::load(const IndexFileReader& file,
                                              const LoadOptions& options) const {
  for (const FamilyEntry& e : entries_) {
    if (file.info().family == e.file_tag) return e.load(file, options);
  }
  return file.corrupt(fmt::format("unknown index family '{}' (this build knows: {})",
                                  file.info().family, usages()));
}

}  // namespace vecdex::factory
