// --filter-fraction F for `vecdex bench` (and `vecdex churn`): filtered search benchmarks.
// A Filter allowing a seeded random F of the base ids (row numbers 0..n-1), and exact ground
// truth under that filter (Flat + the same filter, i.e. brute force over the allowed points),
// so recall@k of a filtered search is measured against the right answer.
#pragma once

#include <cstddef>
#include <cstdint>

#include <CLI/CLI.hpp>

#include "vecdex/dataset.h"
#include "vecdex/filter.h"
#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex::cli {

struct FilterOption {
  double fraction = 1.0;         // allowed fraction of the base, in (0, 1]
  uint64_t seed = 42;            // which ids are allowed
  CLI::Option* given = nullptr;  // --filter-fraction, to tell "absent" from a value

  bool active() const { return given != nullptr && given->count() > 0; }
};

// Registers --filter-fraction and --filter-seed on `sub`.
void add_filter_option(CLI::App& sub, FilterOption& option);

// Number of ids a fraction allows out of n: round(fraction * n), at least 1.
size_t allowed_count(size_t n, double fraction);

// Allows exactly allowed_count(n, fraction) ids of [0, n), drawn uniformly without replacement
// with a generator seeded by `seed` (same n, fraction, seed: same set). A dense bitset.
// InvalidArgument unless 0 < fraction <= 1 and n > 0.
Result<Filter> make_fraction_filter(size_t n, double fraction, uint64_t seed);

// Exact k nearest allowed neighbours (row numbers) of every query among the base rows: a Flat
// index over ids 0..n-1 searched with `filter` on `threads` threads (0 = all cores). Rows with
// fewer than k allowed neighbours end with -1.
Result<IdMatrix> filtered_exact_neighbours(const FloatMatrix& base, const FloatMatrix& queries,
                                           size_t k, Metric metric, const Filter& filter,
                                           uint32_t threads);

}  // namespace vecdex::cli
