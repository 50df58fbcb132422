// FP16 / BF16 codecs (see half_codec.h): encode with half.h's round-to-nearest-even, score with
// the asymmetric f32-query kernels of the process's KernelTable.
#include "quant/half_codec.h"

#include <cstdint>
#include <cstring>

#include <fmt/format.h>

#include "core/distance/distance.h"
#include "core/distance/half.h"

namespace vecdex::quant {
namespace {

// Largest finite values: binary16 0x7bff = 65504, bfloat16 0x7f7f ~ 3.39e38.
constexpr uint16_t kF16MaxBits = 0x7bff;
constexpr uint16_t kBf16MaxBits = 0x7f7f;

// Round to nearest even; finite inputs that round past the largest finite value saturate.
uint16_t to_half(bool bf16, float x) {
  const uint16_t bits = bf16 ? distance::float_to_bf16(x) : distance::float_to_f16(x);
  const uint16_t exp_mask = bf16 ? 0x7f80 : 0x7c00;
  const uint16_t mant_mask = bf16 ? 0x007f : 0x03ff;
  const bool is_inf = (bits & exp_mask) == exp_mask && (bits & mant_mask) == 0;
  if (is_inf)  // also maps an inf input to the largest finite value; NaN is the caller's bug
    return static_cast<uint16_t>((bits & 0x8000u) | (bf16 ? kBf16MaxBits : kF16MaxBits));
  return bits;
}

class HalfCodec final : public Codec {
 public:
  HalfCodec(CodecKind kind, size_t dim, Metric metric) : Codec(kind, dim, metric) {
    const distance::KernelTable& k = distance::kernels();
    bf16_ = kind == CodecKind::kBF16;
    const bool l2 = metric == Metric::kL2;
    fn_ = bf16_ ? (l2 ? k.l2_f32_bf16 : k.ip_f32_bf16) : (l2 ? k.l2_f32_f16 : k.ip_f32_f16);
  }

  size_t code_bytes() const override { return 2 * dim(); }

  void encode(const float* x, uint8_t* code) const override {
    for (size_t i = 0; i < dim(); ++i) {
      const uint16_t bits = to_half(bf16_, x[i]);
      std::memcpy(code + 2 * i, &bits, sizeof(bits));
    }
  }

  void decode(const uint8_t* code, float* x) const override {
    for (size_t i = 0; i < dim(); ++i) {
      uint16_t bits;
      std::memcpy(&bits, code + 2 * i, sizeof(bits));
      x[i] = bf16_ ? distance::bf16_to_float(bits) : distance::f16_to_float(bits);
    }
  }

  // L2 keeps the query as is; inner product stores -q so the plain dot-product kernel returns
  // the negated score (the "smaller is better" convention) with no wrapper call.
  void prepare(const float* query, PreparedQuery& out) const override {
    float* q = reset_query(out, dim(), fn_, nullptr, dim());
    if (metric() == Metric::kL2) {
      std::memcpy(q, query, dim() * sizeof(float));
    } else {
      for (size_t i = 0; i < dim(); ++i)
        q[i] = -query[i];
    }
  }

 private:
  bool bf16_ = false;
  PreparedQuery::DistanceFn fn_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<Codec>> make_half_codec(CodecKind kind, size_t dim, Metric metric) {
  if (kind != CodecKind::kF16 && kind != CodecKind::kBF16) {
    return invalid_argument(fmt::format(
        "half codec: kind {} is neither FP16 nor BF16", static_cast<int>(kind)));
  }
  if (dim == 0)
    return invalid_argument("half codec: dim must be positive, got 0");
  return std::unique_ptr<Codec>(new HalfCodec(kind, dim, metric));
}

}  // namespace vecdex::quant
