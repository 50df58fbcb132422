// f32 kernels (L2, inner product, one-query-vs-many-rows, squared norms), compiled by Highway for
// every target in dispatch.h and handed out per target through fill_f32_kernels().
#include "core/distance/dispatch.h"  // first: Highway target configuration

#include <cstddef>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/distance/l2_ip_f32.cc"
#include <hwy/foreach_target.h>  // re-includes this file once per target

#include <hwy/highway.h>

#include "core/distance/distance.h"
#include "core/distance/float_kernels-inl.h"

HWY_BEFORE_NAMESPACE();
namespace vecdex::distance {
namespace HWY_NAMESPACE {

float L2F32(const float* a, const float* b, size_t dim) {
  return Distance<FloatOp::kL2, F32Elements>(a, b, dim);
}
float IpF32(const float* a, const float* b, size_t dim) {
  return Distance<FloatOp::kIp, F32Elements>(a, b, dim);
}
void L2F32Many(const float* q, const float* base, size_t n, size_t dim, float* out) {
  DistanceMany<FloatOp::kL2, F32Elements>(q, base, n, dim, out);
}
void IpF32Many(const float* q, const float* base, size_t n, size_t dim, float* out) {
  DistanceMany<FloatOp::kIp, F32Elements>(q, base, n, dim, out);
}
void NormsF32(const float* base, size_t n, size_t dim, float* out) {
  for (size_t r = 0; r < n; ++r) {
    const float* row = base + r * dim;
    out[r] = Distance<FloatOp::kIp, F32Elements>(row, row, dim);
  }
}

void FillF32Kernels(KernelTable* table) {
  table->l2_f32 = &L2F32;
  table->ip_f32 = &IpF32;
  table->l2_f32_many = &L2F32Many;
  table->ip_f32_many = &IpF32Many;
  table->norms_f32 = &NormsF32;
}

}  // namespace HWY_NAMESPACE
}  // namespace vecdex::distance
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vecdex::distance {

HWY_EXPORT(FillF32Kernels);
VECDEX_DEFINE_KERNEL_FILLER(fill_f32_kernels, FillF32Kernels)

}  // namespace vecdex::distance
#endif  // HWY_ONCE
