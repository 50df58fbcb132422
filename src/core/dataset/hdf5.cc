// ann-benchmarks .hdf5 files read through the HDF5 C API: one 2-D dataset at the root
// ("train", "test", "neighbors", "distances"), optionally only its first max_rows rows.
#include <fmt/format.h>
#include <hdf5.h>

#include <algorithm>
#include <limits>
#include <string>
#include <system_error>
#include <vector>

#include "core/dataset/file_io.h"
#include "core/dataset/formats.h"

namespace vecdex::dataset {
namespace {

// Owns one HDF5 identifier and closes it with the matching H5?close.
class Handle {
 public:
  Handle(hid_t id, herr_t (*close)(hid_t)) : id_(id), close_(close) {}
  ~Handle() {
    if (id_ >= 0) close_(id_);
  }
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  void reset(hid_t id) {
    if (id_ >= 0) close_(id_);
    id_ = id;
  }
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }

 private:
  hid_t id_;
  herr_t (*close_)(hid_t);
};

// HDF5 prints its error stack to stderr by default; library code must not print, so turn that
// off for the duration of a call and restore whatever the application had set.
class QuietErrors {
 public:
  QuietErrors() {
    H5Eget_auto2(H5E_DEFAULT, &func_, &data_);
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  }
  ~QuietErrors() { H5Eset_auto2(H5E_DEFAULT, func_, data_); }
  QuietErrors(const QuietErrors&) = delete;
  QuietErrors& operator=(const QuietErrors&) = delete;

 private:
  H5E_auto2_t func_ = nullptr;
  void* data_ = nullptr;
};

// The innermost message on HDF5's error stack, for our own error text.
std::string last_hdf5_error() {
  std::string out;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_UPWARD,
      [](unsigned n, const H5E_error2_t* e, void* data) -> herr_t {
        auto* s = static_cast<std::string*>(data);
        if (n == 0 && e->desc != nullptr) *s = e->desc;
        return 0;
      },
      &out);
  return out.empty() ? "unknown HDF5 error" : out;
}

std::vector<std::string> root_names(hid_t file) {
  std::vector<std::string> names;
  H5Literate(
      file, H5_INDEX_NAME, H5_ITER_INC, nullptr,
      [](hid_t, const char* name, const H5L_info_t*, void* data) -> herr_t {
        static_cast<std::vector<std::string>*>(data)->emplace_back(name);
        return 0;
      },
      &names);
  return names;
}

// An open 2-D (or, for ids, 1-D) dataset and its shape.
struct OpenDataset {
  Handle file{-1, H5Fclose};
  Handle dset{-1, H5Dclose};
  Handle space{-1, H5Sclose};
  H5T_class_t type_class = H5T_NO_CLASS;
  size_t type_size = 0;
  int rank = 0;
  hsize_t dims[2] = {0, 1};
};

Status open_dataset(const std::filesystem::path& path, const std::string& name, OpenDataset* d) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return not_found("no such file");
  if (H5Fis_hdf5(path.c_str()) <= 0) {
    return corruption("not an HDF5 file (no HDF5 signature found)");
  }
  d->file.reset(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT));
  if (!d->file.valid()) {
    return corruption(fmt::format("cannot open as HDF5: {}", last_hdf5_error()));
  }
  const bool exists = !name.empty() && name.find('/') == std::string::npos &&
                      H5Lexists(d->file.get(), name.c_str(), H5P_DEFAULT) > 0;
  if (!exists) {
    return not_found(fmt::format("no dataset '{}'; the file holds: {}", name,
                                 fmt::join(root_names(d->file.get()), ", ")));
  }
  d->dset.reset(H5Dopen2(d->file.get(), name.c_str(), H5P_DEFAULT));
  if (!d->dset.valid()) {
    return invalid_argument(fmt::format("'{}' is not a dataset: {}", name, last_hdf5_error()));
  }
  d->space.reset(H5Dget_space(d->dset.get()));
  Handle type(H5Dget_type(d->dset.get()), H5Tclose);
  if (!d->space.valid() || !type.valid()) {
    return corruption(fmt::format("dataset '{}': {}", name, last_hdf5_error()));
  }
  d->type_class = H5Tget_class(type.get());
  d->type_size = H5Tget_size(type.get());
  d->rank = H5Sget_simple_extent_ndims(d->space.get());
  if (d->rank == 1 || d->rank == 2) H5Sget_simple_extent_dims(d->space.get(), d->dims, nullptr);
  return Status();
}

// Reads the first `rows` rows of the dataset, converted by HDF5 to `mem_type`, into out.
template <typename T>
Status read_rows(const OpenDataset& d, const std::string& name, hid_t mem_type, size_t rows,
                 size_t cols, std::vector<T>& out) {
  size_t n = 0;
  if (!checked_mul(rows, cols, &n)) {
    return corruption(fmt::format("dataset '{}' shape overflows the addressable size", name));
  }
  VECDEX_RETURN_IF_ERROR(checked_resize(out, n));
  if (n == 0) return Status();
  hsize_t start[2] = {0, 0};
  hsize_t count[2] = {rows, cols};
  Handle mem(H5Screate_simple(d.rank, count, nullptr), H5Sclose);
  if (!mem.valid() ||
      H5Sselect_hyperslab(d.space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr) < 0 ||
      H5Dread(d.dset.get(), mem_type, mem.get(), d.space.get(), H5P_DEFAULT, out.data()) < 0) {
    return corruption(fmt::format("cannot read dataset '{}': {}", name, last_hdf5_error()));
  }
  return Status();
}

Status check_shape(const OpenDataset& d, const std::string& name, bool allow_rank1) {
  if (d.rank != 2 && !(allow_rank1 && d.rank == 1)) {
    return invalid_argument(fmt::format("dataset '{}' has rank {}; expected a 2-D (n, dim){} array",
                                        name, d.rank, allow_rank1 ? " or 1-D" : ""));
  }
  if (d.rank == 2 && (d.dims[1] == 0 || d.dims[1] > kMaxDim)) {
    return invalid_argument(fmt::format("dataset '{}' has {} columns; expected 1..{}", name,
                                        d.dims[1], kMaxDim));
  }
  return Status();
}

const char* class_name(H5T_class_t c) {
  switch (c) {
    case H5T_INTEGER: return "integer";
    case H5T_FLOAT: return "float";
    case H5T_STRING: return "string";
    case H5T_COMPOUND: return "compound";
    default: return "non-numeric";
  }
}

size_t limit_rows(hsize_t rows, size_t max_rows) {
  size_t r = static_cast<size_t>(std::min<hsize_t>(rows, std::numeric_limits<size_t>::max()));
  return max_rows == 0 ? r : std::min(r, max_rows);
}

}  // namespace

Result<FloatMatrix> read_hdf5_vectors(const std::filesystem::path& path, const std::string& name,
                                      size_t max_rows) {
  QuietErrors quiet;
  OpenDataset d;
  VECDEX_RETURN_IF_ERROR(open_dataset(path, name, &d));
  VECDEX_RETURN_IF_ERROR(check_shape(d, name, false));
  if (d.type_class != H5T_FLOAT || (d.type_size != 4 && d.type_size != 8)) {
    return invalid_argument(fmt::format(
        "dataset '{}' holds {}-byte {} values; vectors must be float32 or float64{}", name,
        d.type_size, class_name(d.type_class),
        d.type_class == H5T_INTEGER ? " (read integer datasets with read_ids)" : ""));
  }
  FloatMatrix m;
  m.rows = limit_rows(d.dims[0], max_rows);
  m.dim = static_cast<size_t>(d.dims[1]);
  VECDEX_RETURN_IF_ERROR(read_rows(d, name, H5T_NATIVE_FLOAT, m.rows, m.dim, m.data));
  return m;
}

Result<IdMatrix> read_hdf5_ids(const std::filesystem::path& path, const std::string& name,
                               size_t max_rows) {
  QuietErrors quiet;
  OpenDataset d;
  VECDEX_RETURN_IF_ERROR(open_dataset(path, name, &d));
  VECDEX_RETURN_IF_ERROR(check_shape(d, name, true));
  if (d.type_class != H5T_INTEGER || d.type_size > 8) {
    return invalid_argument(fmt::format("dataset '{}' holds {}-byte {} values; ids must be int32 "
                                        "or int64", name, d.type_size, class_name(d.type_class)));
  }
  IdMatrix m;
  m.rows = limit_rows(d.dims[0], max_rows);
  m.cols = d.rank == 2 ? static_cast<size_t>(d.dims[1]) : 1;
  // Read as int64 and range-check ourselves: HDF5 would clamp out-of-range values silently.
  std::vector<int64_t> wide;
  VECDEX_RETURN_IF_ERROR(read_rows(d, name, H5T_NATIVE_INT64, m.rows, m.cols, wide));
  VECDEX_RETURN_IF_ERROR(checked_resize(m.data, wide.size()));
  for (size_t i = 0; i < wide.size(); ++i) {
    if (wide[i] < std::numeric_limits<int32_t>::min() ||
        wide[i] > std::numeric_limits<int32_t>::max()) {
      return out_of_range(fmt::format("dataset '{}' row {} col {}: id {} does not fit in int32",
                                      name, i / m.cols, i % m.cols, wide[i]));
    }
    m.data[i] = static_cast<int32_t>(wide[i]);
  }
  return m;
}

}  // namespace vecdex::dataset
