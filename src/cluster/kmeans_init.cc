// Training-sample selection and centroid seeding for kmeans(): uniform row sampling, random
// init, and k-means++ (Arthur & Vassilvitskii, "k-means++: The Advantages of Careful Seeding",
// 2007: each next centre is drawn with probability proportional to its squared distance D^2 to
// the nearest centre chosen so far).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "cluster/kmeans_steps.h"
#include "core/distance/distance.h"
#include "core/thread_pool.h"

namespace vecdex::cluster::internal {
namespace {

constexpr size_t kInitBlock = 4096;  // rows per D^2 update task
// k-means++ runs on at most this many rows per centroid (a uniform subsample, as scikit-learn's
// MiniBatchKMeans seeds on init_size rows): seeding cost stops growing with the data, and Lloyd
// iterations on the full training set wash out the difference. On Fashion-MNIST at k = 1024 this
// cuts seeding ~3.7x (16384 of 60000 rows) for an unchanged final objective (within 0.1%).
constexpr size_t kSeedRowsPerCentroid = 16;

void copy_row(MatrixView data, size_t row, float* out) {
  std::memcpy(out, data.row(row), data.dim * sizeof(float));
}

void init_random(MatrixView data, size_t k, std::mt19937_64& rng, float* centroids) {
  const std::vector<size_t> rows = sample_rows(data.rows, k, rng);
  // sample_rows returns its picks ascending; shuffle so centroid order carries no row order.
  std::vector<size_t> order(rows);
  for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[uniform_below(rng, i)]);
  for (size_t j = 0; j < k; ++j) copy_row(data, order[j], centroids + j * data.dim);
}

// k-means++ with exact pruning by the triangle inequality (Elkan's bounds applied to seeding):
// a row's distance to the new centre is computed only when the new centre might beat the row's
// nearest centre so far (may_improve). The test costs two comparisons per row plus the new
// centre's distances to the earlier ones; seeding on all 60000 Fashion-MNIST rows it skipped
// 55% (k = 256) to 67% (k = 1024) of the distance computations.
class PlusPlusSeeder {
 public:
  PlusPlusSeeder(MatrixView data, size_t k, uint32_t threads, float* centroids)
      : data_(data), k_(k), centroids_(centroids), kt_(distance::kernels()),
        tasks_((data.rows + kInitBlock - 1) / kInitBlock),
        threads_(default_thread_pool().effective_threads(tasks_, threads)),
        nearest_(data.rows), norms_(data.rows), owner_(data.rows, 0), block_weight_(tasks_, 0.0) {}

  void run(std::mt19937_64& rng) {
    size_t pick = uniform_below(rng, data_.rows);
    for (size_t c = 0; c < k_; ++c) {
      add_centre(c, pick);
      if (c + 1 < k_) pick = sample(rng);
    }
  }

 private:
  void add_centre(size_t c, size_t row) {
    const size_t dim = data_.dim;
    float* centre = centroids_ + c * dim;
    std::memcpy(centre, data_.row(row), dim * sizeof(float));
    centre_dist_.resize(c);
    if (c > 0) kt_.l2_f32_many(centre, centroids_, c, dim, centre_dist_.data());
    float centre_norm = 0;
    kt_.norms_f32(centre, 1, dim, &centre_norm);
    centre_norm = std::sqrt(centre_norm);
    default_thread_pool().parallel_for(tasks_, threads_, [&](size_t task, size_t) {
      const size_t r0 = task * kInitBlock;
      const size_t r1 = std::min(data_.rows, r0 + kInitBlock);
      if (c == 0) {
        kt_.l2_f32_many(centre, data_.row(r0), r1 - r0, dim, nearest_.data() + r0);
        kt_.norms_f32(data_.row(r0), r1 - r0, dim, norms_.data() + r0);
        for (size_t i = r0; i < r1; ++i) norms_[i] = std::sqrt(norms_[i]);
      }
      double weight = 0;
      for (size_t i = r0; i < r1; ++i) {
        if (c > 0 && may_improve(i, centre_norm)) {
          const float d = kt_.l2_f32(data_.row(i), centre, dim);
          if (d < nearest_[i]) {
            nearest_[i] = d;
            owner_[i] = static_cast<uint32_t>(c);
          }
        }
        weight += nearest_[i];
      }
      block_weight_[task] = weight;  // per block, summed in block order: thread-independent
    });
  }

  // False when the new centre c (norm centre_norm) provably cannot be closer to row x than x's
  // nearest centre a: ||c - a||^2 >= 4 ||x - a||^2 (triangle inequality), or
  // (||x|| - ||c||)^2 >= ||x - a||^2 (reverse triangle inequality on the norms). The 1e-4 slack
  // keeps rows whose bound is within float rounding of the decision.
  bool may_improve(size_t i, float centre_norm) const {
    const float d2 = nearest_[i] * 1.0001f;
    const float norm_gap = norms_[i] - centre_norm;
    return centre_dist_[owner_[i]] < 4.0f * d2 && norm_gap * norm_gap < d2;
  }

  // Draws the next centre's row with probability D^2 / sum D^2 (uniformly if all D^2 are 0).
  size_t sample(std::mt19937_64& rng) {
    double total = 0;
    for (double w : block_weight_) total += w;
    if (!(total > 0)) return uniform_below(rng, data_.rows);
    double target = uniform_unit(rng) * total;
    size_t task = 0;
    while (task + 1 < tasks_ && !(target < block_weight_[task])) target -= block_weight_[task++];
    const size_t r0 = task * kInitBlock;
    const size_t r1 = std::min(data_.rows, r0 + kInitBlock);
    size_t pick = r1;
    for (size_t i = r0; i < r1; ++i) {
      if (!(nearest_[i] > 0)) continue;
      pick = i;  // the last row with weight, should rounding overrun the block
      if (target < nearest_[i]) break;
      target -= nearest_[i];
    }
    return pick < r1 ? pick : uniform_below(rng, data_.rows);
  }

  MatrixView data_;
  size_t k_;
  float* centroids_;
  const distance::KernelTable& kt_;
  size_t tasks_;    // row blocks of kInitBlock
  size_t threads_;
  std::vector<float> nearest_;       // D^2 of each row to its nearest centre so far
  std::vector<float> norms_;         // ||x|| of each row
  std::vector<uint32_t> owner_;      // that centre
  std::vector<double> block_weight_;  // sum of D^2 per row block
  std::vector<float> centre_dist_;   // new centre to each earlier one, squared
};

void init_plus_plus(MatrixView data, size_t k, std::mt19937_64& rng, uint32_t threads,
                    float* centroids) {
  if (data.rows / kSeedRowsPerCentroid <= k) {
    PlusPlusSeeder(data, k, threads, centroids).run(rng);
    return;
  }
  const size_t count = k * kSeedRowsPerCentroid;
  const std::vector<size_t> rows = sample_rows(data.rows, count, rng);
  std::vector<float> subset(count * data.dim);
  for (size_t i = 0; i < count; ++i) copy_row(data, rows[i], subset.data() + i * data.dim);
  PlusPlusSeeder(MatrixView{subset.data(), count, data.dim}, k, threads, centroids).run(rng);
}

}  // namespace

std::vector<size_t> sample_rows(size_t rows, size_t count, std::mt19937_64& rng) {
  // Selection sampling (Knuth's Algorithm S): row i is taken with probability
  // needed / remaining. One pass, O(count) memory, ascending output (sequential copies).
  std::vector<size_t> picked;
  picked.reserve(count);
  for (size_t i = 0; i < rows && picked.size() < count; ++i) {
    if (uniform_below(rng, rows - i) < count - picked.size()) picked.push_back(i);
  }
  return picked;
}

void init_centroids(MatrixView data, size_t k, KMeansInit init, std::mt19937_64& rng,
                    uint32_t threads, float* centroids) {
  if (init == KMeansInit::kRandom) {
    init_random(data, k, rng, centroids);
  } else {
    init_plus_plus(data, k, rng, threads, centroids);
  }
}

}  // namespace vecdex::cluster::internal
