// F32 codec: stores vectors as plain float32 (4 * dim bytes), the exact, default storage stage
// of graph and list families ("HNSW32" is "HNSW32" over F32).
#pragma once

#include <cstddef>
#include <memory>

#include "quant/codec.h"

namespace vecdex::quant {

// Exact codec: encode is a copy, distance is the SIMD f32 kernel of the process's table.
// Cosine is served as inner product (vectors arrive normalised).
// Thread safety: stateless after construction; every method may run concurrently.
class F32Codec final : public Codec {
 public:
  F32Codec(size_t dim, Metric metric);

  size_t code_bytes() const override { return dim() * sizeof(float); }
  bool is_exact() const override { return true; }
  void encode(const float* x, uint8_t* code) const override;
  void decode(const uint8_t* code, float* x) const override;
  void prepare(const float* query, PreparedQuery& out) const override;
};

std::unique_ptr<Codec> make_f32_codec(size_t dim, Metric metric);

}  // namespace vecdex::quant
