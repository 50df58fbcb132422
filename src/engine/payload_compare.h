// Exact comparison of payload numbers: an int64 against a double bound without rounding the int
// (casting a large int64 to double can make 2^53 + 1 equal 2^53). Shared by the reference filter
// semantics (payload.cc) and the secondary indexes (payload_index.cc) so that both agree.
#pragma once

#include <cmath>
#include <cstdint>

namespace vecdex::engine {

// -1, 0 or 1 as v is below, equal to or above b. Precondition: b is not NaN (infinities are fine).
inline int compare_int_double(int64_t v, double b) {
  constexpr double kTwo63 = 9223372036854775808.0;
  if (b >= kTwo63) return -1;
  if (b < -kTwo63) return 1;
  double floor_b = std::floor(b);
  auto fi = static_cast<int64_t>(floor_b);  // exact: floor_b is integral and in range
  if (v < fi) return -1;
  if (v > fi) return 1;
  return b > floor_b ? -1 : 0;
}

// Same contract for a double value (finite or infinite, not NaN).
inline int compare_double_double(double v, double b) { return v < b ? -1 : (v > b ? 1 : 0); }

}  // namespace vecdex::engine
