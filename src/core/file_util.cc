// write_file_atomically / read_file over POSIX file descriptors.
#include "core/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include <fmt/format.h>

#include "core/huge_pages.h"

namespace vecdex {
namespace {

std::string os_error(int err) { return std::strerror(err); }

// Writes all of [data, data+size), retrying short writes and EINTR.
bool write_all(int fd, const uint8_t* data, size_t size, int* err) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      *err = errno;
      return false;
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

void sync_directory(const std::filesystem::path& dir) {
  // Best effort: makes the rename durable; some filesystems refuse fsync on directories.
  int fd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  ::fsync(fd);
  ::close(fd);
}

}  // namespace

Status write_file_atomically(const std::filesystem::path& path,
                             std::span<const std::span<const uint8_t>> chunks) {
  std::filesystem::path tmp = path;
  tmp += ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return io_error(fmt::format("write {}: cannot create {}: {}", path.string(), tmp.string(),
                                os_error(errno)));
  }
  int err = 0;
  const char* step = nullptr;
  for (std::span<const uint8_t> chunk : chunks) {
    if (!write_all(fd, chunk.data(), chunk.size(), &err)) {
      step = "write";
      break;
    }
  }
  if (step == nullptr && ::fsync(fd) != 0) {
    err = errno;
    step = "fsync";
  }
  if (::close(fd) != 0 && step == nullptr) {
    err = errno;
    step = "close";
  }
  if (step == nullptr && ::rename(tmp.c_str(), path.c_str()) != 0) {
    err = errno;
    step = "rename";
  }
  if (step != nullptr) {
    ::unlink(tmp.c_str());
    return io_error(fmt::format("write {}: {} failed: {}", path.string(), step, os_error(err)));
  }
  sync_directory(path.parent_path());
  return Status();
}

Result<AlignedBuffer<uint8_t>> read_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return io_error(fmt::format("open {}: {}", path.string(), os_error(errno)));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    int err = errno;
    ::close(fd);
    return io_error(fmt::format("read {}: {}", path.string(),
                                err != 0 ? os_error(err) : std::string("not a regular file")));
  }
  AlignedBuffer<uint8_t> buffer;
  size_t size = static_cast<size_t>(st.st_size);
  Status s = buffer.resize_exact(size);
  // Index images are served in place after load (graph blocks walked at random), so ask for huge
  // pages before the read first touches the buffer.
  if (s.ok()) advise_huge_pages(buffer.data(), size);
  if (!s.ok()) {
    ::close(fd);
    return s.with_context(fmt::format("read {}", path.string()));
  }
  size_t done = 0;
  while (done < size) {
    ssize_t n = ::read(fd, buffer.data() + done, size - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = n < 0 ? errno : 0;
      ::close(fd);
      return io_error(fmt::format("read {}: {} after {} of {} bytes", path.string(),
                                  err != 0 ? os_error(err) : std::string("file shrank"), done,
                                  size));
    }
    done += static_cast<size_t>(n);
  }
  ::close(fd);
  return buffer;
}

}  // namespace vecdex
