// Hamming distance between bit-packed codes (64-bit words): XOR then population count, with a
// native vector popcount on AVX3_DL and Highway's bit-slicing emulation elsewhere.
#include "core/distance/dispatch.h"  // first: Highway target configuration

#include <cstddef>
#include <cstdint>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/distance/hamming.cc"
#include <hwy/foreach_target.h>  // re-includes this file once per target

#include <hwy/highway.h>

#include "core/distance/distance.h"

HWY_BEFORE_NAMESPACE();
namespace vecdex::distance {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

uint64_t Hamming(const uint64_t* HWY_RESTRICT a, const uint64_t* HWY_RESTRICT b, size_t words) {
  const hn::ScalableTag<uint64_t> d;
  const size_t N = hn::Lanes(d);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= words; i += 4 * N) {
    s0 = hn::Add(s0, hn::PopulationCount(hn::Xor(hn::LoadU(d, a + i), hn::LoadU(d, b + i))));
    s1 =
        hn::Add(s1, hn::PopulationCount(hn::Xor(hn::LoadU(d, a + i + N), hn::LoadU(d, b + i + N))));
    s2 = hn::Add(
        s2, hn::PopulationCount(hn::Xor(hn::LoadU(d, a + i + 2 * N), hn::LoadU(d, b + i + 2 * N))));
    s3 = hn::Add(
        s3, hn::PopulationCount(hn::Xor(hn::LoadU(d, a + i + 3 * N), hn::LoadU(d, b + i + 3 * N))));
  }
  for (; i + N <= words; i += N) {
    s0 = hn::Add(s0, hn::PopulationCount(hn::Xor(hn::LoadU(d, a + i), hn::LoadU(d, b + i))));
  }
  uint64_t total = hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
  for (; i < words; ++i)
    total += hwy::PopCount(a[i] ^ b[i]);
  return total;
}

void FillHammingKernels(KernelTable* table) {
  table->hamming = &Hamming;
}

}  // namespace HWY_NAMESPACE
}  // namespace vecdex::distance
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vecdex::distance {

HWY_EXPORT(FillHammingKernels);
VECDEX_DEFINE_KERNEL_FILLER(fill_hamming_kernels, FillHammingKernels)

}  // namespace vecdex::distance
#endif  // HWY_ONCE
