// Input checks and transforms shared by the Index base class and the families: finiteness,
// zero vectors, and row normalisation for the cosine metric.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

#include "vecdex/status.h"
#include "vecdex/types.h"

namespace vecdex {

// OK when every value is finite; otherwise InvalidArgument "<op>: <row_noun> row R column C is
// NaN" (or "is inf" / "is -inf"). When `ids` is non-empty the row's id is named too.
Status check_finite(MatrixView m, std::string_view op, std::string_view row_noun,
                    std::span<const Id> ids = {});

// OK when no row is all zeros; otherwise InvalidArgument naming the row (cosine needs a norm).
Status check_nonzero_rows(MatrixView m, std::string_view op, std::string_view row_noun,
                          std::span<const Id> ids = {});

// Writes m's rows scaled to unit L2 norm into out (m.rows * m.dim floats; may equal m.data).
// Precondition: no row is all zeros (check_nonzero_rows).
void normalize_rows(MatrixView m, float* out);

}  // namespace vecdex
