// Helpers shared by the vecdex subcommands: timing, loading inputs with clear errors, building
// an index over rows 0..n-1, exact ground truth, and turning SearchResults into an ivecs matrix.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "vecdex/dataset.h"
#include "vecdex/index.h"
#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex::cli {

// Wall-clock stopwatch (steady clock), started on construction.
class Stopwatch {
 public:
  Stopwatch() : start_(std::chrono::steady_clock::now()) {}
  double seconds() const {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }

 private:
  std::chrono::steady_clock::time_point start_;
};

// Reads vectors from any format dataset.h knows (max_rows = 0: all). Errors name `what`
// ("--data", "--queries") and the path; an empty file is InvalidArgument.
Result<FloatMatrix> load_vectors(const std::string& path, size_t max_rows, std::string_view what);

// k must be in [1, Index::kMaxK].
Status check_k(size_t k);

// Parses a metric name for option `what`; the error lists l2, ip, cosine.
Result<Metric> parse_metric_option(std::string_view text);

// make_index(spec) + train + add with ids 0..n-1 (row numbers). `threads` (0 = all cores) is
// used by families whose build is parallel.
Result<std::unique_ptr<Index>> build_index(std::string_view spec, const FloatMatrix& data,
                                           Metric metric, uint32_t threads);

// Exact k nearest neighbours of every query among base rows (row numbers), by a Flat index
// searched with `threads` threads (0 = all cores). Rows shorter than k (k > n) end with -1.
Result<IdMatrix> exact_neighbours(const FloatMatrix& base, const FloatMatrix& queries, size_t k,
                                  Metric metric, uint32_t threads);

// Result ids as int32 row numbers for .ivecs (kNoId -> -1). OutOfRange when an id does not fit.
Result<IdMatrix> to_id_matrix(const SearchResults& results);

// A short dataset label from a path: "data/sift_base.fvecs" -> "sift_base",
// "fashion-mnist.hdf5:train" -> "fashion-mnist",
// ".../fashion-mnist/train-images-idx3-ubyte.gz" -> "fashion-mnist" (IDX: the folder's name).
std::string dataset_label(std::string_view path);

}  // namespace vecdex::cli
