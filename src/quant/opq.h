// Optimized product quantization (Ge, He, Ke and Sun, "Optimized Product Quantization", TPAMI
// 2014; the non-parametric variant): learn an orthogonal rotation R so that the rotated data
// R x splits into sub-spaces that PQ codes well. Training alternates PQ codebooks on the rotated
// data with the orthogonal Procrustes update below; ProductQuantizer::train drives the loop.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex::quant::opq {

// The orthogonal R (dim x dim, row-major) minimising sum_i ||R x_i - y_i||^2 over the rows of x
// (original space) and y (their reconstructions in the rotated space): with the SVD
// X^T Y = U S V^T, R = V U^T (Schönemann's solution). InvalidArgument when the shapes differ or
// are empty; Internal when the SVD fails. X^T Y is summed over row blocks on `threads` threads
// (0 = all cores); the SVD is single-threaded, O(dim^3).
Result<std::vector<float>> procrustes_rotation(MatrixView x, MatrixView y, uint32_t threads = 1);

// out (rows x dim) = rows of x rotated: out_i = R x_i, by sgemm over row blocks in parallel.
void rotate_rows(MatrixView x, const float* rotation, float* out, uint32_t threads = 1);

// max |R R^T - I| over all entries: 0 for an exactly orthogonal R (tests, diagnostics).
double orthogonality_error(const float* rotation, size_t dim);

}  // namespace vecdex::quant::opq
