// VECDEX_SIMD handling and the per-target kernel tables: maps SimdLevel to a Highway target,
// asks each kernel family for that target's functions, and resolves the process table once.
#include "core/distance/dispatch.h"  // first: Highway target configuration

#include <cctype>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include <fmt/format.h>

#include "core/distance/distance.h"
#include "vecdex/version.h"

namespace vecdex::distance {
namespace {

// Targets both compiled into the kernel files and runnable on this CPU. SupportedTargets() only
// detects the CPU here: vecdex never calls DisableTargets or SetSupportedTargetsForTest.
int64_t usable_targets() {
  return hwy::SupportedTargets() & HWY_TARGETS;
}

int64_t scalar_target() {
  return (HWY_TARGETS & HWY_EMU128) != 0 ? HWY_EMU128 : HWY_SCALAR;
}

// The Highway target (one HWY_* bit) for `level`, or 0 when this CPU cannot run it.
int64_t target_for(SimdLevel level) {
  const int64_t usable = usable_targets();
  switch (level) {
    case SimdLevel::kScalar:
      return scalar_target();
    case SimdLevel::kAvx2:
      return (usable & HWY_AVX2) != 0 ? HWY_AVX2 : 0;
    case SimdLevel::kAvx512:
      if ((usable & HWY_AVX3_DL) != 0)
        return HWY_AVX3_DL;
      return (usable & HWY_AVX3) != 0 ? HWY_AVX3 : 0;
    case SimdLevel::kBest:
      return usable != 0 ? (usable & -usable) : scalar_target();  // lowest bit = best target
  }
  return 0;
}

bool table_complete(const KernelTable& t) {
  return t.l2_f32 && t.ip_f32 && t.l2_f16 && t.ip_f16 && t.l2_bf16 && t.ip_bf16 && t.l2_i8 &&
         t.ip_i8 && t.l2_u8 && t.ip_u8 && t.hamming && t.l2_f32_many && t.ip_f32_many &&
         t.norms_f32 && t.l2_f32_f16 && t.ip_f32_f16 && t.l2_f32_bf16 && t.ip_f32_bf16 &&
         t.l2_sq8_weighted && t.l2_sq8_uniform && t.ip_f32_u8 && t.fastscan_accumulate;
}

Result<KernelTable> table_for_target(int64_t target) {
  KernelTable table;
  table.target_name = hwy::TargetName(target);
  const bool filled = fill_f32_kernels(target, &table) && fill_f16_kernels(target, &table) &&
                      fill_bf16_kernels(target, &table) && fill_int8_kernels(target, &table) &&
                      fill_hamming_kernels(target, &table) && fill_codec_kernels(target, &table) &&
                      fill_fastscan_kernels(target, &table);
  if (!filled || !table_complete(table)) {
    return internal_error(
        fmt::format("distance kernels for target {} are not all compiled", table.target_name));
  }
  return table;
}

struct ProcessKernels {
  KernelTable table;
  std::string error;
};

const ProcessKernels& process_kernels() {
  static const ProcessKernels resolved = [] {
    ProcessKernels out;
    const char* env = std::getenv("VECDEX_SIMD");
    SimdChoice choice = resolve_simd_level(env != nullptr ? env : "", available_levels());
    out.error = std::move(choice.error);
    Result<KernelTable> table = kernels_for(choice.level);
    if (!table.ok())
      table = kernels_for(SimdLevel::kScalar);
    if (table.ok())
      out.table = *table;
    return out;
  }();
  return resolved;
}

bool contains(const std::vector<SimdLevel>& levels, SimdLevel level) {
  for (SimdLevel l : levels) {
    if (l == level)
      return true;
  }
  return false;
}

}  // namespace

const char* simd_level_name(SimdLevel level) {
  switch (level) {
    case SimdLevel::kBest:
      return "best";
    case SimdLevel::kScalar:
      return "scalar";
    case SimdLevel::kAvx2:
      return "avx2";
    case SimdLevel::kAvx512:
      return "avx512";
  }
  return "unknown";
}

Result<SimdLevel> parse_simd_level(std::string_view text) {
  std::string lower(text);
  for (char& c : lower)
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (SimdLevel level :
       {SimdLevel::kBest, SimdLevel::kScalar, SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (lower == simd_level_name(level))
      return level;
  }
  return invalid_argument(
      fmt::format("unknown SIMD level '{}'; expected one of scalar, avx2, avx512, best", text));
}

SimdChoice resolve_simd_level(std::string_view env_value, const std::vector<SimdLevel>& available) {
  SimdChoice choice;
  if (env_value.empty())
    return choice;
  Result<SimdLevel> parsed = parse_simd_level(env_value);
  if (!parsed.ok()) {
    choice.error = fmt::format("VECDEX_SIMD: {}; using best", parsed.status().message());
    return choice;
  }
  choice.level = *parsed;
  if (choice.level == SimdLevel::kBest || contains(available, choice.level))
    return choice;
  // Fall back to the best lower level the CPU has; scalar always runs.
  SimdLevel fallback = SimdLevel::kScalar;
  if (choice.level == SimdLevel::kAvx512 && contains(available, SimdLevel::kAvx2)) {
    fallback = SimdLevel::kAvx2;
  }
  choice.error = fmt::format("VECDEX_SIMD={}: this CPU does not support {}; using {}", env_value,
                             simd_level_name(choice.level), simd_level_name(fallback));
  choice.level = fallback;
  return choice;
}

Result<KernelTable> kernels_for(SimdLevel level) {
  const int64_t target = target_for(level);
  if (target == 0) {
    return failed_precondition(fmt::format(
        "SIMD level {} is not supported by this CPU (or not compiled); best available is {}",
        simd_level_name(level), hwy::TargetName(target_for(SimdLevel::kBest))));
  }
  return table_for_target(target);
}

std::vector<SimdLevel> available_levels() {
  std::vector<SimdLevel> levels{SimdLevel::kScalar};
  for (SimdLevel level : {SimdLevel::kAvx2, SimdLevel::kAvx512}) {
    if (target_for(level) != 0)
      levels.push_back(level);
  }
  return levels;
}

std::vector<KernelTable> runnable_kernel_tables() {
  std::vector<KernelTable> tables;
  // Scalar first, then from the weakest SIMD target (highest bit) to the best (lowest bit).
  const int64_t usable = usable_targets() & ~(HWY_SCALAR | HWY_EMU128);
  Result<KernelTable> scalar = table_for_target(scalar_target());
  if (scalar.ok())
    tables.push_back(*scalar);
  for (int bit = 62; bit >= 0; --bit) {
    const int64_t target = int64_t{1} << bit;
    if ((usable & target) == 0)
      continue;
    Result<KernelTable> table = table_for_target(target);
    if (table.ok())
      tables.push_back(*table);
  }
  return tables;
}

const KernelTable& kernels() {
  return process_kernels().table;
}

const std::string& simd_config_error() {
  return process_kernels().error;
}

}  // namespace vecdex::distance

namespace vecdex {

std::string simd_target_name() {
  return distance::kernels().target_name;
}

}  // namespace vecdex
