// Helpers shared by the vecdex subcommands (see common.h).
#include "common.h"

#include <filesystem>
#include <limits>
#include <numeric>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "vecdex/index_factory.h"
#include "vecdex/search_params.h"

namespace vecdex::cli {

Result<FloatMatrix> load_vectors(const std::string& path, size_t max_rows, std::string_view what) {
  ReadOptions options;
  options.max_rows = max_rows;
  Result<FloatMatrix> m = read_vectors(path, options);
  if (!m.ok()) return m.status().with_context(what);
  if (m->rows == 0 || m->dim == 0) {
    return invalid_argument(fmt::format("{}: {} holds no vectors", what, path));
  }
  return m;
}

Status check_k(size_t k) {
  if (k == 0 || k > Index::kMaxK) {
    return invalid_argument(fmt::format("--k must be in [1, {}], got {}", Index::kMaxK, k));
  }
  return Status();
}

Result<Metric> parse_metric_option(std::string_view text) {
  Result<Metric> m = parse_metric(text);
  if (!m.ok()) {
    return invalid_argument(
        fmt::format("--metric: unknown metric '{}'; expected l2, ip or cosine", text));
  }
  return m;
}

Result<std::unique_ptr<Index>> build_index(std::string_view spec, const FloatMatrix& data,
                                           Metric metric, uint32_t threads) {
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> index, make_index(spec, data.dim, metric));
  BuildOptions options;
  options.threads = threads;
  VECDEX_RETURN_IF_ERROR(index->train(data.view(), options));
  std::vector<Id> ids(data.rows);
  std::iota(ids.begin(), ids.end(), Id{0});
  VECDEX_RETURN_IF_ERROR(index->add(ids, data.view(), options));
  return index;
}

Result<IdMatrix> exact_neighbours(const FloatMatrix& base, const FloatMatrix& queries, size_t k,
                                  Metric metric, uint32_t threads) {
  if (queries.dim != base.dim) {
    return invalid_argument(fmt::format("queries have dim {}, base vectors have dim {}",
                                        queries.dim, base.dim));
  }
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> flat, build_index("Flat", base, metric, threads));
  SearchParams params;
  params.threads = threads;
  VECDEX_ASSIGN_OR_RETURN(SearchResults results, flat->search(queries.view(), k, params));
  return to_id_matrix(results);
}

Result<IdMatrix> to_id_matrix(const SearchResults& results) {
  IdMatrix out;
  out.rows = results.n;
  out.cols = results.k;
  out.data.resize(results.ids.size());
  for (size_t i = 0; i < results.ids.size(); ++i) {
    Id id = results.ids[i];
    if (id == kNoId) {
      out.data[i] = -1;
    } else if (id > static_cast<Id>(std::numeric_limits<int32_t>::max())) {
      return out_of_range(fmt::format("result id {} does not fit in an int32 .ivecs entry", id));
    } else {
      out.data[i] = static_cast<int32_t>(id);
    }
  }
  return out;
}

std::string dataset_label(std::string_view path) {
  std::string p(path);
  // An hdf5 dataset suffix ("file.hdf5:train") is not part of the file name.
  if (size_t colon = p.rfind(':'); colon != std::string::npos && colon > p.rfind('/')) {
    p.resize(colon);
  }
  std::filesystem::path fp(p);
  if (fp.extension() == ".gz") fp.replace_extension();
  std::string label = fp.stem().string();
  // IDX files carry generic names ("train-images-idx3-ubyte"); their folder names the dataset.
  if (label.find("-idx") != std::string::npos && fp.has_parent_path() &&
      !fp.parent_path().filename().empty()) {
    return fp.parent_path().filename().string();
  }
  return label.empty() ? p : label;
}

}  // namespace vecdex::cli
