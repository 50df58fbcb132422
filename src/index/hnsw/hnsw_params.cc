// HnswParams: spec parsing and validation.
#include "index/hnsw/hnsw_params.h"

#include <cmath>
#include <string>

#include <fmt/format.h>

namespace vecdex::hnsw {
namespace {

constexpr uint32_t kMinM = 2;
constexpr uint32_t kMaxM = 256;
constexpr uint32_t kMaxM0 = 1024;

}  // namespace

Status HnswParams::validate() const {
  if (m < kMinM || m > kMaxM) {
    return invalid_argument(fmt::format("HNSW: M must be in [{}, {}], got {}", kMinM, kMaxM, m));
  }
  if (m0 < m || m0 > kMaxM0) {
    return invalid_argument(fmt::format("HNSW: m0 must be in [M={}, {}], got {}", m, kMaxM0, m0));
  }
  if (ef_construction == 0 || ef_construction > 65535) {
    return invalid_argument(
        fmt::format("HNSW: efc must be in [1, 65535], got {}", ef_construction));
  }
  return Status();
}

double HnswParams::level_multiplier() const { return 1.0 / std::log(static_cast<double>(m)); }

Result<HnswParams> parse_hnsw_spec(const factory::ParsedSpec& spec) {
  const factory::Stage& first = spec.stages.front();
  if (!first.number.has_value() || !first.suffix.empty()) {
    return invalid_argument(fmt::format("stage '{}' {}: expected HNSW<M>, e.g. HNSW32", first.text,
                                        spec.where(first.position)));
  }
  HnswParams p;
  if (*first.number < kMinM || *first.number > kMaxM) {
    return invalid_argument(fmt::format("stage '{}' {}: M must be in [{}, {}]", first.text,
                                        spec.where(first.position), kMinM, kMaxM));
  }
  p.m = static_cast<uint32_t>(*first.number);
  p.m0 = 2 * p.m;
  bool have_codec = false;
  for (size_t i = 1; i < spec.stages.size(); ++i) {
    const factory::Stage& s = spec.stages[i];
    const std::string where = spec.where(s.position);
    if (s.text == "Refine") {
      if (p.refine) return invalid_argument(fmt::format("stage 'Refine' repeated {}", where));
      p.refine = true;
      continue;
    }
    if (have_codec || p.refine) {
      return invalid_argument(fmt::format(
          "unexpected stage '{}' {}; HNSW takes one storage stage, then optionally Refine",
          s.text, where));
    }
    if (s.text == "Flat" || s.text == "F32") {
      p.codec = quant::CodecKind::kF32;
    } else if (s.text == "FP16") {
      p.codec = quant::CodecKind::kF16;
    } else if (s.text == "BF16") {
      p.codec = quant::CodecKind::kBF16;
    } else if (s.text == "SQ8") {
      p.codec = quant::CodecKind::kSQ8;
    } else {
      return invalid_argument(fmt::format(
          "unknown storage stage '{}' {}; HNSW accepts Flat (F32), FP16, BF16, SQ8, Refine",
          s.text, where));
    }
    have_codec = true;
  }
  if (p.refine && p.codec == quant::CodecKind::kF32) {
    return invalid_argument(fmt::format(
        "stage 'Refine' in \"{}\" needs a lossy storage stage (FP16, BF16, SQ8); F32 is exact",
        spec.text));
  }
  VECDEX_RETURN_IF_ERROR(spec.check_options("HNSW", {"efc", "m0", "seed"}));
  VECDEX_ASSIGN_OR_RETURN(std::optional<uint64_t> efc, spec.uint_option("efc", 1, 65535));
  if (efc) p.ef_construction = static_cast<uint32_t>(*efc);
  VECDEX_ASSIGN_OR_RETURN(std::optional<uint64_t> m0, spec.uint_option("m0", p.m, kMaxM0));
  if (m0) p.m0 = static_cast<uint32_t>(*m0);
  VECDEX_ASSIGN_OR_RETURN(std::optional<uint64_t> seed, spec.uint_option("seed", 0, UINT64_MAX));
  if (seed) p.seed = *seed;
  VECDEX_RETURN_IF_ERROR(p.validate());
  return p;
}

}  // namespace vecdex::hnsw
