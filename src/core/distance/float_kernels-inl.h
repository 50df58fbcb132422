// Highway kernels shared by the f32, f16 and bf16 families: L2 / inner product over elements
// that widen to f32 in registers, plus the one-query-vs-many-rows form. Included once per target
// by l2_ip_f32.cc, l2_ip_f16.cc and l2_ip_bf16.cc (Highway's per-target include-guard toggle).
#if defined(VECDEX_CORE_DISTANCE_FLOAT_KERNELS_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef VECDEX_CORE_DISTANCE_FLOAT_KERNELS_INL_H_
#undef VECDEX_CORE_DISTANCE_FLOAT_KERNELS_INL_H_
#else
#define VECDEX_CORE_DISTANCE_FLOAT_KERNELS_INL_H_
#endif

#include <cstddef>
#include <cstdint>

#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include "core/distance/half.h"

HWY_BEFORE_NAMESPACE();
namespace vecdex::distance {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

enum class FloatOp { kL2, kIp };

// How one element type is read: `load` widens a vector's worth of elements to f32 lanes,
// `to_float` does one element (for rows shorter than a vector).
struct F32Elements {
  using T = float;
  static float to_float(float x) { return x; }
  template <class D>
  static HWY_INLINE hn::Vec<D> load(D d, const float* HWY_RESTRICT p) {
    return hn::LoadU(d, p);
  }
};

struct F16Elements {
  using T = uint16_t;
  static float to_float(uint16_t x) { return f16_to_float(x); }
  template <class D>
  static HWY_INLINE hn::Vec<D> load(D d, const uint16_t* HWY_RESTRICT p) {
#if HWY_TARGET == HWY_SCALAR
    return hn::Set(d, f16_to_float(*p));  // Highway's scalar emulation is ~5x slower
#else
    const hn::Rebind<hwy::float16_t, D> dh;
    return hn::PromoteTo(d, hn::LoadU(dh, reinterpret_cast<const hwy::float16_t*>(p)));
#endif
  }
};

struct Bf16Elements {
  using T = uint16_t;
  static float to_float(uint16_t x) { return bf16_to_float(x); }
  template <class D>
  static HWY_INLINE hn::Vec<D> load(D d, const uint16_t* HWY_RESTRICT p) {
    const hn::Rebind<hwy::bfloat16_t, D> dbf;
    return hn::PromoteTo(d, hn::LoadU(dbf, reinterpret_cast<const hwy::bfloat16_t*>(p)));
  }
};

template <FloatOp kOp, class V>
HWY_INLINE V Accumulate(V a, V b, V sum) {
  if constexpr (kOp == FloatOp::kL2) {
    const V diff = hn::Sub(a, b);
    return hn::MulAdd(diff, diff, sum);
  } else {
    return hn::MulAdd(a, b, sum);
  }
}

// Rows shorter than one vector.
template <FloatOp kOp, class E>
HWY_INLINE float ShortDistance(const typename E::T* a, const typename E::T* b, size_t dim) {
  float sum = 0.0f;
  for (size_t i = 0; i < dim; ++i) {
    const float x = E::to_float(a[i]);
    const float y = E::to_float(b[i]);
    sum += kOp == FloatOp::kL2 ? (x - y) * (x - y) : x * y;
  }
  return sum;
}

// The last partial vector: reload the final full vector ending at `dim` (so nothing is read past
// the row) and zero the lanes before `done`, which were already counted. Precondition: dim >= N.
template <FloatOp kOp, class E, class D>
HWY_INLINE hn::Vec<D> AccumulateTail(D d, const typename E::T* HWY_RESTRICT a,
                                     const typename E::T* HWY_RESTRICT b, size_t done, size_t dim,
                                     hn::Vec<D> sum) {
  const size_t start = dim - hn::Lanes(d);
  const auto already = hn::FirstN(d, done - start);
  const auto va = hn::IfThenZeroElse(already, E::load(d, a + start));
  const auto vb = hn::IfThenZeroElse(already, E::load(d, b + start));
  return Accumulate<kOp>(va, vb, sum);
}

// Four independent accumulators hide the FMA latency; the loop is bound by two loads per FMA.
template <FloatOp kOp, class E>
float Distance(const typename E::T* HWY_RESTRICT a, const typename E::T* HWY_RESTRICT b,
               size_t dim) {
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  if (dim < N)
    return ShortDistance<kOp, E>(a, b, dim);
  auto s0 = hn::Zero(d);
  auto s1 = hn::Zero(d);
  auto s2 = hn::Zero(d);
  auto s3 = hn::Zero(d);
  size_t i = 0;
  for (; i + 4 * N <= dim; i += 4 * N) {
    s0 = Accumulate<kOp>(E::load(d, a + i), E::load(d, b + i), s0);
    s1 = Accumulate<kOp>(E::load(d, a + i + N), E::load(d, b + i + N), s1);
    s2 = Accumulate<kOp>(E::load(d, a + i + 2 * N), E::load(d, b + i + 2 * N), s2);
    s3 = Accumulate<kOp>(E::load(d, a + i + 3 * N), E::load(d, b + i + 3 * N), s3);
  }
  if (i + 2 * N <= dim) {
    s0 = Accumulate<kOp>(E::load(d, a + i), E::load(d, b + i), s0);
    s1 = Accumulate<kOp>(E::load(d, a + i + N), E::load(d, b + i + N), s1);
    i += 2 * N;
  }
  if (i + N <= dim) {
    s2 = Accumulate<kOp>(E::load(d, a + i), E::load(d, b + i), s2);
    i += N;
  }
  if (i < dim)
    s3 = AccumulateTail<kOp, E>(d, a, b, i, dim, s3);
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(s0, s1), hn::Add(s2, s3))));
}

// One query against n contiguous rows. Four rows at a time share each query load (5 loads per
// 4 FMAs instead of 8), two accumulators per row keep 8 FMA chains in flight, and the next block
// of four rows is prefetched while this one is computed (exact search streams from memory).
template <FloatOp kOp, class E>
void DistanceMany(const typename E::T* HWY_RESTRICT q, const typename E::T* HWY_RESTRICT base,
                  size_t n, size_t dim, float* HWY_RESTRICT out) {
  using T = typename E::T;
  const hn::ScalableTag<float> d;
  const size_t N = hn::Lanes(d);
  size_t r = 0;
  // With one lane per vector (HWY_SCALAR) the row-at-a-time loop is faster.
  if (dim >= N && N > 1) {
    // Elements per 64-byte cache line; prefetch once per line of each upcoming row.
    constexpr size_t kLine = 64 / sizeof(T);
    for (; r + 4 <= n; r += 4) {
      const T* r0 = base + r * dim;
      const T* r1 = r0 + dim;
      const T* r2 = r1 + dim;
      const T* r3 = r2 + dim;
      const T* next = r0 + 4 * dim;  // the next block of four rows, contiguous
      const size_t next_len = r + 8 <= n ? 4 * dim : (n - r - 4) * dim;
      size_t prefetched = 0;
      auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
      auto b0 = hn::Zero(d), b1 = hn::Zero(d), b2 = hn::Zero(d), b3 = hn::Zero(d);
      size_t i = 0;
      for (; i + 2 * N <= dim; i += 2 * N) {
        // Spread the next block's prefetches evenly over this block's loop.
        const size_t target = (i + 2 * N) * 4;
        for (; prefetched < target && prefetched < next_len; prefetched += kLine) {
          hwy::Prefetch(next + prefetched);
        }
        const auto q0 = E::load(d, q + i);
        const auto q1 = E::load(d, q + i + N);
        a0 = Accumulate<kOp>(q0, E::load(d, r0 + i), a0);
        a1 = Accumulate<kOp>(q0, E::load(d, r1 + i), a1);
        a2 = Accumulate<kOp>(q0, E::load(d, r2 + i), a2);
        a3 = Accumulate<kOp>(q0, E::load(d, r3 + i), a3);
        b0 = Accumulate<kOp>(q1, E::load(d, r0 + i + N), b0);
        b1 = Accumulate<kOp>(q1, E::load(d, r1 + i + N), b1);
        b2 = Accumulate<kOp>(q1, E::load(d, r2 + i + N), b2);
        b3 = Accumulate<kOp>(q1, E::load(d, r3 + i + N), b3);
      }
      if (i + N <= dim) {
        const auto q0 = E::load(d, q + i);
        a0 = Accumulate<kOp>(q0, E::load(d, r0 + i), a0);
        a1 = Accumulate<kOp>(q0, E::load(d, r1 + i), a1);
        a2 = Accumulate<kOp>(q0, E::load(d, r2 + i), a2);
        a3 = Accumulate<kOp>(q0, E::load(d, r3 + i), a3);
        i += N;
      }
      if (i < dim) {
        b0 = AccumulateTail<kOp, E>(d, q, r0, i, dim, b0);
        b1 = AccumulateTail<kOp, E>(d, q, r1, i, dim, b1);
        b2 = AccumulateTail<kOp, E>(d, q, r2, i, dim, b2);
        b3 = AccumulateTail<kOp, E>(d, q, r3, i, dim, b3);
      }
      out[r + 0] = hn::GetLane(hn::SumOfLanes(d, hn::Add(a0, b0)));
      out[r + 1] = hn::GetLane(hn::SumOfLanes(d, hn::Add(a1, b1)));
      out[r + 2] = hn::GetLane(hn::SumOfLanes(d, hn::Add(a2, b2)));
      out[r + 3] = hn::GetLane(hn::SumOfLanes(d, hn::Add(a3, b3)));
    }
  }
  for (; r < n; ++r)
    out[r] = Distance<kOp, E>(q, base + r * dim, dim);
}

}  // namespace HWY_NAMESPACE
}  // namespace vecdex::distance
HWY_AFTER_NAMESPACE();

#endif  // per-target include guard
