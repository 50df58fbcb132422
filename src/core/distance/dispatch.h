// Private glue between the Highway kernel files and simd_target.cc: which targets are compiled,
// and how one target's kernels are pulled out of a HWY_EXPORT table without touching Highway's
// global dispatch state. Include this before any hwy header in src/core/distance/*.cc.
#pragma once

// AVX3_DL (Ice Lake+: VPOPCNTDQ, VNNI, VBMI2) is opt-in in Highway 1.0.3; it gives Hamming a
// native vector popcount. SSSE3 adds nothing over SSE4 for these kernels, so it is not built.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS HWY_SSSE3
#endif

#include <hwy/targets.h>

#include <cstddef>
#include <cstdint>
#include <iterator>

namespace vecdex::distance {

struct KernelTable;

// Each family file fills the fields it owns for one Highway target (a single HWY_* bit).
// Returns false when that target was not compiled into the file.
bool fill_f32_kernels(int64_t target, KernelTable* table);
bool fill_f16_kernels(int64_t target, KernelTable* table);
bool fill_bf16_kernels(int64_t target, KernelTable* table);
bool fill_int8_kernels(int64_t target, KernelTable* table);
bool fill_hamming_kernels(int64_t target, KernelTable* table);
bool fill_codec_kernels(int64_t target, KernelTable* table);
bool fill_fastscan_kernels(int64_t target, KernelTable* table);

namespace internal {

// The entry of a HWY_EXPORT table that holds `target`'s function, or nullptr when that target
// was not compiled. Mirrors how hwy::ChosenTarget::GetIndex() maps targets to table slots.
template <typename Fn, size_t kSize>
Fn dispatch_entry(Fn const (&table)[kSize], int64_t target) {
  if (target == 0 || (target & (target - 1)) != 0)
    return nullptr;  // exactly one bit
  if ((target & HWY_TARGETS) == 0)
    return nullptr;
  if constexpr (kSize == 1) {
    return target == HWY_STATIC_TARGET ? table[0] : nullptr;
  } else {
    size_t index;
    if (target == HWY_SCALAR || target == HWY_EMU128) {
      index = HWY_MAX_DYNAMIC_TARGETS + 1;
    } else {
      const uint64_t shifted = static_cast<uint64_t>(HWY_CHOSEN_TARGET_SHIFT(target));
      if (shifted == 0)
        return nullptr;
      index = hwy::Num0BitsBelowLS1Bit_Nonzero64(shifted);
    }
    return index < kSize ? table[index] : nullptr;
  }
}

}  // namespace internal
}  // namespace vecdex::distance

// Defines `bool NAME(int64_t target, KernelTable* table)` calling the per-target function
// FILL_FN (exported with HWY_EXPORT in the same file).
#define VECDEX_DEFINE_KERNEL_FILLER(NAME, FILL_FN)                                                 \
  bool NAME(int64_t target, KernelTable* table) {                                                  \
    auto fill = ::vecdex::distance::internal::dispatch_entry(HWY_DISPATCH_TABLE(FILL_FN), target); \
    if (fill == nullptr)                                                                           \
      return false;                                                                                \
    fill(table);                                                                                   \
    return true;                                                                                   \
  }
