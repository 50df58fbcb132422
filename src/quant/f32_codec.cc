// F32Codec: copies in and out, and scores through the resolved f32 kernels.
#include "quant/f32_codec.h"

#include <cstring>

#include "core/distance/distance.h"

namespace vecdex::quant {
namespace {

// The codec kernel signature carries no table pointer, so these call the process table (a
// reference resolved once by distance::kernels()). Families on a hot f32 path may call the
// table directly instead (HNSW does).
float l2_code(const float* query, const uint8_t* code, size_t dim, const float* /*params*/) {
  return distance::kernels().l2_f32(query, reinterpret_cast<const float*>(code), dim);
}

float neg_ip_code(const float* query, const uint8_t* code, size_t dim, const float* /*params*/) {
  return -distance::kernels().ip_f32(query, reinterpret_cast<const float*>(code), dim);
}

}  // namespace

F32Codec::F32Codec(size_t dim, Metric metric) : Codec(CodecKind::kF32, dim, metric) {}

void F32Codec::encode(const float* x, uint8_t* code) const {
  std::memcpy(code, x, code_bytes());
}

void F32Codec::decode(const uint8_t* code, float* x) const {
  std::memcpy(x, code, code_bytes());
}

void F32Codec::prepare(const float* query, PreparedQuery& out) const {
  PreparedQuery::DistanceFn fn = metric() == Metric::kL2 ? &l2_code : &neg_ip_code;
  float* q = reset_query(out, dim(), fn, nullptr, dim());
  std::memcpy(q, query, dim() * sizeof(float));
}

std::unique_ptr<Codec> make_f32_codec(size_t dim, Metric metric) {
  return std::make_unique<F32Codec>(dim, metric);
}

}  // namespace vecdex::quant
