// Codec names and the codec factory: F32 here, FP16/BF16 in half_codec.cc, SQ8 in sq8_codec.cc.
#include "quant/codec.h"

#include <fmt/format.h>

#include "quant/f32_codec.h"
#include "quant/half_codec.h"
#include "quant/sq8_codec.h"

namespace vecdex::quant {

std::string_view codec_name(CodecKind kind) {
  switch (kind) {
    case CodecKind::kF32: return "F32";
    case CodecKind::kF16: return "FP16";
    case CodecKind::kBF16: return "BF16";
    case CodecKind::kSQ8: return "SQ8";
  }
  return "unknown";
}

Result<std::unique_ptr<Codec>> make_codec(CodecKind kind, size_t dim, Metric metric) {
  if (dim == 0) return invalid_argument("make_codec: dim must be positive");
  switch (kind) {
    case CodecKind::kF32:
      return make_f32_codec(dim, metric);
    case CodecKind::kF16:
    case CodecKind::kBF16:
      return make_half_codec(kind, dim, metric);
    case CodecKind::kSQ8:
      return make_sq8_codec(dim, metric);
  }
  return invalid_argument(fmt::format("make_codec: unknown codec kind {}", static_cast<int>(kind)));
}

}  // namespace vecdex::quant
