// IDX files (MNIST / Fashion-MNIST), plain or gzip-compressed, read through zlib's gzread
// (which passes uncompressed files through). Header: big-endian magic 0x0000 08 <ndims>, then
// ndims big-endian uint32 sizes, then unsigned bytes. See http://yann.lecun.com/exdb/mnist/.
#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <system_error>
#include <vector>

#include "core/dataset/file_io.h"
#include "core/dataset/formats.h"

namespace vecdex::dataset {
namespace {

constexpr uint32_t kImagesMagic = 0x00000803;  // ubyte, 3 dims: n, rows, cols
constexpr uint32_t kLabelsMagic = 0x00000801;  // ubyte, 1 dim: n
// Bytes decompressed per gzread call.
constexpr size_t kChunk = size_t{1} << 20;

// A gzip (or plain) input stream that tracks the uncompressed offset and reports short reads.
class GzInput {
 public:
  explicit GzInput(gzFile f) : f_(f) {}
  ~GzInput() {
    if (f_ != nullptr) gzclose(f_);
  }
  GzInput(const GzInput&) = delete;
  GzInput& operator=(const GzInput&) = delete;

  bool is_plain() { return gzdirect(f_) == 1; }
  uint64_t offset() const { return offset_; }

  // Reads up to n bytes; returns how many came (fewer only at end of stream).
  Result<size_t> read_some(void* dst, size_t n) {
    size_t got = 0;
    while (got < n) {
      unsigned want = static_cast<unsigned>(std::min(n - got, kChunk));
      int r = gzread(f_, static_cast<char*>(dst) + got, want);
      if (r < 0) {
        int errnum = 0;
        const char* msg = gzerror(f_, &errnum);
        return corruption(fmt::format("gzip stream is damaged at uncompressed byte offset {}: {}",
                                      offset_ + got, msg != nullptr ? msg : "unknown error"));
      }
      if (r == 0) break;
      got += static_cast<size_t>(r);
    }
    offset_ += got;
    return got;
  }

  Status read_exact(void* dst, size_t n, const char* what) {
    uint64_t at = offset_;
    VECDEX_ASSIGN_OR_RETURN(size_t got, read_some(dst, n));
    if (got != n) {
      return corruption(fmt::format("truncated {} at byte offset {}: need {} bytes, got {}", what,
                                    at, n, got));
    }
    return Status();
  }

 private:
  gzFile f_;
  uint64_t offset_ = 0;
};

uint32_t load_be32(const unsigned char* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

// Reads the first min(n, max_rows) rows of an IDX file with the wanted magic into out, widening
// each byte to Out, and checks that the file holds exactly the n rows its header claims.
template <typename Out>
Status read_idx(const std::filesystem::path& path, bool images, size_t max_rows,
                std::vector<Out>& out, size_t* rows_out, size_t* cols_out) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return not_found("no such file");
  gzFile raw = gzopen(path.c_str(), "rb");
  if (raw == nullptr) return io_error("cannot open");
  GzInput in(raw);

  unsigned char head[16];
  VECDEX_RETURN_IF_ERROR(in.read_exact(head, 4, "IDX magic"));
  const uint32_t magic = load_be32(head);
  const uint32_t want = images ? kImagesMagic : kLabelsMagic;
  if (magic != want) {
    if (magic == kImagesMagic || magic == kLabelsMagic) {
      return invalid_argument(fmt::format(
          "is an IDX {} file (magic 0x{:08x}); expected {} (0x{:08x}); read it with {}",
          images ? "label" : "image", magic, images ? "images" : "labels", want,
          images ? "read_ids" : "read_vectors"));
    }
    return corruption(fmt::format("bad IDX magic 0x{:08x}; expected 0x{:08x} (idx3-ubyte images) "
                                  "or 0x{:08x} (idx1-ubyte labels)",
                                  magic, kImagesMagic, kLabelsMagic));
  }
  const size_t ndims = images ? 3 : 1;
  VECDEX_RETURN_IF_ERROR(in.read_exact(head + 4, 4 * ndims, "IDX dimensions"));
  const uint64_t n = load_be32(head + 4);
  uint64_t cols = 1;
  if (images) {
    uint32_t h = load_be32(head + 8), w = load_be32(head + 12);
    cols = uint64_t{h} * w;  // < 2^64
    if (h == 0 || w == 0 || cols > kMaxDim) {
      return corruption(fmt::format("image size {} x {} is out of range; expected 1..{} pixels",
                                    h, w, kMaxDim));
    }
  }
  const uint64_t header_bytes = 4 + 4 * ndims;
  const uint64_t data_bytes = n * cols;  // n < 2^32, cols <= 2^20
  const char* unit = images ? "images" : "labels";
  // A plain file's size settles the "exactly what the header claims" check up front; a .gz
  // must be decompressed to the end to know.
  const bool plain = in.is_plain();
  if (plain) {
    uint64_t size = std::filesystem::file_size(path, ec);
    if (!ec && size != header_bytes + data_bytes) {
      return corruption(fmt::format(
          "header claims {} {} ({} bytes after the {}-byte header), file has {} data bytes", n,
          unit, data_bytes, header_bytes, size >= header_bytes ? size - header_bytes : 0));
    }
  }

  const size_t rows = max_rows == 0 ? n : std::min<uint64_t>(n, max_rows);
  const uint64_t keep = uint64_t{rows} * cols;
  // Grow the output as data arrives, so a lying header in a tiny .gz cannot make us allocate.
  out.clear();
  out.reserve(std::min<size_t>(keep, size_t{16} << 20));
  std::vector<unsigned char> buf(kChunk);
  const uint64_t to_read = plain ? keep : data_bytes;
  for (uint64_t done = 0; done < to_read;) {
    size_t want_now = static_cast<size_t>(std::min<uint64_t>(to_read - done, buf.size()));
    VECDEX_ASSIGN_OR_RETURN(size_t got, in.read_some(buf.data(), want_now));
    if (got != want_now) {
      return corruption(fmt::format(
          "truncated: header claims {} {} ({} bytes after the {}-byte header), data ends at "
          "byte offset {}", n, unit, data_bytes, header_bytes, header_bytes + done + got));
    }
    if (done < keep) {
      size_t take = static_cast<size_t>(std::min<uint64_t>(got, keep - done));
      try {
        out.insert(out.end(), buf.begin(), buf.begin() + static_cast<ptrdiff_t>(take));
      } catch (const std::bad_alloc&) {
        return resource_exhausted(fmt::format("cannot allocate {} {}", rows, unit));
      }
    }
    done += got;
  }
  if (!plain) {
    unsigned char extra;
    VECDEX_ASSIGN_OR_RETURN(size_t trailing, in.read_some(&extra, 1));
    if (trailing != 0) {
      return corruption(fmt::format("trailing data after the {} {} the header claims (at byte "
                                    "offset {})", n, unit, header_bytes + data_bytes));
    }
  }
  *rows_out = rows;
  *cols_out = static_cast<size_t>(cols);
  return Status();
}

}  // namespace

Result<FloatMatrix> read_idx_images(const std::filesystem::path& path, size_t max_rows) {
  FloatMatrix m;
  VECDEX_RETURN_IF_ERROR(read_idx(path, true, max_rows, m.data, &m.rows, &m.dim));
  return m;
}

Result<IdMatrix> read_idx_labels(const std::filesystem::path& path, size_t max_rows) {
  IdMatrix m;
  VECDEX_RETURN_IF_ERROR(read_idx(path, false, max_rows, m.data, &m.rows, &m.cols));
  return m;
}

}  // namespace vecdex::dataset
