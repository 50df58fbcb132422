// Scalar float <-> IEEE-754 binary16 ("f16") and bfloat16 ("bf16") conversions, bit-exact with
// round-to-nearest-even (ties to even), used by the reference kernels, tests and quantizers.
// Values are carried as raw uint16_t bits; the SIMD kernels widen the same bits in registers.
#pragma once

#include <bit>
#include <cstdint>

namespace vecdex::distance {

// binary16 -> float. Exact for every input (subnormals, inf, NaN keep their meaning).
inline float f16_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exp = (h >> 10) & 0x1fu;
  const uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    // Zero or subnormal: mant * 2^-24, exact in float.
    const float magnitude = static_cast<float>(mant) * 0x1p-24f;
    return sign != 0 ? -magnitude : magnitude;
  }
  if (exp == 31)
    return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

// float -> binary16, round to nearest even. |f| >= 65520 becomes +-inf; NaN stays a quiet NaN.
inline uint16_t float_to_f16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t abs_bits = bits & 0x7fffffffu;
  if (abs_bits > 0x7f800000u) {  // NaN: keep the top payload bits, force quiet.
    return static_cast<uint16_t>(sign | 0x7e00u | ((abs_bits >> 13) & 0x3ffu));
  }
  if (abs_bits >= 0x477ff000u)
    return static_cast<uint16_t>(sign | 0x7c00u);  // inf / overflow
  if (abs_bits < 0x38800000u) {
    // Result is subnormal (or zero) in binary16: round |f| to a multiple of 2^-24. Adding 0.5
    // puts 2^-24 at the unit in the last place, so the FPU's round-to-nearest-even does it.
    const float shifted = std::bit_cast<float>(abs_bits) + 0.5f;
    return static_cast<uint16_t>(sign | (std::bit_cast<uint32_t>(shifted) - 0x3f000000u));
  }
  // Normal: rebias the exponent (127 -> 15) and round the mantissa from 23 to 10 bits; a carry
  // out of the mantissa correctly bumps the exponent.
  uint32_t rebiased = abs_bits - (112u << 23);
  rebiased += 0x0fffu + ((rebiased >> 13) & 1u);
  return static_cast<uint16_t>(sign | (rebiased >> 13));
}

// bfloat16 -> float: the upper half of a float. Exact.
inline float bf16_to_float(uint16_t h) {
  return std::bit_cast<float>(static_cast<uint32_t>(h) << 16);
}

// float -> bfloat16, round to nearest even; NaN stays a quiet NaN (never rounds to inf).
inline uint16_t float_to_bf16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  if ((bits & 0x7fffffffu) > 0x7f800000u)
    return static_cast<uint16_t>((bits >> 16) | 0x0040u);
  const uint32_t rounded = bits + 0x7fffu + ((bits >> 16) & 1u);
  return static_cast<uint16_t>(rounded >> 16);
}

}  // namespace vecdex::distance
