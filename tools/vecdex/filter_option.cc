// --filter-fraction: seeded random allowed-id sets and filtered exact ground truth
// (see filter_option.h).
#include "filter_option.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include <fmt/format.h>

#include "vecdex/search_params.h"

#include "common.h"

namespace vecdex::cli {

void add_filter_option(CLI::App& sub, FilterOption& option) {
  option.given = sub.add_option("--filter-fraction", option.fraction,
                                "Filtered search: allow a seeded random fraction (0, 1] of the "
                                "base ids; ground truth is exact over the allowed ids");
  sub.add_option("--filter-seed", option.seed, "Seed choosing the allowed ids")
      ->capture_default_str();
}

size_t allowed_count(size_t n, double fraction) {
  auto m = static_cast<size_t>(std::llround(fraction * static_cast<double>(n)));
  return std::clamp<size_t>(m, 1, n);
}

Result<Filter> make_fraction_filter(size_t n, double fraction, uint64_t seed) {
  if (!(fraction > 0.0 && fraction <= 1.0)) {  // also rejects NaN
    return invalid_argument(fmt::format("--filter-fraction must be in (0, 1], got {}", fraction));
  }
  if (n == 0)
    return invalid_argument("--filter-fraction: the base holds no vectors");
  const size_t m = allowed_count(n, fraction);
  std::vector<uint64_t> words((n + 63) / 64, 0);
  auto test = [&](size_t i) { return ((words[i >> 6] >> (i & 63)) & 1u) != 0; };
  auto set = [&](size_t i) { words[i >> 6] |= uint64_t{1} << (i & 63); };
  if (m == n) {
    for (size_t i = 0; i < n; ++i)
      set(i);
  } else {
    // Floyd's sampling: m distinct ids in O(m) draws, each m-subset equally likely.
    std::mt19937_64 rng(seed);
    for (size_t j = n - m; j < n; ++j) {
      size_t t = std::uniform_int_distribution<size_t>(0, j)(rng);
      set(test(t) ? j : t);
    }
  }
  return Filter::from_bitset(std::move(words));
}

Result<IdMatrix> filtered_exact_neighbours(const FloatMatrix& base, const FloatMatrix& queries,
                                           size_t k, Metric metric, const Filter& filter,
                                           uint32_t threads) {
  if (queries.dim != base.dim) {
    return invalid_argument(
        fmt::format("queries have dim {}, base vectors have dim {}", queries.dim, base.dim));
  }
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> flat, build_index("Flat", base, metric, threads));
  SearchParams params;
  params.threads = threads;
  VECDEX_ASSIGN_OR_RETURN(SearchResults results, flat->search(queries.view(), k, params, &filter));
  return to_id_matrix(results);
}

}  // namespace vecdex::cli
