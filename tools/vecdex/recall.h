// recall@k of search results against exact ground truth.
#pragma once

#include <cstddef>

#include "vecdex/dataset.h"
#include "vecdex/index.h"
#include "vecdex/result.h"

namespace vecdex::cli {

// Sum over queries of |returned top-k ∩ true top-k|, divided by the number of true neighbours
// (n * k, less any -1 padding in gt when the base has fewer than k vectors). The true top-k is
// the first k columns of `gt` (a ground-truth file may hold more columns than k). Row i of
// `results` is compared with row i of `gt`; kNoId entries in results never match.
// InvalidArgument when gt has fewer rows than results, fewer than k columns, or results.k < k.
Result<double> recall_at_k(const SearchResults& results, const IdMatrix& gt, size_t k);

}  // namespace vecdex::cli
