// generate_clustered: a seeded Gaussian mixture. Uses std::mt19937_64 (fully specified by the
// standard) and our own uniform and Box-Muller transforms, because std::normal_distribution
// differs between standard libraries; the same spec gives the same bytes everywhere.
#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <numbers>
#include <random>

#include "core/dataset/file_io.h"
#include "vecdex/dataset.h"

namespace vecdex {
namespace {

// SplitMix64 step: derives independent stream seeds from the user's seed, so the queries do
// not depend on n and the centres do not depend on either.
uint64_t mix_seed(uint64_t seed, uint64_t stream) {
  uint64_t z = seed + 0x9e3779b97f4a7c15ull * (stream + 1);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

class Gaussian {
 public:
  explicit Gaussian(uint64_t seed) : rng_(seed) {}

  // Uniform in (0, 1]: 53 random bits, shifted off zero so log() is finite.
  double uniform() { return (static_cast<double>(rng_() >> 11) + 1.0) * 0x1.0p-53; }
  uint64_t below(uint64_t n) { return rng_() % n; }  // bias < n / 2^64, negligible here

  // Standard normal via Box-Muller, caching the second value of each pair.
  double next() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double r = std::sqrt(-2.0 * std::log(uniform()));
    double theta = 2.0 * std::numbers::pi * uniform();
    spare_ = r * std::sin(theta);
    has_spare_ = true;
    return r * std::cos(theta);
  }

 private:
  std::mt19937_64 rng_;
  double spare_ = 0.0;
  bool has_spare_ = false;
};

// Fills `rows` points, each a uniformly chosen centre plus N(0, 1) noise per coordinate.
Status sample(const std::vector<double>& centres, size_t clusters, size_t rows, size_t dim,
              uint64_t seed, FloatMatrix* out) {
  size_t n = 0;
  if (!dataset::checked_mul(rows, dim, &n)) {
    return invalid_argument(fmt::format("{} x {} overflows the addressable size", rows, dim));
  }
  VECDEX_RETURN_IF_ERROR(dataset::checked_resize(out->data, n));
  out->rows = rows;
  out->dim = dim;
  Gaussian g(seed);
  for (size_t i = 0; i < rows; ++i) {
    const double* c = centres.data() + g.below(clusters) * dim;
    float* dst = out->data.data() + i * dim;
    for (size_t j = 0; j < dim; ++j) dst[j] = static_cast<float>(c[j] + g.next());
  }
  return Status();
}

}  // namespace

Result<SyntheticData> generate_clustered(const SyntheticSpec& spec) {
  if (spec.n == 0) return invalid_argument("synthetic: n must be at least 1");
  if (spec.dim == 0 || spec.dim > dataset::kMaxDim) {
    return invalid_argument(fmt::format("synthetic: dim {} is out of range; expected 1..{}",
                                        spec.dim, dataset::kMaxDim));
  }
  if (spec.clusters == 0 || spec.clusters > spec.n) {
    return invalid_argument(fmt::format("synthetic: clusters {} is out of range; expected 1..n "
                                        "({})", spec.clusters, spec.n));
  }
  if (!std::isfinite(spec.spread) || spec.spread < 0.0f) {
    return invalid_argument(fmt::format("synthetic: spread {} must be finite and >= 0",
                                        spec.spread));
  }
  size_t centre_values = 0;
  if (!dataset::checked_mul(spec.clusters, spec.dim, &centre_values)) {
    return invalid_argument("synthetic: clusters x dim overflows the addressable size");
  }
  std::vector<double> centres;
  VECDEX_RETURN_IF_ERROR(dataset::checked_resize(centres, centre_values));
  Gaussian g(mix_seed(spec.seed, 0));
  for (double& c : centres) c = spec.spread * g.next();

  SyntheticData out;
  VECDEX_RETURN_IF_ERROR(sample(centres, spec.clusters, spec.n, spec.dim,
                                mix_seed(spec.seed, 1), &out.base));
  VECDEX_RETURN_IF_ERROR(sample(centres, spec.clusters, spec.n_queries, spec.dim,
                                mix_seed(spec.seed, 2), &out.queries));
  return out;
}

}  // namespace vecdex
