// kmeans(): input checks, training-sample selection and the Lloyd loop. The steps live in
// kmeans_init.cc (seeding), kmeans_update.cc (means, empty-cluster repair), assign.cc and
// balanced.cc (assignment). Algorithm and guarantees: cluster/kmeans.h.
#include <algorithm>
#include <cstring>
#include <limits>
#include <new>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "cluster/kmeans.h"
#include "cluster/kmeans_steps.h"

namespace vecdex::cluster {
namespace {

// First non-finite element of `data` in row-major order, as InvalidArgument naming it.
Status check_finite(MatrixView data) {
  for (size_t i = 0; i < data.rows; ++i) {
    const float* x = data.row(i);
    // x - x is 0 for finite x and NaN for NaN/Inf; the sum vectorises without -ffast-math.
    float probe = 0.0f;
    for (size_t d = 0; d < data.dim; ++d) probe += x[d] - x[d];
    if (probe == 0.0f) continue;
    for (size_t d = 0; d < data.dim; ++d) {
      if (!(x[d] - x[d] == 0.0f)) {
        return invalid_argument(fmt::format("kmeans: training row {} has a non-finite value ({}) "
                                            "at dimension {}", i, x[d], d));
      }
    }
  }
  return Status();
}

Status check_options(MatrixView data, const KMeansOptions& options) {
  if (data.dim == 0) return invalid_argument("kmeans: data dim is 0, expected at least 1");
  if (options.k == 0) return invalid_argument("kmeans: k is 0, expected at least 1 centroid");
  if (data.rows > 0 && data.data == nullptr) {
    return invalid_argument(fmt::format("kmeans: data pointer is null for {} rows", data.rows));
  }
  if (options.k > data.rows) {
    return invalid_argument(fmt::format("kmeans: k = {} exceeds the {} training rows",
                                        options.k, data.rows));
  }
  if (options.k > std::numeric_limits<uint32_t>::max()) {
    return invalid_argument(fmt::format("kmeans: k = {} exceeds the 2^32 - 1 label limit",
                                        options.k));
  }
  if (options.max_points_per_centroid == 0) {
    return invalid_argument("kmeans: max_points_per_centroid is 0, expected at least 1");
  }
  const size_t need = (data.rows + options.k - 1) / options.k;
  if (options.max_cluster_size != 0 && options.max_cluster_size < need) {
    return invalid_argument(fmt::format(
        "kmeans: max_cluster_size = {} cannot hold {} rows in {} clusters (need >= {})",
        options.max_cluster_size, data.rows, options.k, need));
  }
  return check_finite(data);
}

class Trainer {
 public:
  Trainer(MatrixView train, const KMeansOptions& options, size_t cap, KMeansResult& result)
      : train_(train), options_(options), cap_(cap), result_(result),
        labels_(train.rows), previous_(train.rows), distances_(train.rows) {}

  Status run(std::mt19937_64& rng) {
    const size_t k = options_.k;
    const size_t dim = train_.dim;
    float* centroids = result_.centroids.data();
    internal::init_centroids(train_, k, options_.init, rng, options_.threads, centroids);
    if (options_.spherical) internal::normalize_rows(centroids, k, dim);
    VECDEX_RETURN_IF_ERROR(assign());
    std::vector<size_t> counts;
    for (size_t it = 0; it < options_.iterations; ++it) {
      internal::update_centroids(train_, labels_.data(), k, options_.threads, centroids, counts);
      result_.empty_cluster_repairs += internal::repair_empty_clusters(k, dim, centroids, counts);
      if (options_.spherical) internal::normalize_rows(centroids, k, dim);
      previous_.swap(labels_);
      VECDEX_RETURN_IF_ERROR(assign());
      ++result_.iterations_run;
      if (previous_ == labels_) break;  // converged: another update would change nothing
    }
    return Status();
  }

 private:
  // Assigns every training row (under the cap when balanced) and sets the objective.
  Status assign() {
    const float* centroids = result_.centroids.data();
    if (cap_ != 0) {
      VECDEX_RETURN_IF_ERROR(assign_balanced(train_, centroids, options_.k, options_.spherical,
                                             cap_, labels_.data(), distances_.data(),
                                             options_.threads));
    } else {
      assign_nearest(train_, centroids, options_.k, options_.spherical, labels_.data(),
                     distances_.data(), options_.threads);
    }
    double objective = 0;
    for (float d : distances_) objective += d;
    result_.objective = objective;
    return Status();
  }

  MatrixView train_;
  const KMeansOptions& options_;
  size_t cap_;
  KMeansResult& result_;
  std::vector<uint32_t> labels_;
  std::vector<uint32_t> previous_;
  std::vector<float> distances_;
};

}  // namespace

Result<KMeansResult> kmeans(MatrixView data, const KMeansOptions& options) {
  VECDEX_RETURN_IF_ERROR(check_options(data, options));
  const size_t k = options.k;
  const size_t dim = data.dim;
  try {
    std::mt19937_64 rng(options.seed);
    size_t budget = std::numeric_limits<size_t>::max();
    if (options.max_points_per_centroid <= budget / k) budget = k * options.max_points_per_centroid;
    MatrixView train = data;
    std::vector<float> sample;
    if (data.rows > budget) {
      const std::vector<size_t> rows = internal::sample_rows(data.rows, budget, rng);
      sample.resize(budget * dim);
      for (size_t i = 0; i < budget; ++i) {
        std::memcpy(sample.data() + i * dim, data.row(rows[i]), dim * sizeof(float));
      }
      train = MatrixView{sample.data(), budget, dim};
    }
    size_t cap = options.max_cluster_size;
    if (cap != 0 && train.rows < data.rows) {
      // Same share of the sample as of the data, rounded up (still >= ceil(sample / k)).
      cap = static_cast<size_t>((static_cast<unsigned __int128>(cap) * train.rows +
                                 data.rows - 1) / data.rows);
    }
    KMeansResult result;
    result.k = k;
    result.dim = dim;
    result.training_rows = train.rows;
    result.centroids.resize(k * dim);
    VECDEX_RETURN_IF_ERROR(Trainer(train, options, cap, result).run(rng));
    return result;
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("kmeans: out of memory training {} centroids of dim {} "
                                          "on {} rows", k, dim, data.rows));
  }
}

}  // namespace vecdex::cluster
