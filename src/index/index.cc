// Index: the non-virtual public layer. Every input check happens here, once (STYLE.md §3.2);
// families implement the *_impl virtuals on validated input. Also owns the distance sign
// convention: families compute "smaller is better" internal distances (squared L2, or the
// negated inner product) and this layer flips them back into similarities for ip / cosine.
#include "vecdex/index.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <new>
#include <unordered_map>

#include <fmt/format.h>

#include "core/aligned_buffer.h"
#include "index/vector_ops.h"

namespace vecdex {
namespace {

Status check_matrix(MatrixView m, size_t dim, std::string_view op, std::string_view noun) {
  if (m.rows == 0) return Status();
  if (m.dim != dim) {
    return invalid_argument(fmt::format("{}: {} have dim {}, index dim is {}", op, noun, m.dim, dim));
  }
  if (m.data == nullptr) {
    return invalid_argument(fmt::format("{}: {} data is null for {} rows", op, noun, m.rows));
  }
  return Status();
}

// Negates internal distances of similarity metrics in place (padding +inf becomes -inf).
void flip_sign(std::vector<float>& distances) {
  for (float& d : distances) d = -d;
}

// Cosine queries are normalised into a private copy; other metrics use the caller's memory.
struct PreparedQueries {
  MatrixView view;
  AlignedBuffer<float> storage;
};

Result<PreparedQueries> prepare_queries(MatrixView queries, Metric metric, std::string_view op) {
  PreparedQueries out;
  out.view = queries;
  if (metric != Metric::kCosine || queries.rows == 0) return out;
  VECDEX_RETURN_IF_ERROR(check_nonzero_rows(queries, op, "query"));
  VECDEX_RETURN_IF_ERROR(out.storage.resize_exact(queries.rows * queries.dim));
  normalize_rows(queries, out.storage.data());
  out.view = MatrixView{out.storage.data(), queries.rows, queries.dim};
  return out;
}

}  // namespace

Status Index::train(MatrixView data, const BuildOptions& options) {
  VECDEX_RETURN_IF_ERROR(check_matrix(data, dim_, "train", "vectors"));
  VECDEX_RETURN_IF_ERROR(check_finite(data, "train", "vector"));
  if (data.rows == 0) return train_impl(MatrixView{data.data, 0, dim_}, options);
  return train_impl(data, options);
}

Status Index::add(std::span<const Id> ids, MatrixView data, const BuildOptions& options) {
  if (ids.size() != data.rows) {
    return invalid_argument(fmt::format("add: {} ids for {} vectors; expected one id per vector",
                                        ids.size(), data.rows));
  }
  if (data.rows == 0) return Status();
  VECDEX_RETURN_IF_ERROR(check_matrix(data, dim_, "add", "vectors"));
  if (!is_trained()) {
    return failed_precondition(fmt::format("add: {} index must be trained before add", spec_));
  }
  for (size_t i = 0; i < ids.size(); ++i) {
    if (ids[i] == kNoId) {
      return invalid_argument(fmt::format("add: row {} uses id {}, which is reserved for padding",
                                          i, kNoId));
    }
  }
  VECDEX_RETURN_IF_ERROR(check_finite(data, "add", "vector", ids));
  if (metric_ == Metric::kCosine) {
    VECDEX_RETURN_IF_ERROR(check_nonzero_rows(data, "add", "vector", ids));
  }
  try {
    std::unordered_map<Id, size_t> first_row;
    first_row.reserve(ids.size());
    for (size_t i = 0; i < ids.size(); ++i) {
      auto [it, inserted] = first_row.emplace(ids[i], i);
      if (!inserted) {
        return invalid_argument(fmt::format("add: id {} appears twice in one call (rows {} and {})",
                                            ids[i], it->second, i));
      }
    }
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("add: out of memory checking {} ids", ids.size()));
  }
  return add_impl(ids, data, options);
}

Result<size_t> Index::remove(std::span<const Id> ids) {
  if (!supports_remove()) {
    return unimplemented(fmt::format("remove: the {} index does not support remove", spec_));
  }
  if (ids.empty()) return size_t{0};
  return remove_impl(ids);
}

Result<size_t> Index::remove_impl(std::span<const Id> ids) {
  return unimplemented(fmt::format("remove: the {} index does not support remove", spec_));
}

Status Index::check_search_params(const SearchParams& params, std::string_view op) const {
  if (!params.any_set()) return Status();  // the common case; keys_set() allocates
  std::vector<std::string> accepted = accepted_search_keys();
  for (const std::string& key : params.keys_set()) {
    if (std::find(accepted.begin(), accepted.end(), key) == accepted.end()) {
      return invalid_argument(fmt::format("{}: parameter '{}' is not used by {}; accepted: {}", op,
                                          key, spec_, fmt::join(accepted, ", ")));
    }
  }
  return Status();
}

Result<SearchResults> Index::search(MatrixView queries, size_t k, const SearchParams& params,
                                    const Filter* filter) const {
  if (k == 0 || k > kMaxK) {
    return invalid_argument(fmt::format("search: k must be in [1, {}], got {}", kMaxK, k));
  }
  VECDEX_RETURN_IF_ERROR(check_search_params(params, "search"));
  SearchResults out;
  out.n = queries.rows;
  out.k = k;
  if (queries.rows == 0) return out;
  VECDEX_RETURN_IF_ERROR(check_matrix(queries, dim_, "search", "queries"));
  if (!is_trained()) {
    return failed_precondition(fmt::format("search: {} index must be trained first", spec_));
  }
  VECDEX_RETURN_IF_ERROR(check_finite(queries, "search", "query"));
  VECDEX_ASSIGN_OR_RETURN(PreparedQueries prepared, prepare_queries(queries, metric_, "search"));
  size_t total = 0;
  if (__builtin_mul_overflow(queries.rows, k, &total) ||
      total > std::numeric_limits<size_t>::max() / sizeof(Id)) {
    return resource_exhausted(fmt::format("search: {} queries x k={} results do not fit in memory",
                                          queries.rows, k));
  }
  try {
    out.ids.assign(total, kNoId);
    out.distances.assign(total, std::numeric_limits<float>::infinity());
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format(
        "search: out of memory allocating {} x {} results", queries.rows, k));
  }
  VECDEX_RETURN_IF_ERROR(search_impl(prepared.view, k, params, filter, out));
  if (metric_is_similarity(metric_)) flip_sign(out.distances);
  return out;
}

Result<RangeSearchResults> Index::range_search(MatrixView queries, float radius,
                                               const SearchParams& params,
                                               const Filter* filter) const {
  if (!supports_range_search()) {
    return unimplemented(fmt::format("range_search: the {} index does not support range search",
                                     spec_));
  }
  if (std::isnan(radius)) return invalid_argument("range_search: radius is NaN");
  VECDEX_RETURN_IF_ERROR(check_search_params(params, "range_search"));
  RangeSearchResults out;
  out.n = queries.rows;
  out.offsets.assign(queries.rows + 1, 0);
  if (queries.rows == 0) return out;
  VECDEX_RETURN_IF_ERROR(check_matrix(queries, dim_, "range_search", "queries"));
  VECDEX_RETURN_IF_ERROR(check_finite(queries, "range_search", "query"));
  VECDEX_ASSIGN_OR_RETURN(PreparedQueries prepared,
                          prepare_queries(queries, metric_, "range_search"));
  // Internal convention: hits have internal distance < threshold. For similarities that is
  // -similarity < -radius, i.e. similarity > radius.
  float internal_radius = metric_is_similarity(metric_) ? -radius : radius;
  try {
    VECDEX_RETURN_IF_ERROR(range_search_impl(prepared.view, internal_radius, params, filter, out));
  } catch (const std::bad_alloc&) {
    return resource_exhausted("range_search: out of memory collecting results");
  }
  if (metric_is_similarity(metric_)) flip_sign(out.distances);
  return out;
}

Status Index::range_search_impl(MatrixView queries, float radius, const SearchParams& params,
                                const Filter* filter, RangeSearchResults& out) const {
  return unimplemented(fmt::format("range_search: the {} index does not support range search",
                                   spec_));
}

Status Index::save(const std::filesystem::path& path) const { return save_impl(path); }

}  // namespace vecdex
