// Index: the one interface every family (Flat, HNSW, IVF, ...) implements. Batch in, batch out.
// Public methods are non-virtual: they validate input once (dimension, NaN/Inf, k, ids, filter,
// "trained yet?") and then call the family's private *_impl virtuals, which may assume valid
// input. Create indexes with make_index() (vecdex/index_factory.h) or load_index().
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vecdex/filter.h"
#include "vecdex/result.h"
#include "vecdex/search_params.h"
#include "vecdex/types.h"

namespace vecdex {

// n x k results of a batch search. Row i holds query i's hits, best first; rows with fewer than
// k hits are padded with kNoId and +inf (L2) / -inf (similarity metrics). See Metric for what
// the distances mean.
struct SearchResults {
  size_t n = 0;
  size_t k = 0;
  std::vector<Id> ids;            // n * k
  std::vector<float> distances;   // n * k

  const Id* ids_row(size_t i) const { return ids.data() + i * k; }
  const float* distances_row(size_t i) const { return distances.data() + i * k; }
};

// Range-search results: for query i, hits [offsets[i], offsets[i+1]) of ids/distances, best first.
struct RangeSearchResults {
  size_t n = 0;
  std::vector<size_t> offsets;  // n + 1
  std::vector<Id> ids;
  std::vector<float> distances;
};

// Figures an index reports about itself.
struct IndexStats {
  std::string family;        // "Flat", "HNSW", ...
  std::string spec;          // the factory string it was built from
  size_t count = 0;          // live vectors
  size_t dim = 0;
  Metric metric = Metric::kL2;
  size_t bytes = 0;          // memory held by the index (vectors, graph, codes)
  std::string simd_target;   // kernel target in use, e.g. "AVX3" (AVX-512), "AVX2", "EMU128"
  std::vector<std::pair<std::string, std::string>> extra;  // family-specific figures
};

// Execution knobs for train() and add(); not properties of the index, so they are not saved.
struct BuildOptions {
  // Threads for training and insertion; 0 = all cores. A one-thread build is deterministic for
  // a fixed seed (families with randomness take the seed as a build option in the spec).
  uint32_t threads = 0;
};

// Thread safety (all families unless their docs say more): const methods (search, range_search,
// stats, save) may run concurrently with each other; add, remove and train need exclusive access.
class Index {
 public:
  virtual ~Index() = default;
  Index(const Index&) = delete;
  Index& operator=(const Index&) = delete;

  size_t dim() const { return dim_; }
  Metric metric() const { return metric_; }
  const std::string& spec() const { return spec_; }
  virtual bool is_trained() const { return true; }
  // Number of live vectors.
  virtual size_t size() const = 0;

  // Learns data-dependent parameters (centroids, codebooks). Families that need none accept and
  // ignore it. InvalidArgument for bad dims or non-finite values.
  Status train(MatrixView data, const BuildOptions& options = {});

  // Adds data.rows vectors with the given external ids (ids.size() == data.rows). Ids must not
  // already be present (AlreadyExists) nor repeat within the call (InvalidArgument); no vector
  // may hold NaN/Inf. On error nothing was added. FailedPrecondition before train when needed.
  Status add(std::span<const Id> ids, MatrixView data, const BuildOptions& options = {});

  // Removes the given ids; returns how many were present. Unknown ids are skipped (counted out).
  // Unimplemented when the family cannot remove.
  Result<size_t> remove(std::span<const Id> ids);
  virtual bool supports_remove() const { return false; }

  // k nearest neighbours for each of queries.rows queries. k must be in [1, kMaxK]; k larger
  // than size() pads rows. `params` keys the family does not use are InvalidArgument. With a
  // filter, only allowed ids are returned (rows padded when fewer are allowed).
  Result<SearchResults> search(MatrixView queries, size_t k, const SearchParams& params = {},
                               const Filter* filter = nullptr) const;

  // All stored vectors within `radius` of each query: L2 distance < radius, or similarity >
  // radius for inner product / cosine. Unimplemented when the family has no range search.
  Result<RangeSearchResults> range_search(MatrixView queries, float radius,
                                          const SearchParams& params = {},
                                          const Filter* filter = nullptr) const;
  virtual bool supports_range_search() const { return false; }

  // Writes the index to one file (docs/file-format.md). IOError on failure; never leaves a
  // half-written file under `path` (writes to a temporary name, then renames).
  Status save(const std::filesystem::path& path) const;

  virtual IndexStats stats() const = 0;

  static constexpr size_t kMaxK = 100000;

 protected:
  Index(size_t dim, Metric metric, std::string spec)
      : dim_(dim), metric_(metric), spec_(std::move(spec)) {}

  // The search keys this family reads; search() rejects the others. Default: {"threads"}.
  virtual std::vector<std::string> accepted_search_keys() const { return {"threads"}; }

 private:
  // InvalidArgument naming the first key of `params` this family does not accept.
  Status check_search_params(const SearchParams& params, std::string_view op) const;

  virtual Status train_impl(MatrixView data, const BuildOptions& options) { return Status(); }
  virtual Status add_impl(std::span<const Id> ids, MatrixView data,
                          const BuildOptions& options) = 0;
  virtual Result<size_t> remove_impl(std::span<const Id> ids);
  // Fills out.ids/out.distances (already sized n*k and padded). Distances use the internal
  // "smaller is better" convention: squared L2, or the NEGATED inner product for ip/cosine;
  // search() flips the sign for similarity metrics before returning.
  virtual Status search_impl(MatrixView queries, size_t k, const SearchParams& params,
                             const Filter* filter, SearchResults& out) const = 0;
  // Same convention: radius arrives as an internal distance (negated for similarity metrics).
  virtual Status range_search_impl(MatrixView queries, float radius, const SearchParams& params,
                                   const Filter* filter, RangeSearchResults& out) const;
  virtual Status save_impl(const std::filesystem::path& path) const = 0;

  size_t dim_;
  Metric metric_;
  std::string spec_;
};

}  // namespace vecdex
