// recall@k (see recall.h).
#include "recall.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include <fmt/format.h>

namespace vecdex::cli {

Result<double> recall_at_k(const SearchResults& results, const IdMatrix& gt, size_t k) {
  if (k == 0) return invalid_argument("recall@k: k must be at least 1");
  if (results.k < k) {
    return invalid_argument(fmt::format("recall@{}: results hold only {} columns", k, results.k));
  }
  if (gt.cols < k) {
    return invalid_argument(fmt::format(
        "recall@{}: ground truth holds only {} columns per query, need at least {}", k, gt.cols,
        k));
  }
  if (gt.rows < results.n) {
    return invalid_argument(fmt::format(
        "recall@{}: ground truth holds {} rows, but {} queries were searched", k, gt.rows,
        results.n));
  }
  if (results.n == 0) return 0.0;
  std::vector<int32_t> truth(k);
  size_t hits = 0;
  size_t possible = 0;  // true neighbours that exist (gt pads with -1 when k > n)
  for (size_t i = 0; i < results.n; ++i) {
    std::copy_n(gt.row(i), k, truth.begin());
    std::sort(truth.begin(), truth.end());
    possible += static_cast<size_t>(truth.end() - std::upper_bound(truth.begin(), truth.end(), -1));
    const Id* found = results.ids_row(i);
    for (size_t j = 0; j < k; ++j) {
      if (found[j] == kNoId || found[j] > static_cast<Id>(std::numeric_limits<int32_t>::max())) continue;
      auto id = static_cast<int32_t>(found[j]);
      if (id >= 0 && std::binary_search(truth.begin(), truth.end(), id)) ++hits;
    }
  }
  if (possible == 0) return 1.0;  // nothing to find, nothing missed
  return static_cast<double>(hits) / static_cast<double>(possible);
}

}  // namespace vecdex::cli
