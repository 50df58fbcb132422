// NumPy .npy arrays: float32 / uint8 vectors and int32 / int64 ids, C order, little-endian.
// Header parsing lives in npy_header.cc; this file checks dtype, order, shape and data size.
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>
#include <string_view>

#include "core/dataset/file_io.h"
#include "core/dataset/formats.h"
#include "core/dataset/npy_header.h"

namespace vecdex::dataset {
namespace {

static_assert(std::endian::native == std::endian::little, "npy I/O assumes a little-endian host");

enum class NpyType { kF32, kU8, kI32, kI64 };

struct Accepted {
  const char* descr;  // canonical spelling, as numpy writes it
  NpyType type;
  size_t size;
};
constexpr Accepted kVectorTypes[] = {{"<f4", NpyType::kF32, 4}, {"|u1", NpyType::kU8, 1}};
constexpr Accepted kIdTypes[] = {{"<i4", NpyType::kI32, 4}, {"<i8", NpyType::kI64, 8}};

template <size_t N>
std::string list_descrs(const Accepted (&types)[N]) {
  std::string out;
  for (const Accepted& a : types) out += (out.empty() ? "'" : ", '") + std::string(a.descr) + "'";
  return out;
}

// Maps descr to one of `types`. '=' (native) counts as little-endian, and single-byte types
// may carry any byte-order mark.
template <size_t N>
Result<Accepted> match_dtype(const std::string& descr, const Accepted (&types)[N],
                             const char* role) {
  if (descr.size() >= 2) {
    std::string body = descr.substr(1);
    char order = descr[0];
    for (const Accepted& a : types) {
      if (body != a.descr + 1) continue;
      if (order == '<' || order == '=' || order == '|' || a.size == 1) return a;
      if (order == '>') {
        return invalid_argument(fmt::format("big-endian dtype '{}' is not supported for {}; "
                                            "accepted: {}", descr, role, list_descrs(types)));
      }
    }
  }
  const bool is_vectors = std::string_view(role) == "vectors";
  return invalid_argument(fmt::format("dtype '{}' is not supported for {}; accepted: {}{}", descr,
                                      role, list_descrs(types),
                                      is_vectors ? " (convert with a.astype(np.float32))" : ""));
}

// Opens, parses and checks order, rank and data size. On success the file is at the data and
// rows / cols / element type are set.
struct Opened {
  InputFile file;
  Accepted type;
  size_t rows = 0;
  size_t cols = 0;
};
template <size_t N>
Result<Opened> open_npy(const std::filesystem::path& path, const Accepted (&types)[N],
                        const char* role, bool allow_rank1) {
  VECDEX_ASSIGN_OR_RETURN(InputFile file, InputFile::open(path));
  VECDEX_ASSIGN_OR_RETURN(NpyHeader h, read_npy_header(file));
  VECDEX_ASSIGN_OR_RETURN(Accepted type, match_dtype(h.descr, types, role));
  const std::string shape = format_shape(h.shape);
  if (h.fortran_order) {
    return invalid_argument(fmt::format("array of shape {} is in Fortran (column-major) order; "
                                        "only C order is supported (save np.ascontiguousarray(a))",
                                        shape));
  }
  const bool rank_ok = h.shape.size() == 2 || (allow_rank1 && h.shape.size() == 1);
  if (!rank_ok) {
    return invalid_argument(fmt::format("{} must have shape (n, dim){}; got {}", role,
                                        allow_rank1 ? " or (n,)" : "", shape));
  }
  Opened o{std::move(file), type};
  uint64_t cols = h.shape.size() == 2 ? h.shape[1] : 1;
  if (h.shape.size() == 2 && (cols == 0 || cols > kMaxDim)) {
    return invalid_argument(fmt::format("{} has shape {}; the second dimension must be in 1..{}",
                                        role, shape, kMaxDim));
  }
  size_t elems = 0, bytes = 0;
  if (h.shape[0] > std::numeric_limits<size_t>::max() ||
      !checked_mul(static_cast<size_t>(h.shape[0]), cols, &elems) ||
      !checked_mul(elems, type.size, &bytes)) {
    return corruption(fmt::format("shape {} of '{}' overflows the addressable size", shape,
                                  h.descr));
  }
  const uint64_t have = o.file.remaining();
  if (bytes != have) {
    return corruption(fmt::format(
        "{} data: shape {} of '{}' needs {} bytes after the {}-byte header, file has {}",
        bytes > have ? "truncated" : "trailing bytes after", shape, h.descr, bytes, h.data_offset,
        have));
  }
  o.rows = static_cast<size_t>(h.shape[0]);
  o.cols = static_cast<size_t>(cols);
  return o;
}

// Reads rows x cols elements of type T from the file into a fresh buffer.
template <typename T>
Result<std::vector<T>> read_elems(InputFile& file, size_t rows, size_t cols) {
  std::vector<T> v;
  VECDEX_RETURN_IF_ERROR(checked_resize(v, rows * cols));  // bounded by the file size
  VECDEX_RETURN_IF_ERROR(file.read(v.data(), v.size() * sizeof(T), "data"));
  return v;
}

size_t limit_rows(size_t rows, size_t max_rows) {
  return max_rows == 0 ? rows : std::min(rows, max_rows);
}

Status write_npy(const std::filesystem::path& path, const char* descr, size_t rows, size_t cols,
                 const void* data, size_t elem_size) {
  if (cols == 0 || cols > kMaxDim) {
    return invalid_argument(fmt::format("dim {} is out of range; expected 1..{}", cols, kMaxDim));
  }
  std::string header = make_npy_header(descr, {rows, cols});
  VECDEX_ASSIGN_OR_RETURN(AtomicOutputFile file, AtomicOutputFile::create(path));
  VECDEX_RETURN_IF_ERROR(file.write(header.data(), header.size()));
  VECDEX_RETURN_IF_ERROR(file.write(data, rows * cols * elem_size));
  return file.commit();
}

}  // namespace

Result<FloatMatrix> read_npy_vectors(const std::filesystem::path& path, size_t max_rows) {
  VECDEX_ASSIGN_OR_RETURN(Opened o, open_npy(path, kVectorTypes, "vectors", false));
  FloatMatrix m;
  m.rows = limit_rows(o.rows, max_rows);
  m.dim = o.cols;
  if (o.type.type == NpyType::kF32) {
    VECDEX_ASSIGN_OR_RETURN(m.data, read_elems<float>(o.file, m.rows, m.dim));
  } else {
    VECDEX_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, read_elems<uint8_t>(o.file, m.rows, m.dim));
    VECDEX_RETURN_IF_ERROR(checked_resize(m.data, bytes.size()));
    std::copy(bytes.begin(), bytes.end(), m.data.begin());
  }
  return m;
}

Result<IdMatrix> read_npy_ids(const std::filesystem::path& path, size_t max_rows) {
  VECDEX_ASSIGN_OR_RETURN(Opened o, open_npy(path, kIdTypes, "ids", true));
  IdMatrix m;
  m.rows = limit_rows(o.rows, max_rows);
  m.cols = o.cols;
  if (o.type.type == NpyType::kI32) {
    VECDEX_ASSIGN_OR_RETURN(m.data, read_elems<int32_t>(o.file, m.rows, m.cols));
    return m;
  }
  VECDEX_ASSIGN_OR_RETURN(std::vector<int64_t> wide, read_elems<int64_t>(o.file, m.rows, m.cols));
  VECDEX_RETURN_IF_ERROR(checked_resize(m.data, wide.size()));
  for (size_t i = 0; i < wide.size(); ++i) {
    int64_t v = wide[i];
    if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
      return out_of_range(fmt::format("row {} col {}: id {} does not fit in int32", i / m.cols,
                                      i % m.cols, v));
    }
    m.data[i] = static_cast<int32_t>(v);
  }
  return m;
}

Status write_npy_vectors(const std::filesystem::path& path, MatrixView v) {
  return write_npy(path, "<f4", v.rows, v.dim, v.data, sizeof(float));
}

Status write_npy_ids(const std::filesystem::path& path, const IdMatrix& ids) {
  size_t n = 0;
  if (!checked_mul(ids.rows, ids.cols, &n) || ids.data.size() != n) {
    return invalid_argument(fmt::format("IdMatrix holds {} values, rows {} x cols {} needs {}",
                                        ids.data.size(), ids.rows, ids.cols, ids.rows * ids.cols));
  }
  return write_npy(path, "<i4", ids.rows, ids.cols, ids.data.data(), sizeof(int32_t));
}

}  // namespace vecdex::dataset
