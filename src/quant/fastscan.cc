// 4-bit fast-scan: block packing, LUT quantisation and the dispatch to the SIMD kernel. The byte
// layout is documented in fastscan.h.
#include "quant/fastscan.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "core/distance/distance.h"

namespace vecdex::quant::fastscan {
namespace {

constexpr size_t kLaneBytes = 16;  // bytes per sub-quantizer in a block and in the LUT
constexpr size_t kHalf = kBlock / 2;

// Sub-quantizer j's code in a PQ code (low nibble of byte j / 2 for even j).
uint8_t pq_nibble(const uint8_t* code, size_t j) {
  return (code[j >> 1] >> ((j & 1) * 4)) & 0xF;
}

// The byte of sub-quantizer j that holds lane `lane` of a block, and the shift of its nibble.
uint8_t* lane_byte(uint8_t* block, size_t j, size_t lane) {
  return block + j * kLaneBytes + (lane % kHalf);
}
unsigned lane_shift(size_t lane) {
  return lane < kHalf ? 0 : 4;
}

}  // namespace

void pack_codes(const uint8_t* codes, size_t n, size_t m, uint8_t* out) {
  const size_t code_size = (m + 1) / 2;
  const size_t stride = block_bytes(m);
  const size_t nblocks = blocks_for(n);
  if (nblocks == 0)
    return;  // out may be null
  std::memset(out, 0, nblocks * stride);
  for (size_t b = 0; b < nblocks; ++b) {
    uint8_t* block = out + b * stride;
    const size_t lanes = std::min(kBlock, n - b * kBlock);
    for (size_t lane = 0; lane < lanes; ++lane) {
      const uint8_t* code = codes + (b * kBlock + lane) * code_size;
      const unsigned shift = lane_shift(lane);
      for (size_t j = 0; j < m; ++j)
        *lane_byte(block, j, lane) |= static_cast<uint8_t>(pq_nibble(code, j) << shift);
    }
  }
}

void get_code(const uint8_t* packed, size_t i, size_t m, uint8_t* code) {
  const uint8_t* block = packed + (i / kBlock) * block_bytes(m);
  const size_t lane = i % kBlock;
  const unsigned shift = lane_shift(lane);
  std::memset(code, 0, (m + 1) / 2);
  for (size_t j = 0; j < m; ++j) {
    const uint8_t nibble = (block[j * kLaneBytes + lane % kHalf] >> shift) & 0xF;
    code[j >> 1] |= static_cast<uint8_t>(nibble << ((j & 1) * 4));
  }
}

void set_code(uint8_t* packed, size_t i, size_t m, const uint8_t* code) {
  uint8_t* block = packed + (i / kBlock) * block_bytes(m);
  const size_t lane = i % kBlock;
  const unsigned shift = lane_shift(lane);
  const uint8_t keep = static_cast<uint8_t>(0xF0 >> shift);  // the other lane's nibble
  for (size_t j = 0; j < m; ++j) {
    uint8_t* byte = lane_byte(block, j, lane);
    *byte = static_cast<uint8_t>((*byte & keep) | (pq_nibble(code, j) << shift));
  }
}

uint16_t QuantizedLut::threshold_for(float distance) const {
  const double x = (static_cast<double>(distance) - bias) * scale;
  if (!(x < 65534.0))  // +inf, NaN, or past the largest possible sum
    return 65535;
  if (x < 0.0)
    return 0;
  // +1: to_distance's float rounding may put a sum just above x under `distance`.
  return static_cast<uint16_t>(std::floor(x) + 1.0);
}

namespace {

// Min and max of one sub-quantizer's 16 entries (a loop the compiler vectorises).
inline void row_range(const float* row, float& lo, float& hi) {
  lo = row[0];
  hi = row[0];
  for (size_t c = 1; c < kLaneBytes; ++c) {
    lo = std::min(lo, row[c]);
    hi = std::max(hi, row[c]);
  }
}

Status non_finite_entry(const float* lut, size_t m) {
  for (size_t j = 0; j < m; ++j) {
    for (size_t c = 0; c < kLaneBytes; ++c) {
      const float v = lut[j * kLaneBytes + c];
      if (!std::isfinite(v)) {
        return invalid_argument(fmt::format(
            "fastscan quantize_lut: entry {} of sub-quantizer {} is {}; expected a finite value", c,
            j, v));
      }
    }
  }
  return Status();
}

}  // namespace

// Runs once per query (and per list for residual tables), so it is kept to two vectorisable
// float passes: ranges, then scaled entries rounded half up.
Status quantize_lut(const float* lut, size_t m, QuantizedLut& out) {
  if (m == 0)
    return invalid_argument("fastscan quantize_lut: m is 0; expected at least one sub-quantizer");
  const size_t mp = padded_m(m);
  double bias = 0.0, range_sum = 0.0;
  float range_max = 0.0f;
  float check = 0.0f;  // NaN / Inf anywhere make this non-finite (x * 0 is NaN for Inf, NaN)
  for (size_t j = 0; j < m; ++j) {
    const float* row = lut + j * kLaneBytes;
    for (size_t c = 0; c < kLaneBytes; ++c) check += row[c] * 0.0f;
    float lo, hi;
    row_range(row, lo, hi);
    bias += lo;
    range_sum += static_cast<double>(hi) - lo;
    range_max = std::max(range_max, hi - lo);
  }
  if (!std::isfinite(check)) VECDEX_RETURN_IF_ERROR(non_finite_entry(lut, m));
  // Rounding adds at most 0.5 per sub-quantizer to the sum of the maxima, hence the m / 2 margin.
  double scale = 1.0;
  if (range_max > 0.0f)
    scale = std::min(255.0 / range_max, (65534.0 - 0.5 * static_cast<double>(m)) / range_sum);
  // Ranges near the float minimum would give a scale that overflows float; a smaller scale only
  // shrinks the entries.
  scale = std::min(scale, 1e30);
  const float fscale = static_cast<float>(scale);

  VECDEX_RETURN_IF_ERROR(out.table.resize(mp * kLaneBytes));
  uint8_t* table = out.table.data();
  for (size_t j = 0; j < m; ++j) {
    const float* row = lut + j * kLaneBytes;
    float lo, hi;
    row_range(row, lo, hi);
    uint8_t* dst = table + j * kLaneBytes;
    for (size_t c = 0; c < kLaneBytes; ++c) {
      const float q = (row[c] - lo) * fscale + 0.5f;  // >= 0.5: truncation rounds half up
      dst[c] = static_cast<uint8_t>(std::min(q, 255.0f));
    }
  }
  if (mp != m)
    std::memset(table + m * kLaneBytes, 0, kLaneBytes);  // the padding sub-quantizer adds 0
  out.m = m;
  out.scale = fscale;
  out.bias = static_cast<float>(bias);
  return Status();
}

void scan_blocks(const uint8_t* packed, size_t nblocks, const QuantizedLut& lut, uint16_t* out) {
  distance::kernels().fastscan_accumulate(packed, nblocks, lut.table.data(), padded_m(lut.m),
                                          0xFFFF, out, nullptr);
}

void scan_blocks_masked(const uint8_t* packed, size_t nblocks, const QuantizedLut& lut,
                        uint16_t threshold, uint16_t* out, uint32_t* masks) {
  distance::kernels().fastscan_accumulate(packed, nblocks, lut.table.data(), padded_m(lut.m),
                                          threshold, out, masks);
}

}  // namespace vecdex::quant::fastscan
