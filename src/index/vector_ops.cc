// Finiteness / zero-row checks and cosine normalisation.
#include "index/vector_ops.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>

#include <fmt/format.h>

namespace vecdex {
namespace {

// True when any value in the row is NaN or +-inf. Works on the bit pattern (exponent all ones)
// so the loop vectorises; the slow per-element pass only runs to name a bad value.
bool row_has_nonfinite(const float* row, size_t dim) {
  uint32_t bad = 0;
  for (size_t j = 0; j < dim; ++j) {
    uint32_t bits;
    std::memcpy(&bits, row + j, sizeof(bits));
    bad |= static_cast<uint32_t>((bits & 0x7f800000u) == 0x7f800000u);
  }
  return bad != 0;
}

std::string row_label(std::string_view row_noun, size_t row, std::span<const Id> ids) {
  if (ids.size() > row) return fmt::format("{} row {} (id {})", row_noun, row, ids[row]);
  return fmt::format("{} row {}", row_noun, row);
}

}  // namespace

Status check_finite(MatrixView m, std::string_view op, std::string_view row_noun,
                    std::span<const Id> ids) {
  for (size_t i = 0; i < m.rows; ++i) {
    const float* row = m.row(i);
    if (!row_has_nonfinite(row, m.dim)) continue;
    for (size_t j = 0; j < m.dim; ++j) {
      if (std::isfinite(row[j])) continue;
      const char* what = std::isnan(row[j]) ? "NaN" : (row[j] > 0 ? "inf" : "-inf");
      return invalid_argument(fmt::format("{}: {} column {} is {}; values must be finite", op,
                                          row_label(row_noun, i, ids), j, what));
    }
  }
  return Status();
}

Status check_nonzero_rows(MatrixView m, std::string_view op, std::string_view row_noun,
                          std::span<const Id> ids) {
  for (size_t i = 0; i < m.rows; ++i) {
    const float* row = m.row(i);
    bool zero = true;
    for (size_t j = 0; j < m.dim && zero; ++j) zero = row[j] == 0.0f;
    if (zero) {
      return invalid_argument(fmt::format(
          "{}: {} is a zero vector; the cosine metric needs vectors with a non-zero norm", op,
          row_label(row_noun, i, ids)));
    }
  }
  return Status();
}

void normalize_rows(MatrixView m, float* out) {
  for (size_t i = 0; i < m.rows; ++i) {
    const float* row = m.row(i);
    double sum = 0.0;
    for (size_t j = 0; j < m.dim; ++j) sum += static_cast<double>(row[j]) * row[j];
    float scale = static_cast<float>(1.0 / std::sqrt(sum));
    float* dst = out + i * m.dim;
    for (size_t j = 0; j < m.dim; ++j) dst[j] = row[j] * scale;
  }
}

}  // namespace vecdex
