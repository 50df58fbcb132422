// Distances from one sub-vector to all ksub centroids of a PQ sub-space stored transposed
// (ct[t * ksub + c] = coordinate t of centroid c): shared by encode, compute_lut and the
// anisotropic code refinement. Plain loops over c that the compiler vectorises; dsub is often
// 2..8, too short for one kernel call per centroid to pay off.
#pragma once

#include <cstddef>
#include <cstdint>

namespace vecdex::quant {

// out[c] = ||x - c||^2 for the ksub centroids.
inline void subspace_l2(const float* x, const float* ct, size_t dsub, size_t ksub, float* out) {
  for (size_t c = 0; c < ksub; ++c) {
    const float d = x[0] - ct[c];
    out[c] = d * d;
  }
  for (size_t t = 1; t < dsub; ++t) {
    const float xt = x[t];
    const float* row = ct + t * ksub;
    for (size_t c = 0; c < ksub; ++c) {
      const float d = xt - row[c];
      out[c] += d * d;
    }
  }
}

// out[c] = <x, c> for the ksub centroids.
inline void subspace_ip(const float* x, const float* ct, size_t dsub, size_t ksub, float* out) {
  for (size_t c = 0; c < ksub; ++c) out[c] = x[0] * ct[c];
  for (size_t t = 1; t < dsub; ++t) {
    const float xt = x[t];
    const float* row = ct + t * ksub;
    for (size_t c = 0; c < ksub; ++c) out[c] += xt * row[c];
  }
}

// Index of the first smallest of d[0..n), n >= 1 (0 if all are NaN). Two passes: a min
// reduction over 8 independent lanes (which the compiler vectorises; one running minimum would
// not be, as reordering a float min is not allowed), then a search. Several times faster than
// a branchy std::min_element over 256 distances.
inline uint32_t argmin(const float* d, size_t n) {
  if (n % 8 != 0 || n < 64) {  // short rows (4-bit PQ): one branchy pass is cheapest
    uint32_t at = 0;
    for (size_t c = 1; c < n; ++c) {
      if (d[c] < d[at]) at = static_cast<uint32_t>(c);
    }
    return at;
  }
  float lane[8];
  for (size_t l = 0; l < 8; ++l) lane[l] = d[l];
  for (size_t c = 8; c < n; c += 8) {
    for (size_t l = 0; l < 8; ++l) lane[l] = d[c + l] < lane[l] ? d[c + l] : lane[l];
  }
  float best = lane[0];
  for (size_t l = 1; l < 8; ++l) best = lane[l] < best ? lane[l] : best;
  for (size_t c = 0; c < n; ++c) {
    if (d[c] == best) return static_cast<uint32_t>(c);
  }
  return 0;
}

}  // namespace vecdex::quant
