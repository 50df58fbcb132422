// ProductQuantizer::train: input checks, the training sample, k-means per sub-space, then the
// optional OPQ rotation (opq.h) and anisotropic refinement (anisotropic.h).
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include <fmt/format.h>

#include "cluster/kmeans.h"
#include "core/distance/distance.h"
#include "core/thread_pool.h"
#include "quant/anisotropic.h"
#include "quant/opq.h"
#include "quant/pq.h"

namespace vecdex::quant {
namespace {

// k-means iterations per sub-space inside OPQ's alternation; the final codebooks get the full
// opts.iterations (FAISS's OPQMatrix uses a similarly short inner PQ training).
constexpr size_t kOpqInnerIterations = 4;
// Rows per parallel task when encoding the training sample.
constexpr size_t kBlockRows = 256;

Status check_options(const PqTrainOptions& opts, Metric metric) {
  if (opts.iterations == 0) return invalid_argument("PQ train: iterations must be at least 1");
  if (opts.max_points_per_centroid == 0)
    return invalid_argument("PQ train: max_points_per_centroid must be at least 1");
  const float t = opts.anisotropic_threshold;
  if (!(t >= 0.0f && t < 1.0f)) {
    return invalid_argument(
        fmt::format("PQ train: anisotropic_threshold {} is outside (0, 1) (0 disables it)", t));
  }
  if (t > 0.0f && metric == Metric::kL2) {
    return invalid_argument(fmt::format(
        "PQ train: anisotropic_threshold {} needs an inner-product or cosine quantizer, not l2",
        t));
  }
  return Status();
}

// At most `cap` rows of data, chosen uniformly at random (seeded) and kept in their order.
std::vector<float> training_sample(MatrixView data, size_t cap, uint64_t seed) {
  if (data.rows <= cap) return std::vector<float>(data.data, data.data + data.rows * data.dim);
  std::vector<size_t> idx(data.rows);
  std::iota(idx.begin(), idx.end(), size_t{0});
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < cap; ++i) {
    std::uniform_int_distribution<size_t> pick(i, data.rows - 1);
    std::swap(idx[i], idx[pick(rng)]);
  }
  idx.resize(cap);
  std::sort(idx.begin(), idx.end());
  std::vector<float> out(cap * data.dim);
  for (size_t i = 0; i < cap; ++i)
    std::copy(data.row(idx[i]), data.row(idx[i]) + data.dim, out.begin() + i * data.dim);
  return out;
}

}  // namespace

Status ProductQuantizer::train(MatrixView data, const PqTrainOptions& opts) {
  if (dim_ == 0) return failed_precondition("PQ train: quantizer was not created");
  if (data.dim != dim_) {
    return invalid_argument(fmt::format("PQ train: data has dim {}, quantizer dim is {}", data.dim,
                                        dim_));
  }
  if (data.rows < ksub()) {
    return invalid_argument(fmt::format(
        "PQ train: {} training rows, need at least ksub = {} (2^{} centroids per sub-space)",
        data.rows, ksub(), nbits_));
  }
  VECDEX_RETURN_IF_ERROR(check_options(opts, metric_));
  for (size_t i = 0; i < data.rows * data.dim; ++i) {
    if (!std::isfinite(data.data[i])) {
      return invalid_argument(fmt::format("PQ train: row {} dimension {} is {}", i / dim_,
                                          i % dim_, data.data[i]));
    }
  }
  std::vector<float> sample =
      training_sample(data, ksub() * opts.max_points_per_centroid, opts.seed);
  Status status = train_unchecked(MatrixView{sample.data(), sample.size() / dim_, dim_}, opts);
  if (!status.ok()) {
    centroids_.clear();
    centroids_t_.clear();
    rotation_.clear();
    anisotropic_threshold_ = 0.0f;
  }
  return status;
}

Status ProductQuantizer::train_unchecked(MatrixView sample, const PqTrainOptions& opts) {
  centroids_.clear();
  centroids_t_.clear();
  rotation_.clear();
  anisotropic_threshold_ = 0.0f;  // encode_rotated stays isotropic until the end
  const size_t n = sample.rows;
  ThreadPool& pool = default_thread_pool();
  const size_t blocks = (n + kBlockRows - 1) / kBlockRows;

  std::vector<float> rotated;
  MatrixView x = sample;
  if (opts.opq) {
    // Ge et al.'s non-parametric OPQ: start from R = I, alternate codebooks and Procrustes.
    std::vector<float> r(dim_ * dim_, 0.0f);
    for (size_t a = 0; a < dim_; ++a) r[a * dim_ + a] = 1.0f;
    rotated.resize(n * dim_);
    std::vector<float> decoded(n * dim_);
    for (size_t round = 0; round < opts.opq_iterations; ++round) {
      opq::rotate_rows(sample, r.data(), rotated.data(), opts.threads);
      const MatrixView xr{rotated.data(), n, dim_};
      VECDEX_ASSIGN_OR_RETURN(centroids_,
                              train_codebooks(xr, opts, std::min(opts.iterations, kOpqInnerIterations)));
      build_transposed();
      pool.parallel_for(blocks, opts.threads, [&](size_t block, size_t) {
        std::vector<uint8_t> code(code_bytes());
        for (size_t i = block * kBlockRows; i < std::min(n, (block + 1) * kBlockRows); ++i) {
          encode_rotated(xr.row(i), code.data());
          decode_rotated(code.data(), decoded.data() + i * dim_);
        }
      });
      VECDEX_ASSIGN_OR_RETURN(
          r, opq::procrustes_rotation(sample, MatrixView{decoded.data(), n, dim_}, opts.threads));
    }
    opq::rotate_rows(sample, r.data(), rotated.data(), opts.threads);
    x = MatrixView{rotated.data(), n, dim_};
    rotation_ = std::move(r);
  }
  VECDEX_ASSIGN_OR_RETURN(centroids_, train_codebooks(x, opts, opts.iterations));
  build_transposed();

  if (opts.anisotropic_threshold > 0.0f) {
    // Guo et al. §4: start from the isotropic codes, then alternate score-aware assignment and
    // the least-squares codebook update.
    const double eta = anisotropic::parallel_weight(opts.anisotropic_threshold, dim_);
    const size_t ks = ksub();
    const size_t ds = dsub();
    std::vector<uint32_t> labels(n * m_);
    pool.parallel_for(blocks, opts.threads, [&](size_t block, size_t) {
      const auto& k = distance::kernels();
      std::vector<float> dist(ks);
      for (size_t i = block * kBlockRows; i < std::min(n, (block + 1) * kBlockRows); ++i) {
        for (size_t j = 0; j < m_; ++j) {
          k.l2_f32_many(x.row(i) + j * ds, centroids_.data() + j * ks * ds, ks, ds, dist.data());
          labels[i * m_ + j] = static_cast<uint32_t>(std::min_element(dist.begin(), dist.end()) -
                                                     dist.begin());
        }
      }
    });
    for (size_t round = 0; round < opts.anisotropic_iterations; ++round) {
      build_transposed();
      const anisotropic::Codebooks books{centroids_.data(), m_, ks, ds,
                                         centroids_t_.empty() ? nullptr : centroids_t_.data()};
      pool.parallel_for(blocks, opts.threads, [&](size_t block, size_t) {
        for (size_t i = block * kBlockRows; i < std::min(n, (block + 1) * kBlockRows); ++i) {
          anisotropic::refine_labels(books, x.row(i), eta, anisotropic::kMaxEncodePasses,
                                     labels.data() + i * m_);
        }
      });
      anisotropic::update_codebooks(centroids_.data(), m_, ks, ds, x, labels.data(), eta,
                                    opts.threads);
    }
    build_transposed();
    anisotropic_threshold_ = opts.anisotropic_threshold;
  }
  return Status();
}

Result<std::vector<float>> ProductQuantizer::train_codebooks(MatrixView rotated,
                                                             const PqTrainOptions& opts,
                                                             size_t iterations) const {
  const size_t n = rotated.rows;
  const size_t ks = ksub();
  const size_t ds = dsub();
  std::vector<float> books(ks * dim_);
  std::vector<Status> status(m_);
  // Sub-spaces in parallel; k-means itself gets the threads left over (its result does not
  // depend on its thread count, so neither does ours).
  const size_t threads = resolve_thread_count(opts.threads);
  const size_t outer = std::min(threads, m_);
  const uint32_t inner = static_cast<uint32_t>(std::max<size_t>(1, threads / outer));
  default_thread_pool().parallel_for(m_, outer, [&](size_t j, size_t) {
    std::vector<float> sub(n * ds);
    for (size_t i = 0; i < n; ++i)
      std::copy(rotated.row(i) + j * ds, rotated.row(i) + (j + 1) * ds, sub.begin() + i * ds);
    cluster::KMeansOptions km;
    km.k = ks;
    km.iterations = iterations;
    km.max_points_per_centroid = opts.max_points_per_centroid;
    km.seed = opts.seed + j;
    km.threads = inner;
    Result<cluster::KMeansResult> result = cluster::kmeans(MatrixView{sub.data(), n, ds}, km);
    if (!result.ok()) {
      status[j] = result.status().with_context(fmt::format("PQ train: sub-space {}", j));
      return;
    }
    std::copy(result->centroids.begin(), result->centroids.end(), books.begin() + j * ks * ds);
  });
  for (const Status& s : status) VECDEX_RETURN_IF_ERROR(s);
  return books;
}

}  // namespace vecdex::quant
