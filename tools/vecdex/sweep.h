// The `--sweep` grammar of `vecdex bench`: groups separated by ';', each `key=v1,v2,...`.
// "nprobe=4,8;rerank=20,100" expands to the cross product, first key varying slowest:
//   "nprobe=4,rerank=20", "nprobe=4,rerank=100", "nprobe=8,rerank=20", "nprobe=8,rerank=100".
// Each result is a search-parameter string for parse_search_params (which checks key names
// and values); this unit checks only the shape.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "vecdex/result.h"

namespace vecdex::cli {

// Expands a sweep. Blank text yields one empty parameter string (a single run with defaults).
// InvalidArgument, naming the bad token, for a group without '=', an empty key or value,
// a key given twice, or a value holding '=' or whitespace. Combinations above 10000 are
// InvalidArgument too (almost surely a typo).
Result<std::vector<std::string>> expand_sweep(std::string_view text);

}  // namespace vecdex::cli
