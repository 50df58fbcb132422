// f16 kernels (L2, inner product over raw IEEE binary16 bits): elements are widened to f32 in
// registers and accumulated in f32. Compiled by Highway per target; see dispatch.h.
#include "core/distance/dispatch.h"  // first: Highway target configuration

#include <cstddef>
#include <cstdint>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/distance/l2_ip_f16.cc"
#include <hwy/foreach_target.h>  // re-includes this file once per target

#include <hwy/highway.h>

#include "core/distance/distance.h"
#include "core/distance/float_kernels-inl.h"

HWY_BEFORE_NAMESPACE();
namespace vecdex::distance {
namespace HWY_NAMESPACE {

float L2F16(const uint16_t* a, const uint16_t* b, size_t dim) {
  return Distance<FloatOp::kL2, F16Elements>(a, b, dim);
}
float IpF16(const uint16_t* a, const uint16_t* b, size_t dim) {
  return Distance<FloatOp::kIp, F16Elements>(a, b, dim);
}

void FillF16Kernels(KernelTable* table) {
  table->l2_f16 = &L2F16;
  table->ip_f16 = &IpF16;
}

}  // namespace HWY_NAMESPACE
}  // namespace vecdex::distance
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vecdex::distance {

HWY_EXPORT(FillF16Kernels);
VECDEX_DEFINE_KERNEL_FILLER(fill_f16_kernels, FillF16Kernels)

}  // namespace vecdex::distance
#endif  // HWY_ONCE
