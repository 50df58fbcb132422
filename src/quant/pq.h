// Product quantizer PQ{m}x{nbits}: the vector is cut into m sub-vectors of dim/m floats and each
// is replaced by the index of its nearest of 2^nbits centroids (nbits 8 or 4), learned per
// sub-space with k-means. Distances are computed from a query by asymmetric distance computation
// (ADC): a lookup table of m x 2^nbits partial distances, summed over the code.
// Options: an OPQ rotation learned before the codebooks (Ge et al., 2013), and ScaNN's
// anisotropic (score-aware) loss for inner-product data (Guo et al., 2020), parameter aq=T.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex::quant {

struct PqTrainOptions {
  size_t iterations = 25;                // k-means iterations per sub-space
  size_t max_points_per_centroid = 256;  // training sample cap (k-means, per sub-space)
  uint64_t seed = 1234;
  uint32_t threads = 0;                  // 0 = all cores
  // OPQ: learn an orthogonal rotation R (dim x dim) that is applied before splitting, by
  // alternating PQ training and a Procrustes solve (SVD via LAPACK), opq_iterations rounds.
  bool opq = false;
  size_t opq_iterations = 10;
  // Anisotropic quantization threshold T in (0, 1) (ScaNN's "anisotropic_quantization_threshold",
  // relative to the datapoint norm); 0 = plain (isotropic) PQ. Only meaningful for inner product:
  // the residual component parallel to the datapoint is weighted eta(T, dim) times more than the
  // orthogonal one, both when assigning codes and when updating the codebooks.
  float anisotropic_threshold = 0.0f;
  // Anisotropic rounds after the isotropic k-means: each re-assigns the training codes by the
  // score-aware loss, then re-solves every codebook for that loss (both steps lower it).
  size_t anisotropic_iterations = 10;
};

// Thread safety: after train(), every const method may run concurrently; train() and
// set_centroids() need exclusive access.
// Untrained use: encode/decode/compute_lut/adc on a quantizer without centroids (is_trained()
// false) is a caller bug, not checked here; callers (IVF, the factory) check is_trained() first.
// Metric::kCosine behaves as kInnerProduct (the caller normalises vectors and queries).
class ProductQuantizer {
 public:
  static constexpr size_t kMaxDim = 65536;

  // InvalidArgument unless 0 < dim <= kMaxDim, m > 0, dim % m == 0 and nbits is 4 or 8.
  static Result<ProductQuantizer> create(size_t dim, size_t m, size_t nbits, Metric metric);
  ProductQuantizer() = default;

  size_t dim() const { return dim_; }
  size_t m() const { return m_; }
  size_t nbits() const { return nbits_; }
  size_t ksub() const { return size_t{1} << nbits_; }  // centroids per sub-space
  size_t dsub() const { return dim_ / m_; }            // floats per sub-vector
  // Bytes of one code: m for 8 bits; ceil(m / 2) for 4 bits, sub-quantizer 2j in the low nibble
  // of byte j and 2j+1 in the high nibble.
  size_t code_bytes() const { return nbits_ == 8 ? m_ : (m_ + 1) / 2; }
  Metric metric() const { return metric_; }
  bool is_trained() const { return !centroids_.empty(); }
  bool has_rotation() const { return !rotation_.empty(); }
  // T from training (0 = isotropic); kept in serialize() since encode() depends on it.
  float anisotropic_threshold() const { return anisotropic_threshold_; }

  // Learns the rotation (with opts.opq) and the codebooks. InvalidArgument when data.dim != dim,
  // data has fewer rows than ksub(), or holds NaN/Inf; or when anisotropic_threshold is set for an
  // L2 quantizer or lies outside (0, 1).
  Status train(MatrixView data, const PqTrainOptions& opts);

  // Installs codebooks directly (tests, or codebooks learned elsewhere): centroids as laid out by
  // centroids() (m * ksub * dsub floats), rotation dim * dim floats or empty for none.
  // InvalidArgument on a wrong size or a non-finite value. The rotation is used as given (it is
  // not checked for orthogonality).
  Status set_centroids(std::span<const float> centroids, std::span<const float> rotation = {});

  // x: dim floats in the original space (the rotation is applied inside). code: code_bytes().
  // Each sub-vector gets its nearest centroid by squared L2; a quantizer trained with an
  // anisotropic threshold then refines the code by coordinate descent on the score-aware loss
  // (a few passes over the sub-spaces), as it did in training.
  void encode(const float* x, uint8_t* code) const;
  // Encodes every row into codes (rows * code_bytes()), in parallel.
  void encode_batch(MatrixView data, uint8_t* codes, uint32_t threads) const;
  // Reconstruction in the original space.
  void decode(const uint8_t* code, float* x) const;
  // Sub-quantizer j's centroid index in `code`.
  uint32_t code_at(const uint8_t* code, size_t j) const {
    return nbits_ == 8 ? code[j] : (code[j >> 1] >> ((j & 1) * 4)) & 0xF;
  }

  // The ADC table for one query (original space): lut[j * ksub() + c] = squared L2 between
  // sub-vector j of the rotated query and centroid c of sub-space j, or minus their inner product
  // (internal "smaller is better" convention). lut holds m() * ksub() floats.
  void compute_lut(const float* query, float* lut) const;
  // lut[j * ksub() + c] = factor * <sub-vector j of `rotated`, centroid c of sub-space j> for a
  // query already rotated (rotate()); IVF's residual tables under L2 use factor -2.
  void compute_dot_lut(const float* rotated, float factor, float* lut) const;
  // sum_j lut[j * ksub() + code_at(code, j)].
  float adc(const float* lut, const uint8_t* code) const;
  // out[i] = adc(lut, codes + i * code_bytes()) for n contiguous codes.
  void adc_many(const float* lut, const uint8_t* codes, size_t n, float* out) const;

  // Applies the rotation (copy when there is none): out = R x. out must not overlap x.
  void rotate(const float* x, float* out) const;

  // m * ksub * dsub floats: centroid c of sub-space j at (j * ksub + c) * dsub.
  std::span<const float> centroids() const { return centroids_; }
  // dim * dim floats, row-major, or empty.
  std::span<const float> rotation() const { return rotation_; }

  // A self-describing byte image (dims, metric, centroids, rotation) and its inverse; deserialize
  // returns Corruption for a short or inconsistent image.
  std::vector<uint8_t> serialize() const;
  static Result<ProductQuantizer> deserialize(std::span<const uint8_t> bytes);

 private:
  // encode/decode of a vector that is already rotated.
  void encode_rotated(const float* xr, uint8_t* code) const;
  void decode_rotated(const uint8_t* code, float* xr) const;
  // Codebooks for rotated training rows (k-means per sub-space, `iterations` each).
  Result<std::vector<float>> train_codebooks(MatrixView rotated, const PqTrainOptions& opts,
                                             size_t iterations) const;
  Status train_unchecked(MatrixView sample, const PqTrainOptions& opts);
  // Rebuilds centroids_t_ from centroids_; called after every change of centroids_.
  void build_transposed();

  size_t dim_ = 0;
  size_t m_ = 0;
  size_t nbits_ = 8;
  Metric metric_ = Metric::kL2;
  std::vector<float> centroids_;
  std::vector<float> rotation_;
  // centroids_ transposed per sub-space (dsub x ksub): distances to all ksub centroids become
  // dsub passes over contiguous floats, which the compiler vectorises (dsub is often 2..8, too
  // short for a per-centroid kernel call to pay off).
  // Built only for dsub <= kMaxTransposedDsub; longer sub-vectors use the SIMD kernels.
  static constexpr size_t kMaxTransposedDsub = 16;
  std::vector<float> centroids_t_;
  float anisotropic_threshold_ = 0.0f;
};

}  // namespace vecdex::quant
