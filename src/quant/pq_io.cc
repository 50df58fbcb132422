// ProductQuantizer's byte image. Layout (little-endian, 32-byte header then float arrays):
//   u32 magic "VPQ1" | u32 version (1) | u32 dim | u32 m | u32 nbits | u32 metric |
//   u32 flags (bit 0 trained, bit 1 rotation) | f32 anisotropic threshold |
//   centroids: ksub * dim f32 (if trained) | rotation: dim * dim f32 (if rotation).
#include <cmath>
#include <cstring>

#include <fmt/format.h>

#include "quant/pq.h"

namespace vecdex::quant {
namespace {

constexpr uint32_t kMagic = 0x31515056;  // "VPQ1"
constexpr uint32_t kVersion = 1;
constexpr size_t kHeaderBytes = 32;
constexpr uint32_t kFlagTrained = 1;
constexpr uint32_t kFlagRotation = 2;

void put_u32(uint8_t* at, uint32_t v) { std::memcpy(at, &v, 4); }
uint32_t get_u32(const uint8_t* at) {
  uint32_t v;
  std::memcpy(&v, at, 4);
  return v;
}

Status check_finite(const float* values, size_t n, const char* what) {
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(values[i])) {
      return corruption(fmt::format("PQ image: {} value {} is {}", what, i, values[i]));
    }
  }
  return Status();
}

}  // namespace

std::vector<uint8_t> ProductQuantizer::serialize() const {
  std::vector<uint8_t> out(kHeaderBytes + (centroids_.size() + rotation_.size()) * sizeof(float));
  put_u32(out.data(), kMagic);
  put_u32(out.data() + 4, kVersion);
  put_u32(out.data() + 8, static_cast<uint32_t>(dim_));
  put_u32(out.data() + 12, static_cast<uint32_t>(m_));
  put_u32(out.data() + 16, static_cast<uint32_t>(nbits_));
  put_u32(out.data() + 20, static_cast<uint32_t>(metric_));
  put_u32(out.data() + 24, (is_trained() ? kFlagTrained : 0) | (has_rotation() ? kFlagRotation : 0));
  std::memcpy(out.data() + 28, &anisotropic_threshold_, 4);
  uint8_t* at = out.data() + kHeaderBytes;
  if (!centroids_.empty()) std::memcpy(at, centroids_.data(), centroids_.size() * sizeof(float));
  at += centroids_.size() * sizeof(float);
  if (!rotation_.empty()) std::memcpy(at, rotation_.data(), rotation_.size() * sizeof(float));
  return out;
}

Result<ProductQuantizer> ProductQuantizer::deserialize(std::span<const uint8_t> bytes) {
  if (bytes.size() < kHeaderBytes) {
    return corruption(fmt::format("PQ image: {} bytes, shorter than the {}-byte header",
                                  bytes.size(), kHeaderBytes));
  }
  const uint8_t* p = bytes.data();
  if (get_u32(p) != kMagic) {
    return corruption(fmt::format("PQ image: bad magic {:#010x}, expected {:#010x} (\"VPQ1\")",
                                  get_u32(p), kMagic));
  }
  if (get_u32(p + 4) != kVersion) {
    return corruption(fmt::format("PQ image: version {}, expected {}", get_u32(p + 4), kVersion));
  }
  const uint32_t metric = get_u32(p + 20);
  if (metric > static_cast<uint32_t>(Metric::kCosine)) {
    return corruption(fmt::format("PQ image: unknown metric {}", metric));
  }
  Result<ProductQuantizer> made =
      create(get_u32(p + 8), get_u32(p + 12), get_u32(p + 16), static_cast<Metric>(metric));
  if (!made.ok()) return corruption(fmt::format("PQ image: {}", made.status().message()));
  ProductQuantizer pq = std::move(made).value();
  const uint32_t flags = get_u32(p + 24);
  if ((flags & ~(kFlagTrained | kFlagRotation)) != 0)
    return corruption(fmt::format("PQ image: unknown flags {:#x}", flags));
  const bool trained = (flags & kFlagTrained) != 0;
  const bool rotation = (flags & kFlagRotation) != 0;
  if (rotation && !trained) return corruption("PQ image: a rotation without codebooks");
  float threshold;
  std::memcpy(&threshold, p + 28, 4);
  if (!(threshold >= 0.0f && threshold < 1.0f)) {
    return corruption(fmt::format("PQ image: anisotropic threshold {}, expected [0, 1)", threshold));
  }
  const size_t n_centroids = trained ? pq.ksub() * pq.dim() : 0;
  const size_t n_rotation = rotation ? pq.dim() * pq.dim() : 0;
  const size_t expected = kHeaderBytes + (n_centroids + n_rotation) * sizeof(float);
  if (bytes.size() != expected) {
    return corruption(fmt::format("PQ image: {} bytes, expected {} for PQ{}x{} dim {}{}{}",
                                  bytes.size(), expected, pq.m(), pq.nbits(), pq.dim(),
                                  trained ? "" : " (untrained)", rotation ? " with rotation" : ""));
  }
  pq.centroids_.resize(n_centroids);
  pq.rotation_.resize(n_rotation);
  if (n_centroids) std::memcpy(pq.centroids_.data(), p + kHeaderBytes, n_centroids * sizeof(float));
  if (n_rotation) {
    std::memcpy(pq.rotation_.data(), p + kHeaderBytes + n_centroids * sizeof(float),
                n_rotation * sizeof(float));
  }
  VECDEX_RETURN_IF_ERROR(check_finite(pq.centroids_.data(), n_centroids, "centroid"));
  VECDEX_RETURN_IF_ERROR(check_finite(pq.rotation_.data(), n_rotation, "rotation"));
  pq.anisotropic_threshold_ = threshold;
  pq.build_transposed();
  return pq;
}

}  // namespace vecdex::quant
