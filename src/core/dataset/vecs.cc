// TexMex .fvecs / .bvecs / .ivecs reading and writing. Each row is a little-endian int32 dim
// followed by dim float32 / uint8 / int32 values; every row must carry the same dim.
#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/dataset/file_io.h"
#include "core/dataset/formats.h"

namespace vecdex::dataset {
namespace {

static_assert(std::endian::native == std::endian::little, "vecs I/O assumes a little-endian host");

// Rows are read in batches of about this many bytes.
constexpr size_t kBatchBytes = size_t{4} << 20;

int32_t load_i32(const unsigned char* p) {
  int32_t v;
  std::memcpy(&v, p, sizeof(v));
  return v;
}

// When the file size is not a whole number of rows, a differing row dim is the likelier cause;
// look for one so the message names it, else report the truncated last row.
Status explain_bad_size(InputFile& file, const char* ext, int32_t dim, size_t row_bytes) {
  uint64_t full_rows = file.size() / row_bytes;
  uint64_t partial = file.size() % row_bytes;
  for (uint64_t r = 0; r <= full_rows; ++r) {
    uint64_t at = r * row_bytes;
    if (file.size() - at < 4) break;
    VECDEX_RETURN_IF_ERROR(file.seek(at));
    unsigned char buf[4];
    VECDEX_RETURN_IF_ERROR(file.read(buf, 4, "dim header"));
    int32_t d = load_i32(buf);
    if (d != dim) {
      return corruption(fmt::format("row {} (byte offset {}) has dim {}, row 0 has dim {}", r, at,
                                    d, dim));
    }
  }
  return corruption(fmt::format(
      "truncated last row {} at byte offset {}: {} of {} bytes present (dim {}, {} bytes per "
      "row); file size {} is not a multiple of the row size",
      full_rows, full_rows * row_bytes, partial, row_bytes, dim, row_bytes, file.size()));
}

// Reads up to max_rows rows of Elem, converting each value to Out.
template <typename Elem, typename Out>
Status read_vecs(const std::filesystem::path& path, const char* ext, size_t max_rows,
                 std::vector<Out>& out, size_t* rows_out, size_t* dim_out) {
  VECDEX_ASSIGN_OR_RETURN(InputFile file, InputFile::open(path));
  if (file.size() == 0) {
    return corruption(fmt::format("empty file; a {} file holds at least one row "
                                  "(int32 dim, then dim values)", ext));
  }
  unsigned char head[4];
  VECDEX_RETURN_IF_ERROR(file.read(head, 4, "dim header of row 0"));
  int32_t dim = load_i32(head);
  if (dim <= 0 || static_cast<size_t>(dim) > kMaxDim) {
    return corruption(fmt::format("row 0 has dim {} (bytes {:02x} {:02x} {:02x} {:02x}); expected "
                                  "1..{}; not a {} file?",
                                  dim, head[0], head[1], head[2], head[3], kMaxDim, ext));
  }
  const size_t d = static_cast<size_t>(dim);
  const size_t row_bytes = 4 + d * sizeof(Elem);  // d <= 2^20: cannot overflow
  if (file.size() % row_bytes != 0) return explain_bad_size(file, ext, dim, row_bytes);

  size_t rows = static_cast<size_t>(file.size() / row_bytes);
  if (max_rows != 0) rows = std::min(rows, max_rows);
  VECDEX_RETURN_IF_ERROR(checked_resize(out, rows * d));  // rows * d <= file size
  VECDEX_RETURN_IF_ERROR(file.seek(0));

  const size_t batch_rows = std::max<size_t>(1, kBatchBytes / row_bytes);
  std::vector<unsigned char> buf;
  VECDEX_RETURN_IF_ERROR(checked_resize(buf, std::min(rows, batch_rows) * row_bytes));
  for (size_t r0 = 0; r0 < rows; r0 += batch_rows) {
    size_t n = std::min(batch_rows, rows - r0);
    VECDEX_RETURN_IF_ERROR(file.read(buf.data(), n * row_bytes, "rows"));
    for (size_t i = 0; i < n; ++i) {
      const unsigned char* p = buf.data() + i * row_bytes;
      int32_t row_dim = load_i32(p);
      if (row_dim != dim) {
        return corruption(fmt::format("row {} (byte offset {}) has dim {}, row 0 has dim {}",
                                      r0 + i, (r0 + i) * row_bytes, row_dim, dim));
      }
      Out* dst = out.data() + (r0 + i) * d;
      if constexpr (std::is_same_v<Elem, Out>) {
        std::memcpy(dst, p + 4, d * sizeof(Elem));
      } else {
        for (size_t j = 0; j < d; ++j) dst[j] = static_cast<Out>(p[4 + j]);
      }
    }
  }
  *rows_out = rows;
  *dim_out = d;
  return Status();
}

Status check_writable_shape(const char* ext, size_t rows, size_t dim) {
  if (rows == 0) {
    return invalid_argument(fmt::format("cannot write 0 rows to {} (the format stores the dim in "
                                        "each row); use .npy for empty matrices", ext));
  }
  if (dim == 0 || dim > kMaxDim) {
    return invalid_argument(fmt::format("dim {} is out of range; expected 1..{}", dim, kMaxDim));
  }
  return Status();
}

// Writes rows of Elem taken from `src` (rows x dim, row-major), each prefixed with its dim.
template <typename Elem, typename Src>
Status write_vecs(const std::filesystem::path& path, const Src* src, size_t rows, size_t dim) {
  VECDEX_ASSIGN_OR_RETURN(AtomicOutputFile file, AtomicOutputFile::create(path));
  const int32_t dim32 = static_cast<int32_t>(dim);
  std::vector<Elem> row(dim);
  for (size_t r = 0; r < rows; ++r) {
    const Src* s = src + r * dim;
    for (size_t j = 0; j < dim; ++j) row[j] = static_cast<Elem>(s[j]);
    VECDEX_RETURN_IF_ERROR(file.write(&dim32, sizeof(dim32)));
    VECDEX_RETURN_IF_ERROR(file.write(row.data(), dim * sizeof(Elem)));
  }
  return file.commit();
}

}  // namespace

Result<FloatMatrix> read_fvecs(const std::filesystem::path& path, size_t max_rows) {
  FloatMatrix m;
  VECDEX_RETURN_IF_ERROR(read_vecs<float>(path, ".fvecs", max_rows, m.data, &m.rows, &m.dim));
  return m;
}

Result<FloatMatrix> read_bvecs(const std::filesystem::path& path, size_t max_rows) {
  FloatMatrix m;
  VECDEX_RETURN_IF_ERROR(
      read_vecs<uint8_t>(path, ".bvecs", max_rows, m.data, &m.rows, &m.dim));
  return m;
}

Result<IdMatrix> read_ivecs(const std::filesystem::path& path, size_t max_rows) {
  IdMatrix m;
  VECDEX_RETURN_IF_ERROR(read_vecs<int32_t>(path, ".ivecs", max_rows, m.data, &m.rows, &m.cols));
  return m;
}

Status write_fvecs(const std::filesystem::path& path, MatrixView v) {
  VECDEX_RETURN_IF_ERROR(check_writable_shape(".fvecs", v.rows, v.dim));
  return write_vecs<float>(path, v.data, v.rows, v.dim);
}

Status write_bvecs(const std::filesystem::path& path, MatrixView v) {
  VECDEX_RETURN_IF_ERROR(check_writable_shape(".bvecs", v.rows, v.dim));
  for (size_t r = 0; r < v.rows; ++r) {
    const float* row = v.row(r);
    for (size_t j = 0; j < v.dim; ++j) {
      float x = row[j];
      // Written so that NaN fails the test too.
      if (!(x >= 0.0f && x <= 255.0f && std::floor(x) == x)) {
        return invalid_argument(fmt::format(
            "row {} col {}: value {} is not an integer in [0, 255], which .bvecs requires", r, j,
            x));
      }
    }
  }
  return write_vecs<uint8_t>(path, v.data, v.rows, v.dim);
}

Status write_ivecs(const std::filesystem::path& path, const IdMatrix& ids) {
  VECDEX_RETURN_IF_ERROR(check_writable_shape(".ivecs", ids.rows, ids.cols));
  size_t n = 0;
  if (!checked_mul(ids.rows, ids.cols, &n) || ids.data.size() != n) {
    return invalid_argument(fmt::format("IdMatrix holds {} values, rows {} x cols {} needs {}",
                                        ids.data.size(), ids.rows, ids.cols, ids.rows * ids.cols));
  }
  return write_vecs<int32_t>(path, ids.data.data(), ids.rows, ids.cols);
}

}  // namespace vecdex::dataset
