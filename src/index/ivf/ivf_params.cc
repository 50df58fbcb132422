// IvfParams: spec parsing and validation.
#include "index/ivf/ivf_params.h"

#include <charconv>
#include <cmath>
#include <string>

#include <fmt/format.h>

namespace vecdex::ivf {
namespace {

constexpr uint32_t kMaxNlist = 1u << 20;
constexpr uint32_t kMaxPqM = 4096;

// "PQ<m>", "PQ<m>x8", "PQ<m>x4", "PQ<m>x4fs".
Status parse_pq_stage(const factory::Stage& s, const std::string& where, IvfParams& p) {
  if (!s.number.has_value() || *s.number == 0 || *s.number > kMaxPqM) {
    return invalid_argument(fmt::format(
        "stage '{}' {}: expected PQ<m> with m in [1, {}], e.g. PQ32, PQ32x4fs", s.text, where,
        kMaxPqM));
  }
  p.pq_m = static_cast<uint32_t>(*s.number);
  if (s.suffix.empty() || s.suffix == "x8") {
    p.storage = IvfStorage::kPQ;
    p.pq_nbits = 8;
  } else if (s.suffix == "x4") {
    p.storage = IvfStorage::kPQ;
    p.pq_nbits = 4;
  } else if (s.suffix == "x4fs") {
    p.storage = IvfStorage::kPQFastScan;
    p.pq_nbits = 4;
  } else {
    return invalid_argument(fmt::format(
        "stage '{}' {}: unknown PQ suffix '{}'; expected PQ<m>, PQ<m>x8, PQ<m>x4 or PQ<m>x4fs",
        s.text, where, s.suffix));
  }
  return Status();
}

}  // namespace

std::string_view storage_name(IvfStorage storage) {
  switch (storage) {
    case IvfStorage::kFlat: return "Flat";
    case IvfStorage::kFP16: return "FP16";
    case IvfStorage::kBF16: return "BF16";
    case IvfStorage::kSQ8: return "SQ8";
    case IvfStorage::kPQ: return "PQ";
    case IvfStorage::kPQFastScan: return "PQfs";
  }
  return "?";
}

bool parse_float(std::string_view text, float* out) {
  if (text.empty()) return false;
  float value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(value)) return false;
  *out = value;
  return true;
}

Status IvfParams::validate() const {
  if (nlist == 0 || nlist > kMaxNlist) {
    return invalid_argument(fmt::format("IVF: nlist must be in [1, {}], got {}", kMaxNlist, nlist));
  }
  if (is_pq() && (pq_m == 0 || (pq_nbits != 4 && pq_nbits != 8))) {
    return invalid_argument(fmt::format("IVF: PQ needs m > 0 and nbits 4 or 8, got m={} nbits={}",
                                        pq_m, pq_nbits));
  }
  if (niter == 0 || niter > 1000) {
    return invalid_argument(fmt::format("IVF: niter must be in [1, 1000], got {}", niter));
  }
  if (!(aq >= 0.0f && aq < 1.0f)) {
    return invalid_argument(fmt::format("IVF: aq must be in (0, 1), got {}", aq));
  }
  return Status();
}

Result<IvfParams> parse_ivf_spec(const factory::ParsedSpec& spec) {
  const factory::Stage& first = spec.stages.front();
  if (!first.number.has_value() || !first.suffix.empty()) {
    return invalid_argument(fmt::format("stage '{}' {}: expected IVF<nlist>, e.g. IVF1024",
                                        first.text, spec.where(first.position)));
  }
  IvfParams p;
  if (*first.number == 0 || *first.number > kMaxNlist) {
    return invalid_argument(fmt::format("stage '{}' {}: nlist must be in [1, {}]", first.text,
                                        spec.where(first.position), kMaxNlist));
  }
  p.nlist = static_cast<uint32_t>(*first.number);
  bool have_storage = false;
  for (size_t i = 1; i < spec.stages.size(); ++i) {
    const factory::Stage& s = spec.stages[i];
    const std::string where = spec.where(s.position);
    if (s.text == "Refine") {
      if (p.refine) return invalid_argument(fmt::format("stage 'Refine' repeated {}", where));
      p.refine = true;
      continue;
    }
    if (have_storage || p.refine) {
      return invalid_argument(fmt::format(
          "unexpected stage '{}' {}; IVF takes one storage stage, then optionally Refine", s.text,
          where));
    }
    if (s.text == "Flat" || s.text == "F32") {
      p.storage = IvfStorage::kFlat;
    } else if (s.text == "FP16") {
      p.storage = IvfStorage::kFP16;
    } else if (s.text == "BF16") {
      p.storage = IvfStorage::kBF16;
    } else if (s.text == "SQ8") {
      p.storage = IvfStorage::kSQ8;
    } else if (s.name == "PQ") {
      VECDEX_RETURN_IF_ERROR(parse_pq_stage(s, where, p));
    } else {
      return invalid_argument(fmt::format(
          "unknown storage stage '{}' {}; IVF accepts Flat, FP16, BF16, SQ8, PQ<m>[x4|x8|x4fs], "
          "then Refine", s.text, where));
    }
    have_storage = true;
  }
  if (p.refine && p.storage == IvfStorage::kFlat) {
    return invalid_argument(fmt::format(
        "stage 'Refine' in \"{}\" needs a lossy storage stage (FP16, BF16, SQ8, PQ); Flat is exact",
        spec.text));
  }
  VECDEX_RETURN_IF_ERROR(spec.check_options("IVF", {"seed", "niter", "opq", "aq"}));
  VECDEX_ASSIGN_OR_RETURN(std::optional<uint64_t> seed, spec.uint_option("seed", 0, UINT64_MAX));
  if (seed) p.seed = *seed;
  VECDEX_ASSIGN_OR_RETURN(std::optional<uint64_t> niter, spec.uint_option("niter", 1, 1000));
  if (niter) p.niter = static_cast<uint32_t>(*niter);
  if (const factory::BuildOption* o = spec.option("opq")) {
    if (o->value != "0" && o->value != "1") {
      return invalid_argument(fmt::format("build option 'opq={}' {}: expected 0 or 1", o->value,
                                          spec.where(o->position)));
    }
    p.opq = o->value == "1";
    if (p.opq && !p.is_pq()) {
      return invalid_argument(fmt::format("build option 'opq=1' {} needs a PQ stage",
                                          spec.where(o->position)));
    }
  }
  if (const factory::BuildOption* o = spec.option("aq")) {
    float t = 0;
    if (!parse_float(o->value, &t) || !(t > 0.0f && t < 1.0f)) {
      return invalid_argument(fmt::format(
          "build option 'aq={}' {}: expected a number in (0, 1), e.g. aq=0.2", o->value,
          spec.where(o->position)));
    }
    if (!p.is_pq()) {
      return invalid_argument(fmt::format("build option 'aq={}' {} needs a PQ storage stage",
                                          o->value, spec.where(o->position)));
    }
    p.aq = t;
  }
  VECDEX_RETURN_IF_ERROR(p.validate());
  return p;
}

}  // namespace vecdex::ivf
