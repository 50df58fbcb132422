// Seeded random data for tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <vector>

namespace vecdex::testing {

// rows x dim floats, uniform in [-1, 1), deterministic for a seed.
inline std::vector<float> random_floats(size_t rows, size_t dim, uint64_t seed = 1) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> out(rows * dim);
  for (float& v : out) v = dist(rng);
  return out;
}

}  // namespace vecdex::testing
