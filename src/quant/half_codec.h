// FP16 / BF16 codecs: 2 bytes per dimension, round-to-nearest-even (core/distance/half.h). The
// query stays f32 and the kernel widens codes in registers (asymmetric distance), so the only
// error is the storage rounding: relative ~2^-11 for FP16, ~2^-8 for BF16.
#pragma once

#include <cstddef>
#include <memory>

#include "quant/codec.h"
#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex::quant {

// kind is CodecKind::kF16 or kBF16. Codes are `dim` little-endian 16-bit values, 2 * dim bytes,
// with no alignment requirement. FP16 saturates to +-65504 (values beyond it would become inf and
// turn distances into inf or NaN); BF16 keeps f32's range and saturates only past FLT_MAX.
// Distances: squared L2 against the decoded vector, or minus the inner product (Cosine = inner
// product; vectors arrive normalised). No training, no parameters.
// InvalidArgument for another kind or dim == 0.
Result<std::unique_ptr<Codec>> make_half_codec(CodecKind kind, size_t dim, Metric metric);

}  // namespace vecdex::quant
