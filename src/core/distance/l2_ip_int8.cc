// int8 / uint8 kernels (L2, inner product). Exact: bytes are widened to int16, multiplied
// pairwise into int32 lanes (vpmaddwd on x86) and flushed to int64 before an int32 lane could
// overflow; the exact integer sum is returned as float. Compiled by Highway per target.
#include "core/distance/dispatch.h"  // first: Highway target configuration

#include <algorithm>
#include <cstddef>
#include <cstdint>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/distance/l2_ip_int8.cc"
#include <hwy/foreach_target.h>  // re-includes this file once per target

#include <hwy/highway.h>

#include "core/distance/distance.h"

HWY_BEFORE_NAMESPACE();
namespace vecdex::distance {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Sum of the int32 lanes of a block that covered `elements` elements. Each element adds at most
// 255^2 = 65025, so short blocks cannot overflow int32 even in total and reduce in registers;
// longer ones are widened lane by lane.
template <class D>
HWY_INLINE int64_t SumLanes(D d, hn::Vec<D> v, size_t elements) {
  if (elements <= (size_t{1} << 31) / 65025)
    return hn::GetLane(hn::SumOfLanes(d, v));
  int32_t lanes[64];  // >= lanes of the widest target (16 for AVX-512)
  hn::StoreU(v, d, lanes);
  int64_t sum = 0;
  for (size_t i = 0; i < hn::Lanes(d); ++i)
    sum += lanes[i];
  return sum;
}

template <bool kL2, typename T>
float IntDistance(const T* HWY_RESTRICT a, const T* HWY_RESTRICT b, size_t dim) {
  const hn::ScalableTag<int16_t> d16;
  const hn::RepartitionToWide<decltype(d16)> d32;
  const hn::Rebind<T, decltype(d16)> d8;
  const size_t N = hn::Lanes(d16);
  // One pairwise step adds at most 2 * 255^2 = 130050 to a lane; four accumulators of 2048
  // steps each stay below 2^31 even when summed.
  constexpr size_t kMaxSteps = 2048;
  int64_t total = 0;
  size_t i = 0;
  while (i + N <= dim) {
    auto s0 = hn::Zero(d32), s1 = hn::Zero(d32), t0 = hn::Zero(d32), t1 = hn::Zero(d32);
    const size_t block_begin = i;
    const size_t block_end = std::min(dim, i + kMaxSteps * 2 * N);
    for (; i + 2 * N <= block_end; i += 2 * N) {
      const auto a0 = hn::PromoteTo(d16, hn::LoadU(d8, a + i));
      const auto b0 = hn::PromoteTo(d16, hn::LoadU(d8, b + i));
      const auto a1 = hn::PromoteTo(d16, hn::LoadU(d8, a + i + N));
      const auto b1 = hn::PromoteTo(d16, hn::LoadU(d8, b + i + N));
      if constexpr (kL2) {
        const auto x0 = hn::Sub(a0, b0);
        const auto x1 = hn::Sub(a1, b1);
        s0 = hn::ReorderWidenMulAccumulate(d32, x0, x0, s0, t0);
        s1 = hn::ReorderWidenMulAccumulate(d32, x1, x1, s1, t1);
      } else {
        s0 = hn::ReorderWidenMulAccumulate(d32, a0, b0, s0, t0);
        s1 = hn::ReorderWidenMulAccumulate(d32, a1, b1, s1, t1);
      }
    }
    if (i + 2 * N > block_end && i + N <= block_end) {  // one vector left in this block
      const auto a0 = hn::PromoteTo(d16, hn::LoadU(d8, a + i));
      const auto b0 = hn::PromoteTo(d16, hn::LoadU(d8, b + i));
      if constexpr (kL2) {
        const auto x0 = hn::Sub(a0, b0);
        s0 = hn::ReorderWidenMulAccumulate(d32, x0, x0, s0, t0);
      } else {
        s0 = hn::ReorderWidenMulAccumulate(d32, a0, b0, s0, t0);
      }
      i += N;
    }
    total += SumLanes(d32, hn::Add(hn::Add(s0, t0), hn::Add(s1, t1)), i - block_begin);
  }
  for (; i < dim; ++i) {
    const int32_t x = a[i];
    const int32_t y = b[i];
    total += kL2 ? (x - y) * (x - y) : x * y;
  }
  return static_cast<float>(total);
}

float L2I8(const int8_t* a, const int8_t* b, size_t dim) {
  return IntDistance<true>(a, b, dim);
}
float IpI8(const int8_t* a, const int8_t* b, size_t dim) {
  return IntDistance<false>(a, b, dim);
}
float L2U8(const uint8_t* a, const uint8_t* b, size_t dim) {
  return IntDistance<true>(a, b, dim);
}
float IpU8(const uint8_t* a, const uint8_t* b, size_t dim) {
  return IntDistance<false>(a, b, dim);
}

void FillInt8Kernels(KernelTable* table) {
  table->l2_i8 = &L2I8;
  table->ip_i8 = &IpI8;
  table->l2_u8 = &L2U8;
  table->ip_u8 = &IpU8;
}

}  // namespace HWY_NAMESPACE
}  // namespace vecdex::distance
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vecdex::distance {

HWY_EXPORT(FillInt8Kernels);
VECDEX_DEFINE_KERNEL_FILLER(fill_int8_kernels, FillInt8Kernels)

}  // namespace vecdex::distance
#endif  // HWY_ONCE
