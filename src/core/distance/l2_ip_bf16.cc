// bf16 kernels (L2, inner product over raw bfloat16 bits): elements are widened to f32 in
// registers and accumulated in f32. Compiled by Highway per target; see dispatch.h.
#include "core/distance/dispatch.h"  // first: Highway target configuration

#include <cstddef>
#include <cstdint>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/distance/l2_ip_bf16.cc"
#include <hwy/foreach_target.h>  // re-includes this file once per target

#include <hwy/highway.h>

#include "core/distance/distance.h"
#include "core/distance/float_kernels-inl.h"

HWY_BEFORE_NAMESPACE();
namespace vecdex::distance {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// A bfloat16 is the upper half of a float, so one full vector of 2N bf16 lanes yields two f32
// vectors without shuffles: even elements by shifting each 32-bit lane left by 16, odd elements
// by masking off its low half. Lanes come out permuted, which a sum does not mind. Whatever is
// left (< 2N elements) goes through the generic widening path.
template <FloatOp kOp>
float Bf16Distance(const uint16_t* HWY_RESTRICT a, const uint16_t* HWY_RESTRICT b, size_t dim) {
#if HWY_TARGET == HWY_SCALAR
  return Distance<kOp, Bf16Elements>(a, b, dim);  // one lane: nothing to split
#else
  const hn::ScalableTag<float> df;
  const hn::RebindToUnsigned<decltype(df)> du32;
  const hn::Repartition<uint16_t, decltype(df)> du16;
  const size_t N16 = hn::Lanes(du16);
  const auto odd_mask = hn::Set(du32, 0xFFFF0000u);
  auto s0 = hn::Zero(df), s1 = hn::Zero(df), s2 = hn::Zero(df), s3 = hn::Zero(df);
  size_t i = 0;
  for (; i + 2 * N16 <= dim; i += 2 * N16) {
    const auto va0 = hn::BitCast(du32, hn::LoadU(du16, a + i));
    const auto vb0 = hn::BitCast(du32, hn::LoadU(du16, b + i));
    const auto va1 = hn::BitCast(du32, hn::LoadU(du16, a + i + N16));
    const auto vb1 = hn::BitCast(du32, hn::LoadU(du16, b + i + N16));
    s0 = Accumulate<kOp>(hn::BitCast(df, hn::ShiftLeft<16>(va0)),
                         hn::BitCast(df, hn::ShiftLeft<16>(vb0)), s0);
    s1 = Accumulate<kOp>(hn::BitCast(df, hn::And(va0, odd_mask)),
                         hn::BitCast(df, hn::And(vb0, odd_mask)), s1);
    s2 = Accumulate<kOp>(hn::BitCast(df, hn::ShiftLeft<16>(va1)),
                         hn::BitCast(df, hn::ShiftLeft<16>(vb1)), s2);
    s3 = Accumulate<kOp>(hn::BitCast(df, hn::And(va1, odd_mask)),
                         hn::BitCast(df, hn::And(vb1, odd_mask)), s3);
  }
  const float head = hn::GetLane(hn::SumOfLanes(df, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
  if (i == dim)
    return head;
  return head + Distance<kOp, Bf16Elements>(a + i, b + i, dim - i);
#endif
}

float L2Bf16(const uint16_t* a, const uint16_t* b, size_t dim) {
  return Bf16Distance<FloatOp::kL2>(a, b, dim);
}
float IpBf16(const uint16_t* a, const uint16_t* b, size_t dim) {
  return Bf16Distance<FloatOp::kIp>(a, b, dim);
}

void FillBf16Kernels(KernelTable* table) {
  table->l2_bf16 = &L2Bf16;
  table->ip_bf16 = &IpBf16;
}

}  // namespace HWY_NAMESPACE
}  // namespace vecdex::distance
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vecdex::distance {

HWY_EXPORT(FillBf16Kernels);
VECDEX_DEFINE_KERNEL_FILLER(fill_bf16_kernels, FillBf16Kernels)

}  // namespace vecdex::distance
#endif  // HWY_ONCE
