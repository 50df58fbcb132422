// SQ8 codec (see sq8_codec.h): per-dimension range training, encode / decode, the rescaled query
// for the asymmetric u8 kernels, and the persisted parameters.
#include "quant/sq8_codec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include <fmt/format.h>

#include "core/distance/distance.h"

namespace vecdex::quant {
namespace {

// Squares of scales in this range are normal, finite floats, so the uniform kernel's factor
// scale^2 is never 0 or inf (0 * inf would make a NaN distance).
constexpr float kMinScale = 1e-18f;
constexpr float kMaxScale = 1e18f;

// Parameter bytes: u32 version, u32 dim, u32 flags, then (when trained) dim f32 minimums and dim
// f32 scales, all little-endian.
constexpr uint32_t kParamsVersion = 1;
constexpr uint32_t kFlagTrained = 1;
constexpr size_t kHeaderBytes = 12;

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  const size_t at = out.size();
  out.resize(at + sizeof(v));
  std::memcpy(out.data() + at, &v, sizeof(v));
}

uint32_t get_u32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

class Sq8Codec final : public Codec {
 public:
  Sq8Codec(size_t dim, Metric metric, Sq8Options options)
      : Codec(CodecKind::kSQ8, dim, metric), options_(options) {
    const distance::KernelTable& k = distance::kernels();
    l2_weighted_ = k.l2_sq8_weighted;
    l2_uniform_ = k.l2_sq8_uniform;
    ip_ = k.ip_f32_u8;
    set_params(std::vector<float>(dim, 0.0f), std::vector<float>(dim, 1.0f));
  }

  size_t code_bytes() const override { return dim(); }
  bool is_trained() const override { return trained_; }

  Status train(MatrixView sample) override {
    if (sample.dim != dim()) {
      return invalid_argument(
          fmt::format("SQ8 train: sample has dim {}, expected {}", sample.dim, dim()));
    }
    if (sample.rows == 0 || sample.data == nullptr)
      return invalid_argument("SQ8 train: the sample is empty; at least one vector is needed");
    std::vector<float> lo(dim()), hi(dim());
    bool integers = true;
    for (size_t j = 0; j < dim(); ++j)
      lo[j] = hi[j] = sample.row(0)[j];
    for (size_t i = 0; i < sample.rows; ++i) {
      const float* x = sample.row(i);
      for (size_t j = 0; j < dim(); ++j) {
        if (!std::isfinite(x[j])) {
          return invalid_argument(fmt::format(
              "SQ8 train: sample row {} dimension {} is {}; values must be finite", i, j, x[j]));
        }
        lo[j] = std::min(lo[j], x[j]);
        hi[j] = std::max(hi[j], x[j]);
        integers = integers && x[j] == std::nearbyint(x[j]);
      }
    }
    std::vector<float> scale(dim());
    bool byte_ranges = integers;
    for (size_t j = 0; j < dim() && byte_ranges; ++j)
      byte_ranges = static_cast<double>(hi[j]) - lo[j] <= 255.0;
    if (byte_ranges) {
      // 8-bit integer data: the unit grid from each minimum is lossless.
      std::fill(scale.begin(), scale.end(), 1.0f);
    } else {
      if (options_.trim > 0.0)
        trim_ranges(sample, lo, hi);
      compute_scales(lo, hi, scale);
    }
    set_params(std::move(lo), std::move(scale));
    trained_ = true;
    return Status();
  }

  void encode(const float* x, uint8_t* code) const override {
    for (size_t j = 0; j < dim(); ++j) {
      const float v = (x[j] - min_[j]) / scale_[j];
      // Written so that NaN lands on 0; +0.5 then truncation rounds half up on [0, 255].
      const float clamped = v > 0.0f ? std::min(v, 255.0f) : 0.0f;
      code[j] = static_cast<uint8_t>(clamped + 0.5f);
    }
  }

  void decode(const uint8_t* code, float* x) const override {
    for (size_t j = 0; j < dim(); ++j)
      x[j] = min_[j] + scale_[j] * static_cast<float>(code[j]);
  }

  void prepare(const float* query, PreparedQuery& out) const override {
    const size_t n = dim();
    if (metric() == Metric::kL2) {
      if (uniform_) {
        // Code units, q'_j = (q_j - min_j) / scale: the kernel needs one subtraction per element
        // and multiplies the sum by scale^2 once.
        float* q = reset_query(out, n, l2_uniform_, &uniform_weight_, n);
        for (size_t j = 0; j < n; ++j)
          q[j] = (query[j] - min_[j]) / scale_[0];
        return;
      }
      // Original units, q''_j = q_j - min_j: the kernel forms q''_j - scale_j c_j with one FMA
      // (no division of the query, no per-dimension weight multiply).
      float* q = reset_query(out, n, l2_weighted_, scale_.data(), n);
      for (size_t j = 0; j < n; ++j)
        q[j] = query[j] - min_[j];
      return;
    }
    // -<q, min + scale * c> = -sum_j q_j min_j + sum_j (-q_j scale_j) c_j: the constant rides
    // after the scaled query and reaches the kernel as its params (the kernel adds params[0]).
    float* q = reset_query(out, n + 1, ip_, nullptr, n);
    q = reset_query(out, n + 1, ip_, q + n, n);  // same size: the buffer does not move
    double bias = 0.0;
    for (size_t j = 0; j < n; ++j) {
      q[j] = -query[j] * scale_[j];
      bias += static_cast<double>(query[j]) * min_[j];
    }
    q[n] = static_cast<float>(-bias);
  }

  std::vector<uint8_t> serialize_params() const override {
    std::vector<uint8_t> out;
    out.reserve(kHeaderBytes + (trained_ ? 2 * dim() * sizeof(float) : 0));
    put_u32(out, kParamsVersion);
    put_u32(out, static_cast<uint32_t>(dim()));
    put_u32(out, trained_ ? kFlagTrained : 0);
    if (trained_) {
      const size_t at = out.size();
      out.resize(at + 2 * dim() * sizeof(float));
      std::memcpy(out.data() + at, min_.data(), dim() * sizeof(float));
      std::memcpy(out.data() + at + dim() * sizeof(float), scale_.data(), dim() * sizeof(float));
    }
    return out;
  }

  Status deserialize_params(std::span<const uint8_t> bytes) override {
    if (bytes.size() < kHeaderBytes) {
      return corruption(fmt::format("SQ8 parameters: {} bytes, expected at least {}",
                                    bytes.size(), kHeaderBytes));
    }
    const uint32_t version = get_u32(bytes.data());
    const uint32_t stored_dim = get_u32(bytes.data() + 4);
    const uint32_t flags = get_u32(bytes.data() + 8);
    if (version != kParamsVersion) {
      return corruption(fmt::format("SQ8 parameters: version {}, expected {}", version,
                                    kParamsVersion));
    }
    if (stored_dim != dim()) {
      return corruption(
          fmt::format("SQ8 parameters: dim {}, expected {}", stored_dim, dim()));
    }
    if ((flags & ~kFlagTrained) != 0)
      return corruption(fmt::format("SQ8 parameters: unknown flags {:#x}", flags));
    const bool trained = (flags & kFlagTrained) != 0;
    const size_t expected = kHeaderBytes + (trained ? 2 * dim() * sizeof(float) : 0);
    if (bytes.size() != expected) {
      return corruption(fmt::format("SQ8 parameters: {} bytes, expected {} for dim {}{}",
                                    bytes.size(), expected, dim(),
                                    trained ? "" : " (untrained)"));
    }
    std::vector<float> lo(dim(), 0.0f), scale(dim(), 1.0f);
    if (trained) {
      std::memcpy(lo.data(), bytes.data() + kHeaderBytes, dim() * sizeof(float));
      std::memcpy(scale.data(), bytes.data() + kHeaderBytes + dim() * sizeof(float),
                  dim() * sizeof(float));
      for (size_t j = 0; j < dim(); ++j) {
        if (!std::isfinite(lo[j]) || !(scale[j] >= kMinScale && scale[j] <= kMaxScale)) {
          return corruption(fmt::format(
              "SQ8 parameters: dimension {} has min {} and scale {}; expected a finite min and "
              "a scale in [{}, {}]",
              j, lo[j], scale[j], kMinScale, kMaxScale));
        }
      }
    }
    set_params(std::move(lo), std::move(scale));
    trained_ = trained;
    return Status();
  }

 private:
  // Narrows [lo, hi] per dimension to the sample's trim and 1 - trim quantiles.
  void trim_ranges(MatrixView sample, std::vector<float>& lo, std::vector<float>& hi) const {
    const size_t cut = static_cast<size_t>(options_.trim * static_cast<double>(sample.rows));
    if (cut == 0)
      return;
    std::vector<float> column(sample.rows);
    for (size_t j = 0; j < dim(); ++j) {
      for (size_t i = 0; i < sample.rows; ++i)
        column[i] = sample.row(i)[j];
      std::nth_element(column.begin(), column.begin() + cut, column.end());
      lo[j] = column[cut];
      const size_t top = sample.rows - 1 - cut;
      std::nth_element(column.begin(), column.begin() + top, column.end());
      hi[j] = column[top];
    }
  }

  // scale_j = (hi_j - lo_j) / 255, computed in double (the difference may overflow f32), with
  // constant dimensions borrowing the largest scale so that uniform data stay uniform.
  static void compute_scales(const std::vector<float>& lo, const std::vector<float>& hi,
                             std::vector<float>& scale) {
    float largest = 0.0f;
    for (size_t j = 0; j < lo.size(); ++j) {
      const double s = (static_cast<double>(hi[j]) - lo[j]) / 255.0;
      scale[j] = s >= kMinScale ? static_cast<float>(std::min<double>(s, kMaxScale)) : 0.0f;
      largest = std::max(largest, scale[j]);
    }
    const float fill = largest > 0.0f ? largest : 1.0f;
    for (float& s : scale) {
      if (s == 0.0f)
        s = fill;
    }
  }

  void set_params(std::vector<float> lo, std::vector<float> scale) {
    min_ = std::move(lo);
    scale_ = std::move(scale);
    uniform_ = true;
    for (size_t j = 0; j < dim(); ++j)
      uniform_ = uniform_ && scale_[j] == scale_[0];
    uniform_weight_ = scale_[0] * scale_[0];
  }

  Sq8Options options_;
  bool trained_ = false;
  bool uniform_ = true;          // every scale_j equal: l2 runs the uniform kernel
  float uniform_weight_ = 1.0f;  // scale^2, the uniform l2 kernel's factor
  std::vector<float> min_;
  std::vector<float> scale_;  // also the per-dimension l2 kernel's params
  PreparedQuery::DistanceFn l2_weighted_ = nullptr;
  PreparedQuery::DistanceFn l2_uniform_ = nullptr;
  PreparedQuery::DistanceFn ip_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<Codec>> make_sq8_codec(size_t dim, Metric metric, Sq8Options options) {
  if (dim == 0)
    return invalid_argument("SQ8 codec: dim must be positive, got 0");
  if (!(options.trim >= 0.0 && options.trim < 0.25)) {
    return invalid_argument(
        fmt::format("SQ8 codec: trim {} is outside [0, 0.25)", options.trim));
  }
  return std::unique_ptr<Codec>(new Sq8Codec(dim, metric, options));
}

}  // namespace vecdex::quant
