// float <-> binary16 / bfloat16 conversions: exact widening, round-to-nearest-even narrowing.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <limits>

#include "core/distance/half.h"

namespace vecdex::distance {
namespace {

bool is_f16_nan(uint16_t h) {
  return (h & 0x7c00u) == 0x7c00u && (h & 0x3ffu) != 0;
}

TEST(HalfTest, EveryF16ValueRoundTripsThroughFloat) {
  for (uint32_t bits = 0; bits <= 0xffffu; ++bits) {
    const auto h = static_cast<uint16_t>(bits);
    const float f = f16_to_float(h);
    if (is_f16_nan(h)) {
      EXPECT_TRUE(std::isnan(f)) << std::hex << bits;
      EXPECT_TRUE(is_f16_nan(float_to_f16(f))) << std::hex << bits;
    } else {
      EXPECT_EQ(float_to_f16(f), h) << std::hex << bits;
    }
  }
}

TEST(HalfTest, F16WideningKnownValues) {
  EXPECT_EQ(f16_to_float(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_float(0xc000), -2.0f);
  EXPECT_EQ(f16_to_float(0x7bff), 65504.0f);
  EXPECT_EQ(f16_to_float(0x0001), 0x1p-24f);  // smallest subnormal
  EXPECT_EQ(f16_to_float(0x0400), 0x1p-14f);  // smallest normal
  EXPECT_EQ(f16_to_float(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::signbit(f16_to_float(0x8000)));
}

TEST(HalfTest, F16NarrowingRoundsHalfwayCasesToEven) {
  EXPECT_EQ(float_to_f16(1.0f + 0x1p-11f), 0x3c00);             // tie, 1.0 is even
  EXPECT_EQ(float_to_f16(1.0f + 3 * 0x1p-11f), 0x3c02);         // tie, rounds up to even
  EXPECT_EQ(float_to_f16(1.0f + 0x1p-11f + 0x1p-20f), 0x3c01);  // above the tie
  EXPECT_EQ(float_to_f16(0x1p-25f), 0x0000);                    // tie below the smallest subnormal
  EXPECT_EQ(float_to_f16(3 * 0x1p-25f), 0x0002);                // subnormal tie rounds to even
  EXPECT_EQ(float_to_f16(0x1p-14f - 0x1p-26f), 0x0400);         // rounds up into the normals
}

TEST(HalfTest, F16NarrowingOverflowsToInfinityAndKeepsNan) {
  EXPECT_EQ(float_to_f16(65504.0f), 0x7bff);
  EXPECT_EQ(float_to_f16(65519.0f), 0x7bff);
  EXPECT_EQ(float_to_f16(65520.0f), 0x7c00);
  EXPECT_EQ(float_to_f16(-1e10f), 0xfc00);
  EXPECT_EQ(float_to_f16(std::numeric_limits<float>::infinity()), 0x7c00);
  EXPECT_TRUE(is_f16_nan(float_to_f16(std::numeric_limits<float>::quiet_NaN())));
  EXPECT_EQ(float_to_f16(1e-10f), 0x0000);
  EXPECT_EQ(float_to_f16(-0.0f), 0x8000);
}

TEST(HalfTest, EveryBf16ValueRoundTripsThroughFloat) {
  for (uint32_t bits = 0; bits <= 0xffffu; ++bits) {
    const auto h = static_cast<uint16_t>(bits);
    const float f = bf16_to_float(h);
    EXPECT_EQ(std::bit_cast<uint32_t>(f), bits << 16);
    if (std::isnan(f)) {
      EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(f))));
    } else {
      EXPECT_EQ(float_to_bf16(f), h) << std::hex << bits;
    }
  }
}

TEST(HalfTest, Bf16NarrowingRoundsHalfwayCasesToEvenAndKeepsNan) {
  EXPECT_EQ(float_to_bf16(1.0f + 0x1p-8f), 0x3f80);      // tie, 1.0 is even
  EXPECT_EQ(float_to_bf16(1.0f + 3 * 0x1p-8f), 0x3f82);  // tie, rounds up to even
  EXPECT_EQ(float_to_bf16(1.0f + 0x1p-8f + 0x1p-20f), 0x3f81);
  EXPECT_EQ(float_to_bf16(std::numeric_limits<float>::max()), 0x7f80);  // rounds to inf
  const float nan_low_payload = std::bit_cast<float>(0x7f800001u);      // would truncate to inf
  EXPECT_TRUE(std::isnan(bf16_to_float(float_to_bf16(nan_low_payload))));
}

}  // namespace
}  // namespace vecdex::distance
