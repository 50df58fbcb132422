// 4-bit PQ fast-scan (PQ{m}x4fs): codes of kBlock = 32 vectors are stored transposed and packed so
// that one 128-bit register lane holds one sub-quantizer's 4-bit codes for the whole block, and the
// query's lookup table, quantised to 8 bits (16 entries per sub-quantizer), lives in registers:
// distances are accumulated with byte shuffles (pshufb / TableLookupBytes) into 16-bit sums, as in
// André et al. ("Cache locality is not enough", 2015), FAISS's fast-scan and ScaNN's LUT16.
// The kernel is a Highway kernel in core/distance (KernelTable::fastscan_accumulate), dispatched
// at run time like every other kernel.
//
// Block layout (block_bytes(m) = 16 * padded_m(m) bytes per block of 32 vectors):
//   byte j * 16 + b, for sub-quantizer j < padded_m(m) and b in [0, 16):
//     low nibble  = code of sub-quantizer j for vector b      of the block
//     high nibble = code of sub-quantizer j for vector b + 16 of the block
//   Sub-quantizer m (when m is odd) and the lanes of vectors past n are zero codes.
// Why: the 16 bytes of sub-quantizer j line up with its 16 LUT bytes (query table at j * 16), so
// an N-byte register covers N / 16 sub-quantizers (1 on SSE4/NEON, 2 on AVX2, 4 on AVX-512) with
// code and table loaded as they are, no broadcast or shuffle; nibbles split with shift + mask;
// vectors b and 16 + b share a byte so that the 32 sums come out in order after one interleave.
//
// Thread safety: every function here is pure or writes only what its arguments name; a
// QuantizedLut may be read by many threads at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <utility>

#include "vecdex/status.h"

#include "core/aligned_buffer.h"

namespace vecdex::quant::fastscan {

inline constexpr size_t kBlock = 32;  // vectors per block

// Sub-quantizers are processed in pairs; an odd m is padded with one all-zero sub-quantizer.
inline size_t padded_m(size_t m) {
  return (m + 1) & ~size_t{1};
}
// Bytes of one packed block of kBlock codes with m 4-bit sub-quantizers: kBlock * padded_m / 2.
inline size_t block_bytes(size_t m) {
  return kBlock * padded_m(m) / 2;
}
inline size_t blocks_for(size_t n) {
  return (n + kBlock - 1) / kBlock;
}

// Packs n PQ codes (PQ's 4-bit layout, ProductQuantizer::code_bytes() = ceil(m/2) bytes each)
// into blocks_for(n) blocks at `out` (blocks_for(n) * block_bytes(m) bytes). Lanes past n in the
// last block are zero codes (callers ignore their results). The unused high nibble of an odd m's
// last code byte is ignored.
void pack_codes(const uint8_t* codes, size_t n, size_t m, uint8_t* out);
// Writes vector i's code (ceil(m/2) bytes, PQ layout; an odd m's spare nibble is 0) from packed
// blocks, and its inverse for a single vector (used by add into a partly filled block, and by
// remove's swap-with-last). i counts from the first block: vector i is lane i % 32 of block i / 32.
// set_code writes only vector i's nibbles: zero-fill a new block before its first set_code (the
// kernel reads every lane; a lane past the list's size must not be uninitialised memory).
void get_code(const uint8_t* packed, size_t i, size_t m, uint8_t* code);
void set_code(uint8_t* packed, size_t i, size_t m, const uint8_t* code);

// A query's LUT quantised to uint8: entry ~= (lut - bias_j) * scale, with one scale for all
// sub-quantizers chosen so that the sum over m entries cannot overflow 16 bits. The float distance
// of a 16-bit sum s is  bias + s / scale  (bias = sum of the per-sub-quantizer minima); it differs
// from the float ADC distance by at most m * 0.5 / scale (rounding) plus float error.
struct QuantizedLut {
  size_t m = 0;                  // as given (unpadded)
  AlignedBuffer<uint8_t> table;  // padded_m(m) x 16 bytes, sub-quantizer j at j * 16
  float scale = 1.0f;
  float bias = 0.0f;

  float to_distance(uint16_t sum) const { return bias + static_cast<float>(sum) / scale; }
  // The largest sum that may still be below `distance`: every s with to_distance(s) < distance
  // has s <= threshold_for(distance) (conservative by one step of float rounding; callers that
  // need exactness re-check to_distance). +inf or anything past the range gives 65535, a distance
  // at or below bias gives 0.
  uint16_t threshold_for(float distance) const;
};

// Quantises a float LUT of m x 16 entries (ProductQuantizer::compute_lut with nbits 4): per
// sub-quantizer j the minimum is the bias, one global scale = min(255 / max_j range_j,
// (65535 - m / 2) / sum_j range_j) so that every entry is <= 255 and the sum of the m largest
// entries is <= 65535 after rounding to nearest. Reuses out's buffer.
// InvalidArgument when m is 0 or the LUT holds NaN/Inf; ResourceExhausted if allocation fails.
Status quantize_lut(const float* lut, size_t m, QuantizedLut& out);

// 16-bit distance sums for every vector of nblocks consecutive packed blocks:
// out[b * kBlock + i] for vector i of block b (lanes past n in the last block included).
// Dispatches to the kernel table.
void scan_blocks(const uint8_t* packed, size_t nblocks, const QuantizedLut& lut, uint16_t* out);

// scan_blocks plus one 32-bit mask per block: bit i of masks[b] set iff out[b * kBlock + i] <=
// threshold (a SIMD compare of the 32 sums; the building block of scan_select).
void scan_blocks_masked(const uint8_t* packed, size_t nblocks, const QuantizedLut& lut,
                        uint16_t threshold, uint16_t* out, uint32_t* masks);

// Blocks scanned per kernel call by scan_select (256 vectors: 512 bytes of sums on the stack).
inline constexpr size_t kSelectChunkBlocks = 8;

// Top-k helper for an inverted list: scans the n vectors of blocks_for(n) packed blocks and calls
// `on_candidate(i, sum)` -> uint16_t for each vector i < n whose sum is <= the current threshold,
// in increasing i. on_candidate returns the new threshold (its heap's worst distance through
// lut.threshold_for once the heap is full; return the old one to keep it); a lower threshold
// applies at once. The threshold must never rise: the masks of a chunk of kSelectChunkBlocks
// blocks use the threshold at the chunk's start, so vectors above it are dropped for good. Sums
// that miss the threshold never leave SIMD registers except as mask bits, so a warm heap costs
// about one kernel pass. Typical use with a max-heap of size k (push replaces the worst when full):
//   uint16_t t = 65535;
//   scan_select(list_codes, list_size, lut, t, [&](size_t i, uint16_t s) {
//     heap.push(lut.to_distance(s), ids[i]);
//     return heap.full() ? lut.threshold_for(heap.worst()) : uint16_t{65535}; });
template <typename OnCandidate>
void scan_select(const uint8_t* packed, size_t n, const QuantizedLut& lut, uint16_t threshold,
                 OnCandidate&& on_candidate) {
  alignas(64) uint16_t sums[kSelectChunkBlocks * kBlock];
  uint32_t masks[kSelectChunkBlocks];
  const size_t nblocks = blocks_for(n);
  const size_t stride = block_bytes(lut.m);
  for (size_t first = 0; first < nblocks; first += kSelectChunkBlocks) {
    const size_t count =
        nblocks - first < kSelectChunkBlocks ? nblocks - first : kSelectChunkBlocks;
    scan_blocks_masked(packed + first * stride, count, lut, threshold, sums, masks);
    for (size_t b = 0; b < count; ++b) {
      const size_t base = (first + b) * kBlock;
      uint32_t bits = masks[b];
      if (n - base < kBlock)
        bits &= (uint32_t{1} << (n - base)) - 1;  // lanes past n
      while (bits != 0) {
        const unsigned lane = static_cast<unsigned>(__builtin_ctz(bits));
        bits &= bits - 1;
        const uint16_t sum = sums[b * kBlock + lane];
        if (sum <= threshold)  // the mask used the threshold of the chunk's start
          threshold = on_candidate(base + lane, sum);
      }
    }
  }
}

}  // namespace vecdex::quant::fastscan
