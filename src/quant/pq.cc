// ProductQuantizer: construction, encode / decode, the ADC lookup table and its scans.
// Training lives in pq_train.cc, the byte image in pq_io.cc.
#include "quant/pq.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include <fmt/format.h>

#include "core/distance/distance.h"
#include "core/thread_pool.h"
#include "quant/anisotropic.h"
#include "quant/pq_subspace.h"

namespace vecdex::quant {
namespace {

// Rows per encode_batch task: large enough to amortise scheduling, small enough to balance.
constexpr size_t kEncodeBlockRows = 256;

// One ADC sum. Four independent accumulators hide the add latency; the 8-bit gathers are plain
// loads from a table that stays in L1 for m * 256 * 4 bytes <= 64 KiB (m <= 64).
template <size_t kNbits>
inline float adc_one(const float* lut, const uint8_t* code, size_t m) {
  constexpr size_t kKsub = size_t{1} << kNbits;
  float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
  size_t j = 0;
  if constexpr (kNbits == 8) {
    for (; j + 4 <= m; j += 4, lut += 4 * kKsub) {
      s0 += lut[code[j]];
      s1 += lut[kKsub + code[j + 1]];
      s2 += lut[2 * kKsub + code[j + 2]];
      s3 += lut[3 * kKsub + code[j + 3]];
    }
    for (; j < m; ++j, lut += kKsub) s0 += lut[code[j]];
  } else {
    // Two sub-quantizers per byte: low nibble = even j, high nibble = odd j.
    for (; j + 4 <= m; j += 4, lut += 4 * kKsub) {
      const uint8_t b0 = code[j >> 1];
      const uint8_t b1 = code[(j >> 1) + 1];
      s0 += lut[b0 & 0xF];
      s1 += lut[kKsub + (b0 >> 4)];
      s2 += lut[2 * kKsub + (b1 & 0xF)];
      s3 += lut[3 * kKsub + (b1 >> 4)];
    }
    for (; j < m; ++j, lut += kKsub) s0 += lut[(code[j >> 1] >> ((j & 1) * 4)) & 0xF];
  }
  return (s0 + s1) + (s2 + s3);
}

}  // namespace

void ProductQuantizer::build_transposed() {
  const size_t ks = ksub();
  const size_t ds = dsub();
  if (centroids_.empty() || ds > kMaxTransposedDsub) {
    centroids_t_.clear();
    return;
  }
  centroids_t_.resize(centroids_.size());
  for (size_t j = 0; j < m_; ++j) {
    const float* src = centroids_.data() + j * ks * ds;
    float* dst = centroids_t_.data() + j * ks * ds;
    for (size_t c = 0; c < ks; ++c)
      for (size_t t = 0; t < ds; ++t) dst[t * ks + c] = src[c * ds + t];
  }
}

Result<ProductQuantizer> ProductQuantizer::create(size_t dim, size_t m, size_t nbits,
                                                  Metric metric) {
  if (dim == 0 || m == 0) {
    return invalid_argument(fmt::format("PQ: dim and m must be positive, got dim {} and m {}", dim, m));
  }
  if (dim % m != 0) {
    return invalid_argument(fmt::format(
        "PQ: dim {} is not divisible by m {} (each of the m sub-vectors needs dim / m floats)",
        dim, m));
  }
  if (nbits != 4 && nbits != 8) {
    return invalid_argument(fmt::format("PQ: nbits must be 4 or 8, got {}", nbits));
  }
  if (dim > kMaxDim) {
    return invalid_argument(fmt::format("PQ: dim {} exceeds the maximum {}", dim, kMaxDim));
  }
  if (metric != Metric::kL2 && metric != Metric::kInnerProduct && metric != Metric::kCosine) {
    return invalid_argument(fmt::format("PQ: unknown metric {}", static_cast<int>(metric)));
  }
  ProductQuantizer pq;
  pq.dim_ = dim;
  pq.m_ = m;
  pq.nbits_ = nbits;
  pq.metric_ = metric;
  return pq;
}

Status ProductQuantizer::set_centroids(std::span<const float> centroids,
                                       std::span<const float> rotation) {
  if (dim_ == 0) return failed_precondition("PQ set_centroids: quantizer was not created");
  const size_t want = ksub() * dim_;
  if (centroids.size() != want) {
    return invalid_argument(fmt::format(
        "PQ set_centroids: {} centroid floats, expected m * ksub * dsub = {} * {} * {} = {}",
        centroids.size(), m_, ksub(), dsub(), want));
  }
  if (!rotation.empty() && rotation.size() != dim_ * dim_) {
    return invalid_argument(fmt::format("PQ set_centroids: rotation has {} floats, expected {}",
                                        rotation.size(), dim_ * dim_));
  }
  for (size_t i = 0; i < centroids.size(); ++i) {
    if (!std::isfinite(centroids[i])) {
      return invalid_argument(fmt::format("PQ set_centroids: centroid value {} is {}", i,
                                          centroids[i]));
    }
  }
  for (size_t i = 0; i < rotation.size(); ++i) {
    if (!std::isfinite(rotation[i])) {
      return invalid_argument(fmt::format("PQ set_centroids: rotation value {} is {}", i,
                                          rotation[i]));
    }
  }
  centroids_.assign(centroids.begin(), centroids.end());
  rotation_.assign(rotation.begin(), rotation.end());
  build_transposed();
  return Status();
}

void ProductQuantizer::rotate(const float* x, float* out) const {
  if (rotation_.empty()) {
    std::memmove(out, x, dim_ * sizeof(float));
    return;
  }
  const auto& k = distance::kernels();
  for (size_t a = 0; a < dim_; ++a) out[a] = k.ip_f32(rotation_.data() + a * dim_, x, dim_);
}

void ProductQuantizer::encode_rotated(const float* xr, uint8_t* code) const {
  const size_t ks = ksub();
  const size_t ds = dsub();
  float dist[256];
  uint32_t labels_small[64];
  std::vector<uint32_t> labels_big;
  uint32_t* labels = labels_small;
  if (m_ > 64) {
    labels_big.resize(m_);
    labels = labels_big.data();
  }
  const auto& k = distance::kernels();
  for (size_t j = 0; j < m_; ++j) {
    if (centroids_t_.empty()) {
      k.l2_f32_many(xr + j * ds, centroids_.data() + j * ks * ds, ks, ds, dist);
    } else {
      subspace_l2(xr + j * ds, centroids_t_.data() + j * ks * ds, ds, ks, dist);
    }
    labels[j] = argmin(dist, ks);
  }
  if (anisotropic_threshold_ > 0.0f) {
    const anisotropic::Codebooks books{centroids_.data(), m_, ks, ds,
                                       centroids_t_.empty() ? nullptr : centroids_t_.data()};
    anisotropic::refine_labels(books, xr,
                               anisotropic::parallel_weight(anisotropic_threshold_, dim_),
                               anisotropic::kMaxEncodePasses, labels);
  }
  if (nbits_ == 8) {
    for (size_t j = 0; j < m_; ++j) code[j] = static_cast<uint8_t>(labels[j]);
  } else {
    std::memset(code, 0, code_bytes());
    for (size_t j = 0; j < m_; ++j)
      code[j >> 1] |= static_cast<uint8_t>(labels[j] << ((j & 1) * 4));
  }
}

void ProductQuantizer::encode(const float* x, uint8_t* code) const {
  if (rotation_.empty()) {
    encode_rotated(x, code);
    return;
  }
  std::vector<float> xr(dim_);
  rotate(x, xr.data());
  encode_rotated(xr.data(), code);
}

void ProductQuantizer::encode_batch(MatrixView data, uint8_t* codes, uint32_t threads) const {
  const size_t blocks = (data.rows + kEncodeBlockRows - 1) / kEncodeBlockRows;
  const size_t bytes = code_bytes();
  default_thread_pool().parallel_for(blocks, threads, [&](size_t block, size_t) {
    const size_t begin = block * kEncodeBlockRows;
    const size_t end = std::min(data.rows, begin + kEncodeBlockRows);
    std::vector<float> xr(rotation_.empty() ? 0 : dim_);
    for (size_t i = begin; i < end; ++i) {
      if (rotation_.empty()) {
        encode_rotated(data.row(i), codes + i * bytes);
      } else {
        rotate(data.row(i), xr.data());
        encode_rotated(xr.data(), codes + i * bytes);
      }
    }
  });
}

void ProductQuantizer::decode_rotated(const uint8_t* code, float* xr) const {
  const size_t ds = dsub();
  for (size_t j = 0; j < m_; ++j) {
    const float* c = centroids_.data() + (j * ksub() + code_at(code, j)) * ds;
    std::memcpy(xr + j * ds, c, ds * sizeof(float));
  }
}

void ProductQuantizer::decode(const uint8_t* code, float* x) const {
  if (rotation_.empty()) {
    decode_rotated(code, x);
    return;
  }
  // x = R^T xr (R is orthogonal): accumulate the rows of R weighted by xr.
  std::vector<float> xr(dim_);
  decode_rotated(code, xr.data());
  std::fill(x, x + dim_, 0.0f);
  for (size_t a = 0; a < dim_; ++a) {
    const float w = xr[a];
    const float* row = rotation_.data() + a * dim_;
    for (size_t b = 0; b < dim_; ++b) x[b] += w * row[b];
  }
}

void ProductQuantizer::compute_lut(const float* query, float* lut) const {
  const auto& k = distance::kernels();
  std::vector<float> rotated;
  const float* q = query;
  if (!rotation_.empty()) {
    rotated.resize(dim_);
    rotate(query, rotated.data());
    q = rotated.data();
  }
  const size_t ks = ksub();
  const size_t ds = dsub();
  const bool l2 = metric_ == Metric::kL2;
  for (size_t j = 0; j < m_; ++j) {
    float* row = lut + j * ks;
    const float* qj = q + j * ds;
    if (centroids_t_.empty()) {
      const float* books = centroids_.data() + j * ks * ds;
      if (l2) {
        k.l2_f32_many(qj, books, ks, ds, row);
      } else {
        k.ip_f32_many(qj, books, ks, ds, row);
      }
    } else {
      const float* books = centroids_t_.data() + j * ks * ds;
      if (l2) {
        subspace_l2(qj, books, ds, ks, row);
      } else {
        subspace_ip(qj, books, ds, ks, row);
      }
    }
    if (!l2) {
      for (size_t c = 0; c < ks; ++c) row[c] = -row[c];
    }
  }
}

void ProductQuantizer::compute_dot_lut(const float* rotated, float factor, float* lut) const {
  const size_t ks = ksub();
  const size_t ds = dsub();
  for (size_t j = 0; j < m_; ++j) {
    float* row = lut + j * ks;
    const float* qj = rotated + j * ds;
    if (centroids_t_.empty()) {
      distance::kernels().ip_f32_many(qj, centroids_.data() + j * ks * ds, ks, ds, row);
    } else {
      subspace_ip(qj, centroids_t_.data() + j * ks * ds, ds, ks, row);
    }
    for (size_t c = 0; c < ks; ++c) row[c] *= factor;
  }
}

float ProductQuantizer::adc(const float* lut, const uint8_t* code) const {
  return nbits_ == 8 ? adc_one<8>(lut, code, m_) : adc_one<4>(lut, code, m_);
}

void ProductQuantizer::adc_many(const float* lut, const uint8_t* codes, size_t n,
                                float* out) const {
  const size_t bytes = code_bytes();
  if (nbits_ == 8) {
    for (size_t i = 0; i < n; ++i) out[i] = adc_one<8>(lut, codes + i * bytes, m_);
  } else {
    for (size_t i = 0; i < n; ++i) out[i] = adc_one<4>(lut, codes + i * bytes, m_);
  }
}

}  // namespace vecdex::quant
