// RpForestParams: spec parsing and validation.
#include "index/rpforest/rpforest_params.h"

#include <optional>

#include <fmt/format.h>

namespace vecdex::rpforest {

Status RpForestParams::validate() const {
  if (ntrees < 1 || ntrees > kMaxTrees) {
    return invalid_argument(
        fmt::format("RPForest: ntrees must be in [1, {}], got {}", kMaxTrees, ntrees));
  }
  if (leaf < 1 || leaf > kMaxLeaf) {
    return invalid_argument(
        fmt::format("RPForest: leaf must be in [1, {}], got {}", kMaxLeaf, leaf));
  }
  return Status();
}

Result<RpForestParams> parse_rpforest_spec(const factory::ParsedSpec& spec) {
  const factory::Stage& first = spec.stages.front();
  if (!first.number.has_value() || !first.suffix.empty()) {
    return invalid_argument(fmt::format("stage '{}' {}: expected RPForest<ntrees>, e.g. RPForest50",
                                        first.text, spec.where(first.position)));
  }
  if (*first.number < 1 || *first.number > kMaxTrees) {
    return invalid_argument(fmt::format("stage '{}' {}: ntrees must be in [1, {}]", first.text,
                                        spec.where(first.position), kMaxTrees));
  }
  if (spec.stages.size() > 1) {
    const factory::Stage& extra = spec.stages[1];
    return invalid_argument(fmt::format(
        "unexpected stage '{}' {}; RPForest stores f32 vectors and takes no other stage",
        extra.text, spec.where(extra.position)));
  }
  RpForestParams p;
  p.ntrees = static_cast<uint32_t>(*first.number);
  VECDEX_RETURN_IF_ERROR(spec.check_options("RPForest", {"leaf", "seed"}));
  VECDEX_ASSIGN_OR_RETURN(std::optional<uint64_t> leaf, spec.uint_option("leaf", 1, kMaxLeaf));
  if (leaf) p.leaf = static_cast<uint32_t>(*leaf);
  VECDEX_ASSIGN_OR_RETURN(std::optional<uint64_t> seed, spec.uint_option("seed", 0, UINT64_MAX));
  if (seed) p.seed = *seed;
  VECDEX_RETURN_IF_ERROR(p.validate());
  return p;
}

}  // namespace vecdex::rpforest
