// SQ8: 8-bit scalar quantization with a per-dimension range learned from a sample, 1 byte per
// dimension. Distances are asymmetric (the f32 query is prepared once per query, codes are
// widened in registers), so they are the exact distances to the decoded vectors.
#pragma once

#include <cstddef>
#include <memory>

#include "quant/codec.h"
#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex::quant {

struct Sq8Options {
  // Fraction of the training sample ignored at each end of every dimension when learning its
  // range (default 0: the exact min and max). 0.001 ignores the 0.1% most extreme values on each
  // side, which tightens the grid for the bulk of the data; values outside the learned range are
  // clamped to it at encode time. Must be in [0, 0.25). Not applied to 8-bit integer data.
  double trim = 0.0;
};

// Code: c_j = round((x_j - min_j) / scale_j) clamped to [0, 255]; decoded x_j = min_j + scale_j c_j,
// so training vectors come back within scale_j / 2 per dimension.
// train() learns [min_j, max_j] per dimension and scale_j = (max_j - min_j) / 255, with two
// special cases:
//  - 8-bit integer data (every sample value an integer and every dimension's range <= 255, e.g.
//    Fashion-MNIST pixels): scale_j = 1, which encodes such data losslessly;
//  - a constant (or vanishingly narrow) dimension: min_j is stored exactly (code 0) and scale_j
//    borrows the largest other scale (1 if every dimension is constant), so it never divides by
//    zero. Scales are kept within [1e-18, 1e18] so squared scales stay finite and non-zero.
// Distances: L2 = sum_j ((q_j - min_j) - scale_j c_j)^2, the prepared query holding q_j - min_j
// (one FMA per element forms the difference). When every scale_j is equal ("uniform", which
// includes the integer case) a cheaper kernel runs in code units: scale^2 sum_j (q'_j - c_j)^2
// with q'_j = (q_j - min_j) / scale (no per-dimension scales to load). Inner product =
// sum_j q_j min_j + sum_j (q_j scale_j) c_j, returned negated (Cosine = inner product).
// Before train() (is_trained() false) the codec behaves as min_j = 0, scale_j = 1: encode, decode
// and distances are well defined but meaningless; indexes must check is_trained().
// train(): InvalidArgument when the sample's dim differs, it has no rows, or holds NaN / Inf.
// deserialize_params(): Corruption on a wrong length, version, dim or non-finite / out-of-range
// values; the codec is unchanged on error.
// make_sq8_codec(): InvalidArgument for dim == 0 or a trim outside [0, 0.25).
Result<std::unique_ptr<Codec>> make_sq8_codec(size_t dim, Metric metric, Sq8Options options = {});

}  // namespace vecdex::quant
