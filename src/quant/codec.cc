// Codec names and the codec factory: F32 here, FP16/BF16 in half_codec.cc, SQ8 in sq8_codec.cc.
#include "quant/codec.h"

#include <fmt/format.h>

#include "quant/f32_codec.h"
#if __has_include("quant/half_codec.h")
#include "quant/half_codec.h"
#define VECDEX_HAVE_HALF_CODEC 1
#endif
#if __has_include("quant/sq8_codec.h")
#include "quant/sq8_codec.h"
#define VECDEX_HAVE_SQ8_CODEC 1
#endif

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
#ifdef VECDEX_HAVE_HALF_CODEC
      return make_half_codec(kind, dim, metric);
#else
      break;
#endif
    case CodecKind::kSQ8:
#ifdef VECDEX_HAVE_SQ8_CODEC
      return make_sq8_codec(dim, metric);
#else
      break;
#endif
  }
  return unimplemented(fmt::format("codec {} is not available in this build", codec_name(kind)));
}

}  // namespace vecdex::quant
