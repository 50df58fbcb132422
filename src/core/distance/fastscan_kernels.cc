// 4-bit PQ fast-scan kernel: 16-bit distance sums for blocks of 32 packed codes by in-register
// table lookups (pshufb / TableLookupBytes) on a query's 8-bit LUT. Block layout: quant/fastscan.h;
// semantics: distance.h (KernelTable::fastscan_accumulate). Compiled by Highway per target.
#include <cstddef>
#include <cstdint>

#include "core/distance/dispatch.h"  // first: Highway target configuration

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/distance/fastscan_kernels.cc"
#include <hwy/cache_control.h>
#include <hwy/foreach_target.h>  // re-includes this file once per target
#include <hwy/highway.h>

#include "core/distance/distance.h"

HWY_BEFORE_NAMESPACE();
namespace vecdex::distance {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Vectors per block, and bytes per sub-quantizer within a block (and within the LUT): 16 bytes
// hold the 4-bit codes of all 32 vectors, so each 128-bit lane of a register is one
// sub-quantizer for the whole block.
constexpr size_t kBlock = 32;
constexpr size_t kLaneBytes = 16;
constexpr size_t kPrefetchBlocks = 4;
constexpr size_t kPrefetchMaxBlockBytes = 1024;  // m_padded <= 64

// Plain loop over the same layout: Highway's one-lane target only. Byte b of sub-quantizer j
// holds vector b in its low nibble and vector 16 + b in its high nibble; the two vectors that
// share a byte are summed together, each in a register.
HWY_INLINE void ScalarBlock(const uint8_t* HWY_RESTRICT codes, const uint8_t* HWY_RESTRICT lut,
                            size_t m_padded, uint16_t* HWY_RESTRICT out) {
  for (size_t b = 0; b < kLaneBytes; ++b) {
    uint32_t lo = 0, hi = 0;
    for (size_t j = 0; j < m_padded; ++j) {
      const uint8_t byte = codes[j * kLaneBytes + b];
      lo += lut[j * kLaneBytes + (byte & 0xF)];
      hi += lut[j * kLaneBytes + (byte >> 4)];
    }
    out[b] = static_cast<uint16_t>(lo);
    out[b + 16] = static_cast<uint16_t>(hi);
  }
}

#if HWY_TARGET != HWY_SCALAR

// Adds the upper half of v to its lower half until kLanes u16 lanes remain (128 or 256 bits).
template <size_t kLanes, class D>
HWY_INLINE hn::Vec<hn::Simd<uint16_t, kLanes, 0>> FoldTo(D d, hn::Vec<D> v) {
  if constexpr (hn::MaxLanes(D()) > kLanes) {
    const hn::Half<D> dh;
    return FoldTo<kLanes>(dh, hn::Add(hn::LowerHalf(dh, v), hn::UpperHalf(dh, v)));
  } else {
    (void)d;
    return v;
  }
}

// The four accumulators of one block. The looked-up bytes of a lane are read as 8 u16 words:
// word k = byte 2k (vector 2k, or 16 + 2k) + 256 * byte 2k+1 (its odd neighbour). `lo_all` /
// `hi_all` add whole words (the even byte's sum plus 256 x the odd byte's sum, mod 2^16);
// `lo_odd` / `hi_odd` add the odd bytes alone (word >> 8). The even sums are recovered at the
// end as all - (odd << 8), exact mod 2^16; this saves one mask per lookup (FAISS's trick).
template <class D16>
struct BlockSums {
  hn::Vec<D16> lo_all, lo_odd, hi_all, hi_odd;
};

template <class D8, class D16>
HWY_INLINE void AddLanes(D8 d8, D16 d16, hn::Vec<D8> codes, hn::Vec<D8> table, BlockSums<D16>& s) {
  const auto nibble = hn::Set(d8, uint8_t{0x0F});
  const auto lo_codes = hn::And(codes, nibble);
  const auto hi_codes =
      hn::And(hn::BitCast(d8, hn::ShiftRight<4>(hn::BitCast(d16, codes))), nibble);
  const auto lo = hn::BitCast(d16, hn::TableLookupBytes(table, lo_codes));
  const auto hi = hn::BitCast(d16, hn::TableLookupBytes(table, hi_codes));
  s.lo_all = hn::Add(s.lo_all, lo);
  s.lo_odd = hn::Add(s.lo_odd, hn::ShiftRight<8>(lo));
  s.hi_all = hn::Add(s.hi_all, hi);
  s.hi_odd = hn::Add(s.hi_odd, hn::ShiftRight<8>(hi));
}

// Bit k set iff lane k of v <= threshold (Min/Eq: no unsigned compare needed before AVX-512).
template <class D>
HWY_INLINE uint32_t BitsAtMost(D d, hn::Vec<D> v, hn::Vec<D> threshold) {
  uint8_t bits[8] = {};
  hn::StoreMaskBits(d, hn::Eq(hn::Min(v, threshold), v), bits);
  return static_cast<uint32_t>(bits[0]) | (static_cast<uint32_t>(bits[1]) << 8);
}

// Turns the accumulators into the 32 sums in vector order (and the threshold mask). The even
// sums are all - (odd << 8); interleaving even and odd words restores the order of the vectors.
// 128-bit registers: one vector per accumulator, four stores of 8 sums.
template <class D16>
HWY_INLINE void StoreSums128(D16 d16, const BlockSums<D16>& s, uint16_t threshold,
                             uint16_t* HWY_RESTRICT out, uint32_t* HWY_RESTRICT mask) {
  const hn::Full128<uint16_t> d;
  const auto lo_odd = FoldTo<8>(d16, s.lo_odd);
  const auto hi_odd = FoldTo<8>(d16, s.hi_odd);
  const auto lo_even = hn::Sub(FoldTo<8>(d16, s.lo_all), hn::ShiftLeft<8>(lo_odd));
  const auto hi_even = hn::Sub(FoldTo<8>(d16, s.hi_all), hn::ShiftLeft<8>(hi_odd));
  const auto v0 = hn::InterleaveLower(d, lo_even, lo_odd);  // vectors 0-7
  const auto v1 = hn::InterleaveUpper(d, lo_even, lo_odd);  // 8-15
  const auto v2 = hn::InterleaveLower(d, hi_even, hi_odd);  // 16-23
  const auto v3 = hn::InterleaveUpper(d, hi_even, hi_odd);  // 24-31
  hn::StoreU(v0, d, out);
  hn::StoreU(v1, d, out + 8);
  hn::StoreU(v2, d, out + 16);
  hn::StoreU(v3, d, out + 24);
  if (mask != nullptr) {
    const auto t = hn::Set(d, threshold);
    *mask = BitsAtMost(d, v0, t) | (BitsAtMost(d, v1, t) << 8) | (BitsAtMost(d, v2, t) << 16) |
            (BitsAtMost(d, v3, t) << 24);
  }
}

// 256 bits and wider: fold to 256 bits, then pair the lo and hi accumulators in one register
// ([lo | hi] halves) so the fix-up, interleave and stores run on half as many registers.
template <class D16>
HWY_INLINE void StoreSums256(D16 d16, const BlockSums<D16>& s, uint16_t threshold,
                             uint16_t* HWY_RESTRICT out, uint32_t* HWY_RESTRICT mask) {
  const hn::Simd<hn::TFromD<D16>, 16, 0> d;  // dependent: only instantiated for >= 256 bits
  const auto lo_all = FoldTo<16>(d16, s.lo_all), hi_all = FoldTo<16>(d16, s.hi_all);
  const auto lo_odd = FoldTo<16>(d16, s.lo_odd), hi_odd = FoldTo<16>(d16, s.hi_odd);
  const auto all =
      hn::Add(hn::ConcatLowerLower(d, hi_all, lo_all), hn::ConcatUpperUpper(d, hi_all, lo_all));
  const auto odd =
      hn::Add(hn::ConcatLowerLower(d, hi_odd, lo_odd), hn::ConcatUpperUpper(d, hi_odd, lo_odd));
  const auto even = hn::Sub(all, hn::ShiftLeft<8>(odd));
  const auto low = hn::InterleaveLower(d, even, odd);      // vectors 0-7 | 16-23
  const auto high = hn::InterleaveUpper(d, even, odd);     // vectors 8-15 | 24-31
  const auto first = hn::ConcatLowerLower(d, high, low);   // 0-15
  const auto second = hn::ConcatUpperUpper(d, high, low);  // 16-31
  hn::StoreU(first, d, out);
  hn::StoreU(second, d, out + 16);
  if (mask != nullptr) {
    const auto t = hn::Set(d, threshold);
    *mask = BitsAtMost(d, first, t) | (BitsAtMost(d, second, t) << 16);
  }
}

template <class D16>
HWY_INLINE void StoreSums(D16 d16, const BlockSums<D16>& s, uint16_t threshold,
                          uint16_t* HWY_RESTRICT out, uint32_t* HWY_RESTRICT mask) {
  if constexpr (hn::MaxLanes(D16()) >= 16) {
    StoreSums256(d16, s, threshold, out, mask);
  } else {
    StoreSums128(d16, s, threshold, out, mask);
  }
}

// One block: the register holds N / 16 sub-quantizers (1 on SSE4, 2 on AVX2, 4 on AVX-512),
// whose LUTs are the same N consecutive bytes of the query's table, so no broadcast is needed.
HWY_INLINE void Block(const uint8_t* HWY_RESTRICT codes, const uint8_t* HWY_RESTRICT lut,
                      size_t m_padded, uint16_t threshold, uint16_t* HWY_RESTRICT out,
                      uint32_t* HWY_RESTRICT mask) {
  using D8 = hn::ScalableTag<uint8_t>;
  using D16 = hn::RepartitionToWide<D8>;
  const D8 d8;
  const D16 d16;
  constexpr size_t kPerVec = hn::MaxLanes(D8()) / kLaneBytes;  // sub-quantizers per register
  BlockSums<D16> s{hn::Zero(d16), hn::Zero(d16), hn::Zero(d16), hn::Zero(d16)};
  size_t j = 0;
  // Two registers per iteration halve the loop's own instructions (the loop is bound by vector
  // ALU throughput, not latency: the four accumulators are independent chains).
  for (; j + 2 * kPerVec <= m_padded; j += 2 * kPerVec) {
    const size_t offset = j * kLaneBytes;
    const size_t next = offset + hn::MaxLanes(d8);
    AddLanes(d8, d16, hn::LoadU(d8, codes + offset), hn::LoadU(d8, lut + offset), s);
    AddLanes(d8, d16, hn::LoadU(d8, codes + next), hn::LoadU(d8, lut + next), s);
  }
  for (; j + kPerVec <= m_padded; j += kPerVec) {
    const size_t offset = j * kLaneBytes;
    AddLanes(d8, d16, hn::LoadU(d8, codes + offset), hn::LoadU(d8, lut + offset), s);
  }
  if constexpr (kPerVec > 2) {
    // AVX-512 with m_padded % 4 == 2: the last pair in the lower half; the zeroed upper LUT
    // lanes add nothing whatever the (zeroed) codes.
    if (j < m_padded) {
      const hn::Half<D8> dh;
      const size_t offset = j * kLaneBytes;
      AddLanes(d8, d16, hn::ZeroExtendVector(d8, hn::LoadU(dh, codes + offset)),
               hn::ZeroExtendVector(d8, hn::LoadU(dh, lut + offset)), s);
    }
  }
  StoreSums(d16, s, threshold, out, mask);
}

#endif  // HWY_TARGET != HWY_SCALAR

void FastscanAccumulate(const uint8_t* packed, size_t nblocks, const uint8_t* lut, size_t m_padded,
                        uint16_t threshold, uint16_t* out, uint32_t* masks) {
  const size_t block_bytes = m_padded * kLaneBytes;
  for (size_t b = 0; b < nblocks; ++b) {
    const uint8_t* codes = packed + b * block_bytes;
    uint16_t* sums = out + b * kBlock;
    // Small blocks are consumed faster than the hardware prefetcher streams them from memory:
    // fetch the block kPrefetchBlocks ahead, also past this call's last block (the caller's
    // next chunk, e.g. scan_select's). A prefetch never faults; the address is formed as an
    // integer so that no out-of-range pointer is computed. Measured: m = 16 from memory ~25%
    // faster; for m > 64 the extra loads cost more than they save (L2-resident m = 392: ~10%).
    if (block_bytes <= kPrefetchMaxBlockBytes) {
      const uintptr_t ahead = reinterpret_cast<uintptr_t>(codes) + kPrefetchBlocks * block_bytes;
      for (size_t line = 0; line < block_bytes; line += 64)
        hwy::Prefetch(reinterpret_cast<const uint8_t*>(ahead + line));
    }
#if HWY_TARGET == HWY_SCALAR
    ScalarBlock(codes, lut, m_padded, sums);
    if (masks != nullptr) {
      uint32_t bits = 0;
      for (size_t i = 0; i < kBlock; ++i)
        bits |= static_cast<uint32_t>(sums[i] <= threshold) << i;
      masks[b] = bits;
    }
#else
    Block(codes, lut, m_padded, threshold, sums, masks != nullptr ? masks + b : nullptr);
#endif
  }
}

void FillFastscanKernels(KernelTable* table) {
  table->fastscan_accumulate = &FastscanAccumulate;
}

}  // namespace HWY_NAMESPACE
}  // namespace vecdex::distance
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vecdex::distance {

HWY_EXPORT(FillFastscanKernels);
VECDEX_DEFINE_KERNEL_FILLER(fill_fastscan_kernels, FillFastscanKernels)

}  // namespace vecdex::distance
#endif  // HWY_ONCE
