// The 4-bit fast-scan kernel of every SIMD target this CPU runs against a plain loop over the
// block layout of quant/fastscan.h: sums mod 2^16 and threshold masks, for even padded m with and
// without AVX-512's half-register tail, several block counts, and unaligned buffers that end at
// their allocation's end (so AddressSanitizer flags any read past them).
#include <cstdint>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "core/distance/distance.h"

namespace vecdex::distance {

void PrintTo(const KernelTable& table, std::ostream* os);

namespace {

constexpr size_t kBlock = 32;
constexpr size_t kLaneBytes = 16;
// Padded sub-quantizer counts: 2 and 6 and 50 and 98 leave a pair over on AVX-512 (4 per
// register); 392 is the largest PQ of the benchmark datasets (784 dims / 2).
constexpr size_t kPaddedMs[] = {2, 4, 6, 8, 16, 50, 98, 392};
constexpr size_t kBlockCounts[] = {1, 2, 5};

// The reference: out[b * 32 + i] = sum_j lut[j * 16 + code(b, i, j)] mod 2^16, where the code of
// lane i < 16 is the low nibble of byte j * 16 + i and lane i >= 16 the high nibble of byte
// j * 16 + i - 16.
std::vector<uint16_t> reference_sums(const std::vector<uint8_t>& packed, size_t nblocks,
                                     const std::vector<uint8_t>& lut, size_t m_padded) {
  std::vector<uint16_t> out(nblocks * kBlock);
  for (size_t b = 0; b < nblocks; ++b) {
    const uint8_t* block = packed.data() + b * m_padded * kLaneBytes;
    for (size_t i = 0; i < kBlock; ++i) {
      uint32_t sum = 0;
      for (size_t j = 0; j < m_padded; ++j) {
        const uint8_t byte = block[j * kLaneBytes + i % 16];
        const uint8_t code = i < 16 ? (byte & 0xF) : (byte >> 4);
        sum += lut[j * kLaneBytes + code];
      }
      out[b * kBlock + i] = static_cast<uint16_t>(sum);
    }
  }
  return out;
}

std::vector<uint8_t> random_bytes(size_t n, uint64_t seed, int max = 255) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> dist(0, max);
  std::vector<uint8_t> out(n);
  for (uint8_t& v : out)
    v = static_cast<uint8_t>(dist(rng));
  return out;
}

// A copy that starts one byte past the allocation's (16-byte aligned) start and ends at its end.
template <typename T>
struct Offset {
  explicit Offset(const std::vector<T>& values) : storage(values.size() + 1) {
    std::copy(values.begin(), values.end(), storage.begin() + 1);
  }
  explicit Offset(size_t count) : storage(count + 1) {}
  T* data() { return storage.data() + 1; }
  std::vector<T> storage;
};

std::string where(size_t m_padded, size_t nblocks, size_t i) {
  return "m_padded=" + std::to_string(m_padded) + " nblocks=" + std::to_string(nblocks) +
         " vector=" + std::to_string(i);
}

class FastscanKernelTest : public ::testing::TestWithParam<KernelTable> {};

TEST_P(FastscanKernelTest, TableHasFastscanKernel) {
  EXPECT_NE(GetParam().fastscan_accumulate, nullptr);
}

// Random full-range bytes: sums of up to 392 x 255 wrap past 2^16, which the kernel must match.
TEST_P(FastscanKernelTest, SumsMatchReferenceModulo65536) {
  const auto kernel = GetParam().fastscan_accumulate;
  for (size_t m_padded : kPaddedMs) {
    for (size_t nblocks : kBlockCounts) {
      const auto packed = random_bytes(nblocks * m_padded * kLaneBytes, 7 * m_padded + nblocks);
      const auto lut = random_bytes(m_padded * kLaneBytes, 11 * m_padded + nblocks);
      const auto want = reference_sums(packed, nblocks, lut, m_padded);
      Offset<uint8_t> packed_at(packed), lut_at(lut);
      Offset<uint16_t> out(nblocks * kBlock);
      kernel(packed_at.data(), nblocks, lut_at.data(), m_padded, 0, out.data(), nullptr);
      for (size_t i = 0; i < want.size(); ++i)
        ASSERT_EQ(out.data()[i], want[i]) << where(m_padded, nblocks, i);
    }
  }
}

// The largest sums that fit: every entry 255 over 256 sub-quantizers is 65280, no wrap.
TEST_P(FastscanKernelTest, MaximalEntriesSumWithoutLoss) {
  constexpr size_t kM = 256;
  const std::vector<uint8_t> lut(kM * kLaneBytes, 255);
  for (uint8_t fill : {uint8_t{0x00}, uint8_t{0xFF}, uint8_t{0x5A}}) {
    const std::vector<uint8_t> packed(kM * kLaneBytes, fill);
    std::vector<uint16_t> out(kBlock);
    GetParam().fastscan_accumulate(packed.data(), 1, lut.data(), kM, 0, out.data(), nullptr);
    for (size_t i = 0; i < kBlock; ++i)
      ASSERT_EQ(out[i], 65280) << "fill=" << int{fill} << " vector=" << i;
  }
}

// Distinct codes per lane and per sub-quantizer, with a LUT that encodes (j, code): a lane mix-up
// or a swapped nibble shows up as a wrong sum even where random data could cancel out.
TEST_P(FastscanKernelTest, EveryLaneReadsItsOwnNibble) {
  constexpr size_t kM = 4;
  std::vector<uint8_t> lut(kM * kLaneBytes);
  for (size_t j = 0; j < kM; ++j) {
    for (size_t c = 0; c < 16; ++c)
      lut[j * kLaneBytes + c] = static_cast<uint8_t>(c << (j % 2 == 0 ? 0 : 4));
  }
  std::vector<uint8_t> packed(kM * kLaneBytes);
  for (size_t j = 0; j < kM; ++j) {
    for (size_t b = 0; b < 16; ++b)
      packed[j * kLaneBytes + b] = static_cast<uint8_t>(((b + j) & 0xF) | ((15 - b) << 4));
  }
  std::vector<uint16_t> out(kBlock);
  GetParam().fastscan_accumulate(packed.data(), 1, lut.data(), kM, 0, out.data(), nullptr);
  EXPECT_EQ(out, reference_sums(packed, 1, lut, kM));
}

TEST_P(FastscanKernelTest, MasksMarkSumsAtOrBelowThreshold) {
  const auto kernel = GetParam().fastscan_accumulate;
  for (size_t m_padded : {size_t{2}, size_t{6}, size_t{16}, size_t{98}}) {
    constexpr size_t kBlocks = 3;
    // Small entries keep every sum below 2^16, so the threshold splits them meaningfully.
    const auto packed = random_bytes(kBlocks * m_padded * kLaneBytes, 3 * m_padded);
    const auto lut = random_bytes(m_padded * kLaneBytes, 5 * m_padded, 40);
    const auto want = reference_sums(packed, kBlocks, lut, m_padded);
    const uint16_t median = want[want.size() / 2];
    for (uint16_t threshold : {uint16_t{0}, median, want[0], uint16_t{65535}}) {
      std::vector<uint16_t> out(kBlocks * kBlock);
      Offset<uint32_t> masks(kBlocks);
      kernel(packed.data(), kBlocks, lut.data(), m_padded, threshold, out.data(), masks.data());
      EXPECT_EQ(out, want);
      for (size_t b = 0; b < kBlocks; ++b) {
        uint32_t expected = 0;
        for (size_t i = 0; i < kBlock; ++i)
          expected |= static_cast<uint32_t>(want[b * kBlock + i] <= threshold) << i;
        EXPECT_EQ(masks.data()[b], expected)
            << "m_padded=" << m_padded << " threshold=" << threshold << " block=" << b;
      }
    }
  }
}

TEST_P(FastscanKernelTest, ZeroBlocksWritesNothing) {
  const std::vector<uint8_t> lut(2 * kLaneBytes, 1);
  uint16_t out = 1234;
  uint32_t mask = 99;
  GetParam().fastscan_accumulate(nullptr, 0, lut.data(), 2, 0, &out, &mask);
  EXPECT_EQ(out, 1234);
  EXPECT_EQ(mask, 99u);
}

std::string fastscan_target_name(const ::testing::TestParamInfo<KernelTable>& info) {
  return info.param.target_name;
}

INSTANTIATE_TEST_SUITE_P(RunnableTargets, FastscanKernelTest,
                         ::testing::ValuesIn(runnable_kernel_tables()), fastscan_target_name);

// The levels VECDEX_SIMD can name resolve to tables that carry the kernel (scalar included).
TEST(FastscanKernelLevels, EveryAvailableLevelHasTheKernel) {
  for (SimdLevel level : available_levels()) {
    Result<KernelTable> table = kernels_for(level);
    ASSERT_TRUE(table.ok()) << simd_level_name(level);
    EXPECT_NE(table->fastscan_accumulate, nullptr) << simd_level_name(level);
  }
  EXPECT_NE(kernels().fastscan_accumulate, nullptr);
}

}  // namespace
}  // namespace vecdex::distance
