// Asymmetric codec kernels: an f32 query against a stored code (FP16, BF16 or SQ8 bytes), with
// the signature of quant::PreparedQuery's DistanceFn so a codec hands them out as they are.
// Codes are widened to f32 in registers; the query is never converted. Compiled by Highway per
// target; see dispatch.h and the semantics in distance.h (KernelTable, "codec kernels").
#include "core/distance/dispatch.h"  // first: Highway target configuration

#include <cstddef>
#include <cstdint>
#include <cstring>

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "core/distance/codec_kernels.cc"
#include <hwy/foreach_target.h>  // re-includes this file once per target

#include <hwy/highway.h>

#include "core/distance/distance.h"
#include "core/distance/half.h"

HWY_BEFORE_NAMESPACE();
namespace vecdex::distance {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// kL2: sum (q - c)^2.  kIp: sum q * c.  kScaled: sum (q - s * c)^2 (s from params).
enum class CodecOp { kL2, kIp, kScaled };

// How one code element is read. Codes are plain bytes with no alignment guarantee (a graph may
// store them at any offset), so scalar reads go through memcpy and vector reads are unaligned.
struct F16Code {
  static constexpr size_t kBytes = 2;
  static float scalar(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, sizeof(h));
    return f16_to_float(h);
  }
  template <class D>
  static HWY_INLINE hn::Vec<D> load(D d, const uint8_t* HWY_RESTRICT p) {
    const hn::Rebind<hwy::float16_t, D> dh;
    return hn::PromoteTo(d, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(p)));
  }
};

struct Bf16Code {
  static constexpr size_t kBytes = 2;
  static float scalar(const uint8_t* p) {
    uint16_t h;
    std::memcpy(&h, p, sizeof(h));
    return bf16_to_float(h);
  }
  template <class D>
  static HWY_INLINE hn::Vec<D> load(D d, const uint8_t* HWY_RESTRICT p) {
    // bf16 is the upper half of an f32: zero-extend to 32 bits and shift (no conversion unit).
    const hn::RebindToUnsigned<D> du32;
    const hn::Rebind<uint16_t, D> du16;
    const auto wide = hn::PromoteTo(du32, hn::LoadU(du16, reinterpret_cast<const uint16_t*>(p)));
    return hn::BitCast(d, hn::ShiftLeft<16>(wide));
  }
};

struct U8Code {
  static constexpr size_t kBytes = 1;
  static float scalar(const uint8_t* p) { return static_cast<float>(*p); }
  template <class D>
  static HWY_INLINE hn::Vec<D> load(D d, const uint8_t* HWY_RESTRICT p) {
    // N bytes (16 on AVX-512, 8 on AVX2) zero-extended straight to 32-bit lanes (vpmovzxbd
    // with a memory operand), then one int -> float conversion.
    const hn::RebindToSigned<D> di32;
    const hn::Rebind<uint8_t, D> du8;
    return hn::ConvertTo(d, hn::PromoteTo(di32, hn::LoadU(du8, p)));
  }
};

template <CodecOp kOp, class D, class V = hn::Vec<D>>
HWY_INLINE V Accumulate(D d, V q, V c, const float* HWY_RESTRICT w, V sum) {
  if constexpr (kOp == CodecOp::kIp) {
    return hn::MulAdd(q, c, sum);
  } else if constexpr (kOp == CodecOp::kL2) {
    const V diff = hn::Sub(q, c);
    return hn::MulAdd(diff, diff, sum);
  } else {
    // Two FMAs per vector: diff = q - s * c, then sum + diff * diff.
    const V diff = hn::NegMulAdd(hn::LoadU(d, w), c, q);
    return hn::MulAdd(diff, diff, sum);
  }
}

// One vector's worth of elements starting at i.
template <CodecOp kOp, class C, class D>
HWY_INLINE hn::Vec<D> Step(D d, const float* HWY_RESTRICT q, const uint8_t* HWY_RESTRICT code,
                           const float* HWY_RESTRICT w, size_t i, hn::Vec<D> sum) {
  return Accumulate<kOp>(d, hn::LoadU(d, q + i), C::load(d, code + i * C::kBytes),
                         kOp == CodecOp::kScaled ? w + i : nullptr, sum);
}

template <CodecOp kOp, class C>
HWY_INLINE float ScalarTerm(const float* HWY_RESTRICT q, const uint8_t* HWY_RESTRICT code,
                            const float* HWY_RESTRICT w, size_t i) {
  const float c = C::scalar(code + i * C::kBytes);
  if constexpr (kOp == CodecOp::kIp) {
    return q[i] * c;
  } else if constexpr (kOp == CodecOp::kL2) {
    return (q[i] - c) * (q[i] - c);
  } else {
    const float diff = q[i] - w[i] * c;
    return diff * diff;
  }
}

// Plain loop: rows shorter than one vector, and the whole row on Highway's one-lane target
// (four partial sums, so the adds do not form one serial dependency chain).
template <CodecOp kOp, class C>
HWY_INLINE float ScalarSum(const float* HWY_RESTRICT q, const uint8_t* HWY_RESTRICT code,
                           const float* HWY_RESTRICT w, size_t dim) {
  float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
  size_t i = 0;
  for (; i + 4 <= dim; i += 4) {
    s0 += ScalarTerm<kOp, C>(q, code, w, i);
    s1 += ScalarTerm<kOp, C>(q, code, w, i + 1);
    s2 += ScalarTerm<kOp, C>(q, code, w, i + 2);
    s3 += ScalarTerm<kOp, C>(q, code, w, i + 3);
  }
  for (; i < dim; ++i)
    s0 += ScalarTerm<kOp, C>(q, code, w, i);
  return (s0 + s1) + (s2 + s3);
}

// Four independent accumulators keep four FMA chains in flight; every step is two loads (query,
// code) plus the widening, so the loop is bound by loads and conversions, not FMA latency. The
// final partial vector re-reads the last full vector ending at `dim` (nothing is read past the
// row) with the lanes already counted zeroed in both operands.
template <CodecOp kOp, class C>
HWY_INLINE float CodecSum(const float* HWY_RESTRICT q, const uint8_t* HWY_RESTRICT code,
                          const float* HWY_RESTRICT w, size_t dim) {
#if HWY_TARGET == HWY_SCALAR
  return ScalarSum<kOp, C>(q, code, w, dim);  // Highway's one-lane emulation only adds overhead
#else
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  if (dim < N)
    return ScalarSum<kOp, C>(q, code, w, dim);
  auto s0 = hn::Zero(d), s1 = hn::Zero(d), s2 = hn::Zero(d), s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= dim; i += 4 * N) {
    s0 = Step<kOp, C>(d, q, code, w, i, s0);
    s1 = Step<kOp, C>(d, q, code, w, i + N, s1);
    s2 = Step<kOp, C>(d, q, code, w, i + 2 * N, s2);
    s3 = Step<kOp, C>(d, q, code, w, i + 3 * N, s3);
  }
  if (i + 2 * N <= dim) {
    s0 = Step<kOp, C>(d, q, code, w, i, s0);
    s1 = Step<kOp, C>(d, q, code, w, i + N, s1);
    i += 2 * N;
  }
  if (i + N <= dim) {
    s2 = Step<kOp, C>(d, q, code, w, i, s2);
    i += N;
  }
  if (i < dim) {
    const size_t start = dim - N;
    const auto counted = hn::FirstN(d, i - start);
    const auto vq = hn::IfThenZeroElse(counted, hn::LoadU(d, q + start));
    const auto vc = hn::IfThenZeroElse(counted, C::load(d, code + start * C::kBytes));
    s3 = Accumulate<kOp>(d, vq, vc, kOp == CodecOp::kScaled ? w + start : nullptr, s3);
  }
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
#endif
}

float L2F32F16(const float* q, const uint8_t* code, size_t dim, const float*) {
  return CodecSum<CodecOp::kL2, F16Code>(q, code, nullptr, dim);
}
float IpF32F16(const float* q, const uint8_t* code, size_t dim, const float*) {
  return CodecSum<CodecOp::kIp, F16Code>(q, code, nullptr, dim);
}
float L2F32Bf16(const float* q, const uint8_t* code, size_t dim, const float*) {
  return CodecSum<CodecOp::kL2, Bf16Code>(q, code, nullptr, dim);
}
float IpF32Bf16(const float* q, const uint8_t* code, size_t dim, const float*) {
  return CodecSum<CodecOp::kIp, Bf16Code>(q, code, nullptr, dim);
}
float L2Sq8Weighted(const float* q, const uint8_t* code, size_t dim, const float* scale) {
  return CodecSum<CodecOp::kScaled, U8Code>(q, code, scale, dim);
}
float L2Sq8Uniform(const float* q, const uint8_t* code, size_t dim, const float* scale) {
  const float sum = CodecSum<CodecOp::kL2, U8Code>(q, code, nullptr, dim);
  return scale != nullptr ? scale[0] * sum : sum;
}
float IpF32U8(const float* q, const uint8_t* code, size_t dim, const float* bias) {
  const float sum = CodecSum<CodecOp::kIp, U8Code>(q, code, nullptr, dim);
  return bias != nullptr ? bias[0] + sum : sum;
}

void FillCodecKernels(KernelTable* table) {
  table->l2_f32_f16 = &L2F32F16;
  table->ip_f32_f16 = &IpF32F16;
  table->l2_f32_bf16 = &L2F32Bf16;
  table->ip_f32_bf16 = &IpF32Bf16;
  table->l2_sq8_weighted = &L2Sq8Weighted;
  table->l2_sq8_uniform = &L2Sq8Uniform;
  table->ip_f32_u8 = &IpF32U8;
}

}  // namespace HWY_NAMESPACE
}  // namespace vecdex::distance
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace vecdex::distance {

HWY_EXPORT(FillCodecKernels);
VECDEX_DEFINE_KERNEL_FILLER(fill_codec_kernels, FillCodecKernels)

}  // namespace vecdex::distance
#endif  // HWY_ONCE
