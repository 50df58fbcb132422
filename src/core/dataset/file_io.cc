// Checked sequential reads and atomic temp-file-then-rename writes for dataset files.
#include "core/dataset/file_io.h"

#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>
#include <utility>

namespace vecdex::dataset {

bool checked_mul(size_t a, size_t b, size_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

Result<InputFile> InputFile::open(const std::filesystem::path& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return not_found("no such file");
  }
  if (std::filesystem::is_directory(status)) return invalid_argument("is a directory, not a file");
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return io_error(fmt::format("cannot open: {}", std::strerror(errno)));
  // Size from the open handle, so it matches what we will read.
  if (std::fseek(f, 0, SEEK_END) != 0) {
    std::fclose(f);
    return io_error("cannot seek to end of file");
  }
  long end = std::ftell(f);
  if (end < 0 || std::fseek(f, 0, SEEK_SET) != 0) {
    std::fclose(f);
    return io_error("cannot determine file size");
  }
  return InputFile(f, static_cast<uint64_t>(end));
}

InputFile::InputFile(InputFile&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)), size_(other.size_), offset_(other.offset_) {}

InputFile& InputFile::operator=(InputFile&& other) noexcept {
  if (this != &other) {
    if (file_ != nullptr) std::fclose(file_);
    file_ = std::exchange(other.file_, nullptr);
    size_ = other.size_;
    offset_ = other.offset_;
  }
  return *this;
}

InputFile::~InputFile() {
  if (file_ != nullptr) std::fclose(file_);
}

Status InputFile::read(void* dst, size_t n, const char* what) {
  if (n > remaining()) {
    return corruption(fmt::format("truncated {} at byte offset {}: need {} bytes, file has {}",
                                  what, offset_, n, remaining()));
  }
  if (n == 0) return Status();
  size_t got = std::fread(dst, 1, n, file_);
  if (got != n) {
    return io_error(fmt::format("read of {} bytes at offset {} failed: {}", n, offset_,
                                std::ferror(file_) ? std::strerror(errno) : "unexpected EOF"));
  }
  offset_ += n;
  return Status();
}

Status InputFile::seek(uint64_t offset) {
  if (offset > size_) {
    return corruption(fmt::format("offset {} is past the end of the file ({} bytes)", offset,
                                  size_));
  }
  if (::fseeko(file_, static_cast<off_t>(offset), SEEK_SET) != 0) {
    return io_error(fmt::format("cannot seek to offset {}", offset));
  }
  offset_ = offset;
  return Status();
}

Result<AtomicOutputFile> AtomicOutputFile::create(const std::filesystem::path& path) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) {
    return io_error(fmt::format("cannot create {}: {}", tmp.string(), std::strerror(errno)));
  }
  return AtomicOutputFile(f, path, std::move(tmp));
}

AtomicOutputFile::AtomicOutputFile(AtomicOutputFile&& other) noexcept
    : file_(std::exchange(other.file_, nullptr)),
      path_(std::move(other.path_)),
      tmp_(std::move(other.tmp_)),
      committed_(std::exchange(other.committed_, true)) {}

AtomicOutputFile::~AtomicOutputFile() {
  if (file_ != nullptr) std::fclose(file_);
  if (!committed_ && !tmp_.empty()) {
    std::error_code ec;
    std::filesystem::remove(tmp_, ec);
  }
}

Status AtomicOutputFile::write(const void* src, size_t n) {
  if (n == 0) return Status();
  if (std::fwrite(src, 1, n, file_) != n) {
    return io_error(fmt::format("write to {} failed: {}", tmp_.string(), std::strerror(errno)));
  }
  return Status();
}

Status AtomicOutputFile::commit() {
  std::FILE* f = std::exchange(file_, nullptr);
  bool ok = std::fflush(f) == 0 && ::fsync(::fileno(f)) == 0;
  int err = errno;
  ok = (std::fclose(f) == 0) && ok;
  if (!ok) {
    return io_error(fmt::format("cannot flush {}: {}", tmp_.string(), std::strerror(err)));
  }
  std::error_code ec;
  std::filesystem::rename(tmp_, path_, ec);
  if (ec) {
    return io_error(fmt::format("cannot rename {} to {}: {}", tmp_.string(), path_.string(),
                                ec.message()));
  }
  committed_ = true;
  return Status();
}

}  // namespace vecdex::dataset
