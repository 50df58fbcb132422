// The server's snapshot directory; see snapshot_store.h.
#include "server/snapshot_store.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <system_error>

namespace vecdex::server {
namespace {

namespace fs = std::filesystem;

std::string format_utc(std::time_t t, const char* format) {
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char text[32];
  const size_t n = std::strftime(text, sizeof(text), format, &tm);
  return std::string(text, n);
}

std::time_t to_time_t(fs::file_time_type t) {
  return std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::system_clock::duration>(
          std::chrono::file_clock::to_sys(t)));
}

}  // namespace

Status SnapshotStore::validate_name(std::string_view name) {
  const bool chars_ok = std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '_' || c == '.' || c == '-';
  });
  if (name.empty() || name.size() > kMaxNameBytes || !chars_ok || name.front() == '.' ||
      name == "upload") {
    return invalid_argument("snapshot name \"" + std::string(name) +
                            "\" is invalid: expected 1..128 of [A-Za-z0-9_.-], not starting "
                            "with '.', and not \"upload\"");
  }
  return Status();
}

Status SnapshotStore::check_enabled() const {
  if (root_.empty()) {
    return failed_precondition("snapshots are disabled: the server has no snapshot directory");
  }
  return Status();
}

Result<SnapshotEntry> SnapshotStore::create(const Database& db, const std::string& collection,
                                            std::optional<std::string_view> name) {
  VECDEX_RETURN_IF_ERROR(check_enabled());
  if (name) VECDEX_RETURN_IF_ERROR(validate_name(*name));
  const fs::path parent = root_ / collection;
  std::error_code ec;
  fs::create_directories(parent, ec);
  if (ec) return io_error("cannot create " + parent.string() + ": " + ec.message());
  // Reserve the name by creating its directory; generated names skip taken ones.
  fs::path dir;
  while (true) {
    const std::string candidate =
        name ? std::string(*name)
             : format_utc(std::time(nullptr), "%Y%m%dT%H%M%SZ") + "-" +
                   std::to_string(counter_.fetch_add(1, std::memory_order_relaxed) + 1);
    dir = parent / candidate;
    if (fs::create_directory(dir, ec)) break;
    if (ec) return io_error("cannot create " + dir.string() + ": " + ec.message());
    if (name) {
      return already_exists("collection " + collection + " already has a snapshot named \"" +
                            candidate + "\"");
    }
  }
  Status exported = db.export_snapshot(collection, dir);
  if (!exported.ok()) {
    fs::remove_all(dir, ec);
    return exported;
  }
  return entry_of(dir);
}

Result<SnapshotEntry> SnapshotStore::entry_of(const fs::path& dir) const {
  std::error_code ec;
  SnapshotEntry entry;
  entry.name = dir.filename().string();
  const fs::file_time_type written = fs::last_write_time(dir / "MANIFEST", ec);
  if (ec) return not_found("snapshot " + entry.name + " is incomplete (no MANIFEST)");
  entry.created = format_utc(to_time_t(written), "%Y-%m-%dT%H:%M:%SZ");
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code size_ec;
    if (it->is_regular_file(size_ec)) entry.bytes += it->file_size(size_ec);
  }
  if (ec) return io_error("cannot list " + dir.string() + ": " + ec.message());
  return entry;
}

Result<std::vector<SnapshotEntry>> SnapshotStore::list(const std::string& collection) const {
  VECDEX_RETURN_IF_ERROR(check_enabled());
  std::vector<SnapshotEntry> entries;
  std::error_code ec;
  const fs::path parent = root_ / collection;
  if (!fs::is_directory(parent, ec)) return entries;
  for (fs::directory_iterator it(parent, ec), end; !ec && it != end; it.increment(ec)) {
    if (!it->is_directory() || !validate_name(it->path().filename().string()).ok()) continue;
    Result<SnapshotEntry> entry = entry_of(it->path());
    if (entry.ok()) entries.push_back(std::move(entry).value());  // skip exports in progress
  }
  if (ec) return io_error("cannot list " + parent.string() + ": " + ec.message());
  std::sort(entries.begin(), entries.end(),
            [](const SnapshotEntry& a, const SnapshotEntry& b) { return a.name < b.name; });
  return entries;
}

Result<fs::path> SnapshotStore::find(const std::string& collection, std::string_view name) const {
  VECDEX_RETURN_IF_ERROR(check_enabled());
  VECDEX_RETURN_IF_ERROR(validate_name(name));
  const fs::path dir = root_ / collection / std::string(name);
  std::error_code ec;
  if (!fs::exists(dir / "MANIFEST", ec)) {
    return not_found("collection " + collection + " has no snapshot named \"" +
                     std::string(name) + "\"");
  }
  return dir;
}

Status SnapshotStore::remove(const std::string& collection, std::string_view name) {
  VECDEX_ASSIGN_OR_RETURN(fs::path dir, find(collection, name));
  std::error_code ec;
  fs::remove_all(dir, ec);
  if (ec) return io_error("cannot delete " + dir.string() + ": " + ec.message());
  return Status();
}

bool SnapshotStore::has_collection(const std::string& collection) const {
  std::error_code ec;
  return !root_.empty() && fs::is_directory(root_ / collection, ec);
}

Result<fs::path> SnapshotStore::make_staging_dir() const {
  VECDEX_RETURN_IF_ERROR(check_enabled());
  std::error_code ec;
  fs::create_directories(root_, ec);
  if (ec) return io_error("cannot create " + root_.string() + ": " + ec.message());
  std::string pattern = (root_ / ".upload-XXXXXX").string();
  if (::mkdtemp(pattern.data()) == nullptr) {
    return io_error("cannot create a staging directory in " + root_.string());
  }
  return fs::path(pattern);
}

}  // namespace vecdex::server
