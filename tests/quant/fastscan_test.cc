// 4-bit fast-scan: block packing round trips, the byte layout of fastscan.h, LUT quantisation
// bounds and errors, quantised distances against float ADC, and scan_select against brute force.
#include "quant/fastscan.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace vecdex::quant::fastscan {
namespace {

constexpr size_t kMs[] = {1, 2, 3, 8, 16, 49, 98, 392};
constexpr size_t kNs[] = {1, 31, 32, 33, 100};

size_t code_bytes(size_t m) {
  return (m + 1) / 2;
}

// n PQ codes with random nibbles; an odd m's spare high nibble stays 0, as PQ writes it.
std::vector<uint8_t> random_codes(size_t n, size_t m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> nibble(0, 15);
  std::vector<uint8_t> codes(n * code_bytes(m), 0);
  for (size_t i = 0; i < n; ++i) {
    for (size_t j = 0; j < m; ++j)
      codes[i * code_bytes(m) + j / 2] |= static_cast<uint8_t>(nibble(rng) << ((j % 2) * 4));
  }
  return codes;
}

uint8_t nibble_of(const uint8_t* code, size_t j) {
  return (code[j / 2] >> ((j % 2) * 4)) & 0xF;
}

// m x 16 floats in [lo, hi).
std::vector<float> random_lut(size_t m, float lo, float hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> lut(m * 16);
  for (float& v : lut)
    v = dist(rng);
  return lut;
}

float float_adc(const std::vector<float>& lut, const uint8_t* code, size_t m) {
  double sum = 0.0;
  for (size_t j = 0; j < m; ++j)
    sum += lut[j * 16 + nibble_of(code, j)];
  return static_cast<float>(sum);
}

std::vector<uint8_t> packed_of(const std::vector<uint8_t>& codes, size_t n, size_t m) {
  std::vector<uint8_t> packed(blocks_for(n) * block_bytes(m));
  pack_codes(codes.data(), n, m, packed.data());
  return packed;
}

std::string case_name(size_t m, size_t n) {
  return "m=" + std::to_string(m) + " n=" + std::to_string(n);
}

TEST(FastscanLayout, SizesFollowPaddedM) {
  EXPECT_EQ(padded_m(1), 2u);
  EXPECT_EQ(padded_m(2), 2u);
  EXPECT_EQ(padded_m(49), 50u);
  EXPECT_EQ(block_bytes(3), 64u);  // 4 sub-quantizers x 16 bytes
  EXPECT_EQ(block_bytes(16), 256u);
  EXPECT_EQ(blocks_for(0), 0u);
  EXPECT_EQ(blocks_for(32), 1u);
  EXPECT_EQ(blocks_for(33), 2u);
}

// The byte-by-byte layout the kernel relies on: byte j * 16 + b holds vector b (low nibble) and
// vector b + 16 (high nibble) of sub-quantizer j.
TEST(FastscanLayout, PackedBytesMatchTheDocumentedLayout) {
  constexpr size_t kM = 3, kN = 20;
  std::vector<uint8_t> codes(kN * code_bytes(kM), 0);
  codes[0 * 2 + 0] = 0x21;   // vector 0: sq0 = 1, sq1 = 2
  codes[0 * 2 + 1] = 0x03;   // vector 0: sq2 = 3
  codes[16 * 2 + 0] = 0x54;  // vector 16: sq0 = 4, sq1 = 5
  codes[16 * 2 + 1] = 0x06;  // vector 16: sq2 = 6
  codes[19 * 2 + 1] = 0xF7;  // vector 19: sq2 = 7; the spare nibble (0xF) must be ignored
  const auto packed = packed_of(codes, kN, kM);
  ASSERT_EQ(packed.size(), 64u);
  EXPECT_EQ(packed[0 * 16 + 0], 0x41);
  EXPECT_EQ(packed[1 * 16 + 0], 0x52);
  EXPECT_EQ(packed[2 * 16 + 0], 0x63);
  EXPECT_EQ(packed[2 * 16 + 3], 0x70);  // vector 19 = high nibble of byte 3
  for (size_t b = 0; b < 16; ++b)
    EXPECT_EQ(packed[3 * 16 + b], 0) << "padding sub-quantizer byte " << b;
  size_t nonzero = 0;
  for (uint8_t byte : packed)
    nonzero += byte != 0;
  EXPECT_EQ(nonzero, 4u);
}

TEST(FastscanPacking, PackThenGetRoundTrips) {
  for (size_t m : kMs) {
    for (size_t n : kNs) {
      const auto codes = random_codes(n, m, 31 * m + n);
      const auto packed = packed_of(codes, n, m);
      std::vector<uint8_t> code(code_bytes(m));
      for (size_t i = 0; i < n; ++i) {
        get_code(packed.data(), i, m, code.data());
        ASSERT_TRUE(std::equal(code.begin(), code.end(), codes.begin() + i * code_bytes(m)))
            << case_name(m, n) << " vector " << i;
      }
    }
  }
}

TEST(FastscanPacking, LanesPastNAreZeroCodes) {
  for (size_t m : {size_t{3}, size_t{16}}) {
    const auto codes = random_codes(33, m, m);
    const auto packed = packed_of(codes, 33, m);
    std::vector<uint8_t> code(code_bytes(m));
    for (size_t i = 33; i < 64; ++i) {
      get_code(packed.data(), i, m, code.data());
      EXPECT_EQ(code, std::vector<uint8_t>(code_bytes(m), 0)) << "m=" << m << " lane " << i;
    }
  }
}

// set_code changes exactly one vector, including the one sharing its bytes (lane +- 16).
TEST(FastscanPacking, SetCodeChangesOnlyThatVector) {
  for (size_t m : kMs) {
    constexpr size_t kN = 70;
    auto codes = random_codes(kN, m, 7 * m);
    auto packed = packed_of(codes, kN, m);
    const auto replacements = random_codes(4, m, 9 * m + 1);
    const size_t targets[] = {0, 16, 47, 69};
    for (size_t t = 0; t < 4; ++t) {
      const uint8_t* code = replacements.data() + t * code_bytes(m);
      set_code(packed.data(), targets[t], m, code);
      std::copy(code, code + code_bytes(m), codes.begin() + targets[t] * code_bytes(m));
    }
    EXPECT_EQ(packed, packed_of(codes, kN, m)) << "m=" << m;
  }
}

TEST(FastscanLut, RejectsZeroSubQuantizers) {
  QuantizedLut out;
  const float lut[16] = {};
  EXPECT_THAT(quantize_lut(lut, 0, out),
              StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("m is 0")));
}

TEST(FastscanLut, RejectsNonFiniteEntries) {
  QuantizedLut out;
  for (float bad : {std::numeric_limits<float>::quiet_NaN(), std::numeric_limits<float>::infinity(),
                    -std::numeric_limits<float>::infinity()}) {
    auto lut = random_lut(3, 0.0f, 1.0f, 5);
    lut[2 * 16 + 9] = bad;
    EXPECT_THAT(
        quantize_lut(lut.data(), 3, out),
        StatusIs(StatusCode::kInvalidArgument, ::testing::HasSubstr("entry 9 of sub-quantizer 2")));
  }
}

// Entries fit a byte, the m largest entries sum to at most 65535, the minima are the bias, and
// the padding sub-quantizer of an odd m is all zero.
TEST(FastscanLut, QuantisedTableRespectsTheSixteenBitBudget) {
  for (size_t m : kMs) {
    // One sub-quantizer with a much larger range makes the per-entry limit bind for small m; the
    // sum limit binds for large m.
    auto lut = random_lut(m, -2.0f, 3.0f, m);
    lut[0] = 40.0f;
    QuantizedLut q;
    VECDEX_ASSERT_OK(quantize_lut(lut.data(), m, q));
    ASSERT_EQ(q.m, m);
    ASSERT_EQ(q.table.size(), padded_m(m) * 16);
    double bias = 0.0;
    uint32_t max_sum = 0;
    uint8_t largest = 0;
    for (size_t j = 0; j < m; ++j) {
      bias += *std::min_element(lut.begin() + j * 16, lut.begin() + j * 16 + 16);
      const uint8_t* row = q.table.data() + j * 16;
      EXPECT_EQ(*std::min_element(row, row + 16), 0) << "m=" << m << " sq " << j;
      max_sum += *std::max_element(row, row + 16);
      largest = std::max(largest, *std::max_element(row, row + 16));
    }
    EXPECT_LE(max_sum, 65535u) << "m=" << m;
    EXPECT_GE(largest, 250) << "m=" << m << ": the scale should use the 8-bit range";
    EXPECT_NEAR(q.bias, bias, 1e-4 * std::abs(bias) + 1e-4) << "m=" << m;
    for (size_t j = m; j < padded_m(m); ++j) {
      for (size_t c = 0; c < 16; ++c)
        EXPECT_EQ(q.table[j * 16 + c], 0);
    }
  }
}

TEST(FastscanLut, ConstantTableGivesTheExactBias) {
  const std::vector<float> lut(5 * 16, 0.25f);
  QuantizedLut q;
  VECDEX_ASSERT_OK(quantize_lut(lut.data(), 5, q));
  for (size_t c = 0; c < q.table.size(); ++c)
    EXPECT_EQ(q.table[c], 0);
  EXPECT_FLOAT_EQ(q.to_distance(0), 1.25f);
}

// A range of one subnormal step: 255 / range would overflow float.
TEST(FastscanLut, TinyRangesKeepAFiniteScale) {
  std::vector<float> subnormal(16, 0.0f);
  subnormal[7] = 1e-45f;
  QuantizedLut q;
  VECDEX_ASSERT_OK(quantize_lut(subnormal.data(), 1, q));
  EXPECT_TRUE(std::isfinite(q.scale));
  EXPECT_GT(q.scale, 0.0f);
  EXPECT_NEAR(q.to_distance(q.table[7]), 1e-45f, 1e-44f);
}

// |to_distance(sum) - float ADC| <= m * 0.5 / scale (+ float error), for codes packed and scanned
// through the process kernel (VECDEX_SIMD picks it).
TEST(FastscanScan, QuantisedDistanceIsWithinTheRoundingBound) {
  for (size_t m : kMs) {
    for (size_t n : {size_t{33}, size_t{100}}) {
      const auto lut = random_lut(m, 0.0f, 4.0f, 3 * m + n);
      const auto codes = random_codes(n, m, 5 * m + n);
      const auto packed = packed_of(codes, n, m);
      QuantizedLut q;
      VECDEX_ASSERT_OK(quantize_lut(lut.data(), m, q));
      std::vector<uint16_t> sums(blocks_for(n) * kBlock);
      scan_blocks(packed.data(), blocks_for(n), q, sums.data());
      const double bound = 0.5 * static_cast<double>(m) / q.scale;
      double worst = 0.0;
      for (size_t i = 0; i < n; ++i) {
        const double want = float_adc(lut, codes.data() + i * code_bytes(m), m);
        const double err = std::abs(q.to_distance(sums[i]) - want);
        worst = std::max(worst, err);
        ASSERT_LE(err, bound + 1e-5 * std::abs(want) + 1e-5) << case_name(m, n) << " vector " << i;
      }
      // The bound is not vacuous: quantisation error stays a small fraction of the distances.
      EXPECT_LT(bound, 0.02 * m * 4.0) << case_name(m, n);
      // Lanes past n are zero codes: the sum of every sub-quantizer's code-0 entry.
      uint32_t zero_sum = 0;
      for (size_t j = 0; j < m; ++j)
        zero_sum += q.table[j * 16];
      for (size_t i = n; i < sums.size(); ++i)
        EXPECT_EQ(sums[i], zero_sum) << case_name(m, n) << " padding lane " << i;
    }
  }
}

TEST(FastscanScan, ThresholdForIsConservative) {
  const auto lut = random_lut(16, -1.0f, 2.0f, 77);
  QuantizedLut q;
  VECDEX_ASSERT_OK(quantize_lut(lut.data(), 16, q));
  EXPECT_EQ(q.threshold_for(std::numeric_limits<float>::infinity()), 65535);
  EXPECT_EQ(q.threshold_for(q.bias - 1.0f), 0);
  EXPECT_EQ(q.threshold_for(q.to_distance(65535) + 1.0f), 65535);
  for (uint32_t s = 0; s < 65536; s += 97) {
    const float d = q.to_distance(static_cast<uint16_t>(s));
    const uint16_t t = q.threshold_for(d);
    // Sums strictly below distance d must pass (t >= s - 1); at most one step loose (t <= s + 1).
    EXPECT_GE(t + 1u, s) << "sum " << s;
    EXPECT_LE(t, s + 1u) << "sum " << s;
    // Half a step above sum s: s itself is below the distance and must pass.
    if (s < 65535) {
      EXPECT_GE(q.threshold_for(d + 0.5f / q.scale), s) << "sum " << s;
    }
  }
}

// scan_select with a fixed threshold reports exactly the vectors at or under it, in order, and
// never a lane past n.
TEST(FastscanSelect, FixedThresholdReportsExactlyTheSumsAtOrBelowIt) {
  for (size_t m : {size_t{3}, size_t{16}, size_t{98}}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{33}, size_t{300}}) {
      const auto lut = random_lut(m, 0.0f, 1.0f, m + n);
      const auto codes = random_codes(n, m, 2 * m + n);
      const auto packed = packed_of(codes, n, m);
      QuantizedLut q;
      VECDEX_ASSERT_OK(quantize_lut(lut.data(), m, q));
      std::vector<uint16_t> sums(blocks_for(n) * kBlock);
      scan_blocks(packed.data(), blocks_for(n), q, sums.data());
      std::vector<uint16_t> sorted(sums.begin(), sums.begin() + n);
      std::sort(sorted.begin(), sorted.end());
      const uint16_t threshold = n == 0 ? 0 : sorted[n / 3];
      std::vector<size_t> want, got;
      for (size_t i = 0; i < n; ++i) {
        if (sums[i] <= threshold)
          want.push_back(i);
      }
      scan_select(packed.data(), n, q, threshold, [&](size_t i, uint16_t sum) {
        EXPECT_EQ(sum, sums[i]);
        got.push_back(i);
        return threshold;
      });
      EXPECT_EQ(got, want) << case_name(m, n);
    }
  }
}

// The documented top-k pattern: a max-heap of k that tightens the threshold finds the k smallest
// sums, the same multiset a full sort gives.
TEST(FastscanSelect, TighteningThresholdFindsTheTopK) {
  constexpr size_t kM = 16, kN = 1000, kK = 10;
  const auto lut = random_lut(kM, 0.0f, 1.0f, 4);
  const auto codes = random_codes(kN, kM, 6);
  const auto packed = packed_of(codes, kN, kM);
  QuantizedLut q;
  VECDEX_ASSERT_OK(quantize_lut(lut.data(), kM, q));
  std::vector<uint16_t> sums(blocks_for(kN) * kBlock);
  scan_blocks(packed.data(), blocks_for(kN), q, sums.data());
  std::vector<uint16_t> want(sums.begin(), sums.begin() + kN);
  std::sort(want.begin(), want.end());
  want.resize(kK);

  std::vector<uint16_t> heap;  // max-heap of sums
  size_t calls = 0;
  scan_select(packed.data(), kN, q, 65535, [&](size_t, uint16_t sum) {
    ++calls;
    if (heap.size() == kK) {
      std::pop_heap(heap.begin(), heap.end());
      heap.pop_back();
    }
    heap.push_back(sum);
    std::push_heap(heap.begin(), heap.end());
    // Ties at the threshold are allowed in; the heap keeps k of them.
    return heap.size() == kK ? heap.front() : uint16_t{65535};
  });
  std::sort(heap.begin(), heap.end());
  EXPECT_EQ(heap, want);
  EXPECT_LT(calls, kN / 4) << "the threshold should prune most vectors";
}

}  // namespace
}  // namespace vecdex::quant::fastscan
