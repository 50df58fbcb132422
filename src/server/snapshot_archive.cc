// Snapshot tar archives with libarchive; see snapshot_archive.h.
#include "server/snapshot_archive.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

namespace vecdex::server {
namespace {

namespace fs = std::filesystem;

struct ArchiveFree {
  void operator()(archive* a) const {
    if (a != nullptr) archive_write_free(a);
  }
};
struct ArchiveReadFree {
  void operator()(archive* a) const {
    if (a != nullptr) archive_read_free(a);
  }
};
struct EntryFree {
  void operator()(archive_entry* e) const { archive_entry_free(e); }
};
using WriteArchive = std::unique_ptr<archive, ArchiveFree>;
using ReadArchive = std::unique_ptr<archive, ArchiveReadFree>;

std::string archive_message(archive* a) {
  const char* message = archive_error_string(a);
  return message != nullptr ? message : "unknown libarchive error";
}

// State the libarchive write callback needs.
struct SinkState {
  const TarSink* sink = nullptr;
  bool aborted = false;
};

la_ssize_t write_to_sink(archive*, void* client, const void* buffer, size_t length) {
  auto* state = static_cast<SinkState*>(client);
  if (!(*state->sink)(static_cast<const char*>(buffer), length)) {
    state->aborted = true;
    return -1;
  }
  return static_cast<la_ssize_t>(length);
}

Status write_one_file(archive* a, const fs::path& path, const std::string& name, SinkState& st) {
  std::error_code ec;
  const uintmax_t size = fs::file_size(path, ec);
  if (ec) return io_error("snapshot file " + path.string() + ": " + ec.message());
  std::ifstream in(path, std::ios::binary);
  if (!in) return io_error("cannot open snapshot file " + path.string());
  std::unique_ptr<archive_entry, EntryFree> entry(archive_entry_new());
  archive_entry_set_pathname(entry.get(), name.c_str());
  archive_entry_set_size(entry.get(), static_cast<la_int64_t>(size));
  archive_entry_set_filetype(entry.get(), AE_IFREG);
  archive_entry_set_perm(entry.get(), 0644);
  if (archive_write_header(a, entry.get()) != ARCHIVE_OK) {
    if (st.aborted) return Status(StatusCode::kCancelled, "download aborted by the client");
    return io_error("tar header for " + name + ": " + archive_message(a));
  }
  std::vector<char> buffer(64 << 10);
  uintmax_t left = size;
  while (left > 0) {
    const size_t want = static_cast<size_t>(std::min<uintmax_t>(left, buffer.size()));
    in.read(buffer.data(), static_cast<std::streamsize>(want));
    if (static_cast<size_t>(in.gcount()) != want) {
      return io_error("snapshot file " + path.string() + " shrank while it was being sent");
    }
    if (archive_write_data(a, buffer.data(), want) < 0) {
      if (st.aborted) return Status(StatusCode::kCancelled, "download aborted by the client");
      return io_error("tar data for " + name + ": " + archive_message(a));
    }
    left -= want;
  }
  return Status();
}

// "a/./b/" -> "a/b"; InvalidArgument for absolute paths and ".." components.
Result<fs::path> safe_relative_path(const char* raw) {
  if (raw == nullptr || *raw == '\0') return invalid_argument("a tar entry has no name");
  const std::string_view name(raw);
  if (name.front() == '/') {
    return invalid_argument("tar entry \"" + std::string(name) + "\" has an absolute path");
  }
  fs::path out;
  size_t start = 0;
  while (start <= name.size()) {
    const size_t slash = std::min(name.find('/', start), name.size());
    const std::string_view part = name.substr(start, slash - start);
    if (part == "..") {
      return invalid_argument("tar entry \"" + std::string(name) +
                              "\" has a \"..\" component; paths must stay inside the archive");
    }
    if (!part.empty() && part != ".") out /= std::string(part);
    start = slash + 1;
  }
  return out;
}

Status write_entry_data(archive* a, const fs::path& target, const std::string& name,
                        size_t& budget) {
  // O_EXCL: a second entry with the same name is refused; O_NOFOLLOW: never write through a
  // link (none can exist, links are refused, but the check is cheap).
  const int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
  if (fd < 0) {
    if (errno == EEXIST) return invalid_argument("tar entry \"" + name + "\" appears twice");
    return io_error("cannot create " + target.string() + ": " + std::strerror(errno));
  }
  Status status;
  const void* block = nullptr;
  size_t size = 0;
  la_int64_t offset = 0;
  while (status.ok()) {
    const int r = archive_read_data_block(a, &block, &size, &offset);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK) {
      status = invalid_argument("tar entry \"" + name + "\": " + archive_message(a));
      break;
    }
    if (size > budget) {
      status = invalid_argument("tar entry \"" + name + "\" expands past the archive's size");
      break;
    }
    budget -= size;
    if (::pwrite(fd, block, size, static_cast<off_t>(offset)) != static_cast<ssize_t>(size)) {
      status = io_error("cannot write " + target.string() + ": " + std::strerror(errno));
    }
  }
  if (::close(fd) != 0 && status.ok()) {
    status = io_error("cannot close " + target.string() + ": " + std::strerror(errno));
  }
  return status;
}

}  // namespace

Status write_tar(const fs::path& dir, const TarSink& sink) {
  std::vector<fs::path> files;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) return io_error("cannot list snapshot " + dir.string() + ": " + ec.message());
  std::sort(files.begin(), files.end());

  WriteArchive a(archive_write_new());
  if (!a) return io_error("archive_write_new failed");
  SinkState state{&sink, false};
  if (archive_write_set_format_pax_restricted(a.get()) != ARCHIVE_OK ||
      archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK ||
      archive_write_open2(a.get(), &state, nullptr, write_to_sink, nullptr, nullptr) !=
          ARCHIVE_OK) {
    return io_error("cannot start a tar archive: " + archive_message(a.get()));
  }
  for (const fs::path& file : files) {
    VECDEX_RETURN_IF_ERROR(write_one_file(a.get(), file, file.filename().string(), state));
  }
  if (archive_write_close(a.get()) != ARCHIVE_OK) {
    if (state.aborted) return Status(StatusCode::kCancelled, "download aborted by the client");
    return io_error("cannot finish the tar archive: " + archive_message(a.get()));
  }
  return Status();
}

Status extract_tar(std::string_view tar, const fs::path& dir, size_t max_entries) {
  ReadArchive a(archive_read_new());
  if (!a) return io_error("archive_read_new failed");
  archive_read_support_format_tar(a.get());
  if (archive_read_open_memory(a.get(), tar.data(), tar.size()) != ARCHIVE_OK) {
    return invalid_argument("the upload is not a tar archive: " + archive_message(a.get()));
  }
  size_t budget = tar.size();
  size_t entries = 0;
  while (true) {
    archive_entry* entry = nullptr;
    const int r = archive_read_next_header(a.get(), &entry);
    if (r == ARCHIVE_EOF) break;
    if (r != ARCHIVE_OK && r != ARCHIVE_WARN) {
      return invalid_argument("the upload is not a valid tar archive: " +
                              archive_message(a.get()));
    }
    if (++entries > max_entries) {
      return invalid_argument("the archive has more than " + std::to_string(max_entries) +
                              " entries");
    }
    const char* raw_name = archive_entry_pathname(entry);
    const std::string name = raw_name != nullptr ? raw_name : "";
    VECDEX_ASSIGN_OR_RETURN(fs::path relative, safe_relative_path(raw_name));
    const mode_t type = archive_entry_filetype(entry);
    if (archive_entry_hardlink(entry) != nullptr || archive_entry_symlink(entry) != nullptr ||
        (type != AE_IFREG && type != AE_IFDIR)) {
      return invalid_argument("tar entry \"" + name +
                              "\" is not a regular file or directory (links, devices and "
                              "FIFOs are refused)");
    }
    if (relative.empty()) continue;  // "./"
    const fs::path target = dir / relative;
    std::error_code ec;
    if (type == AE_IFDIR) {
      fs::create_directories(target, ec);
      if (ec) return io_error("cannot create " + target.string() + ": " + ec.message());
      continue;
    }
    fs::create_directories(target.parent_path(), ec);
    if (ec) return io_error("cannot create " + target.parent_path().string() + ": " + ec.message());
    VECDEX_RETURN_IF_ERROR(write_entry_data(a.get(), target, name, budget));
  }
  return Status();
}

fs::path snapshot_root(const fs::path& dir) {
  std::error_code ec;
  if (fs::exists(dir / "MANIFEST", ec)) return dir;
  fs::path only;
  size_t count = 0;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    ++count;
    if (it->is_directory()) only = it->path();
  }
  if (count == 1 && !only.empty() && fs::exists(only / "MANIFEST", ec)) return only;
  return dir;
}

}  // namespace vecdex::server
