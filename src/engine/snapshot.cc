// Snapshot export and verified import, see snapshot.h.
#include "engine/snapshot.h"

#include <cinttypes>
#include <cstdio>
#include <map>
#include <sstream>
#include <system_error>

#include "core/checksum.h"
#include "core/file_util.h"
#include "engine/collection_record.h"
#include "engine/wire.h"

namespace vecdex::engine {
namespace {

constexpr std::string_view kManifestName = "MANIFEST";
constexpr std::string_view kConfigName = "config.bin";
constexpr std::string_view kPointsName = "points.dat";
constexpr std::string_view kManifestHeader = "vecdex-snapshot 1";
constexpr std::string_view kPointsMagic = "VDXPTS01";
constexpr uint32_t kEndOfFrames = 0xffffffffu;

std::string hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016" PRIx64, v);
  return buf;
}

std::span<const uint8_t> bytes_of(std::string_view s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Status write_file(const std::filesystem::path& path, std::string_view contents) {
  std::span<const uint8_t> chunk = bytes_of(contents);
  return write_file_atomically(path, std::span<const std::span<const uint8_t>>(&chunk, 1));
}

struct ManifestFile {
  uint64_t size = 0;
  uint64_t checksum = 0;
};

struct Manifest {
  std::string collection;
  size_t points = 0;
  std::map<std::string, ManifestFile> files;
};

Result<Manifest> parse_manifest(std::string_view text) {
  auto bad = [](std::string why) { return corruption("snapshot MANIFEST " + why); };
  size_t sum_at = text.rfind("manifest-checksum ");
  if (sum_at == std::string_view::npos || (sum_at != 0 && text[sum_at - 1] != '\n')) {
    return bad("has no manifest-checksum line (truncated?)");
  }
  std::string stated(text.substr(sum_at + 18));
  while (!stated.empty() && (stated.back() == '\n' || stated.back() == '\r')) stated.pop_back();
  if (stated != hex64(checksum64(text.data(), sum_at))) {
    return bad("checksum does not match its contents (damaged)");
  }
  std::istringstream in{std::string(text.substr(0, sum_at))};
  std::string line;
  if (!std::getline(in, line) || line != kManifestHeader) {
    return bad("does not start with \"" + std::string(kManifestHeader) + "\"");
  }
  Manifest m;
  bool have_points = false;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string word;
    fields >> word;
    if (word == "collection") {
      fields >> m.collection;
    } else if (word == "points") {
      fields >> m.points;
      have_points = !fields.fail();
    } else if (word == "file") {
      std::string name, sum;
      ManifestFile f;
      fields >> name >> f.size >> sum;
      if (fields.fail() || sum.size() != 16) return bad("has a malformed file line: " + line);
      if (name != kConfigName && name != kPointsName) return bad("lists an unknown file " + name);
      f.checksum = std::strtoull(sum.c_str(), nullptr, 16);
      m.files[name] = f;
    } else {
      return bad("has an unknown line: " + line);
    }
  }
  if (!have_points) return bad("lacks the points line");
  for (std::string_view need : {kConfigName, kPointsName}) {
    if (m.files.count(std::string(need)) == 0) return bad("does not list " + std::string(need));
  }
  return m;
}

// Walks the frames of points.dat; calls fn per record unless fn is empty. Returns the count.
Result<size_t> walk_frames(std::span<const uint8_t> file,
                           const std::function<Status(std::string_view)>& fn) {
  ByteReader in(file, "snapshot points.dat");
  char magic[8];
  VECDEX_RETURN_IF_ERROR(in.raw(magic, 8, "magic"));
  if (std::string_view(magic, 8) != kPointsMagic) {
    return corruption("snapshot points.dat does not start with " + std::string(kPointsMagic));
  }
  size_t count = 0;
  for (;;) {
    uint32_t len = 0;
    VECDEX_RETURN_IF_ERROR(in.u32(len, "frame length"));
    if (len == kEndOfFrames) break;
    if (len > in.remaining()) {
      return corruption("snapshot points.dat: frame " + std::to_string(count) +
                        " runs past the end of the file (truncated?)");
    }
    std::string_view record(reinterpret_cast<const char*>(file.data() + in.position()), len);
    uint64_t stated = 0;
    VECDEX_RETURN_IF_ERROR(in.skip(len, "record"));
    VECDEX_RETURN_IF_ERROR(in.u64(stated, "frame checksum"));
    if (stated != checksum64(record.data(), record.size())) {
      return corruption("snapshot points.dat: frame " + std::to_string(count) +
                        " fails its checksum (damaged)");
    }
    if (fn) VECDEX_RETURN_IF_ERROR(fn(record));
    ++count;
  }
  uint64_t stated_count = 0;
  VECDEX_RETURN_IF_ERROR(in.u64(stated_count, "point count"));
  VECDEX_RETURN_IF_ERROR(in.expect_end());
  if (stated_count != count) {
    return corruption("snapshot points.dat holds " + std::to_string(count) +
                      " frames, its trailer says " + std::to_string(stated_count));
  }
  return count;
}

}  // namespace

Status write_snapshot(const std::filesystem::path& dir, const CollectionConfig& config,
                      const ForEachRecord& for_each_record) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec) && !std::filesystem::is_empty(dir, ec)) {
    return already_exists("snapshot directory " + dir.string() + " is not empty");
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) return io_error("creating snapshot directory " + dir.string() + ": " + ec.message());

  std::string points(kPointsMagic);
  ByteWriter w(points);
  size_t count = 0;
  VECDEX_RETURN_IF_ERROR(for_each_record([&](std::string_view record) {
    w.u32(static_cast<uint32_t>(record.size()));
    w.raw(record.data(), record.size());
    w.u64(checksum64(record.data(), record.size()));
    ++count;
    return Status();
  }));
  w.u32(kEndOfFrames);
  w.u64(count);
  const std::string config_bytes = encode_collection_config(config);

  std::string manifest(kManifestHeader);
  manifest += "\ncollection " + config.name + "\npoints " + std::to_string(count) + "\n";
  for (auto [name, contents] : {std::pair<std::string_view, std::string_view>{kConfigName, config_bytes},
                                {kPointsName, points}}) {
    VECDEX_RETURN_IF_ERROR(write_file(dir / name, contents));
    manifest += "file " + std::string(name) + " " + std::to_string(contents.size()) + " " +
                hex64(checksum64(contents.data(), contents.size())) + "\n";
  }
  manifest += "manifest-checksum " + hex64(checksum64(manifest.data(), manifest.size())) + "\n";
  return write_file(dir / kManifestName, manifest);
}

Result<SnapshotContents> read_snapshot(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) {
    return not_found("snapshot directory " + dir.string() + " does not exist");
  }
  const std::string where = "snapshot " + dir.string() + ": ";
  if (!std::filesystem::exists(dir / kManifestName, ec)) {
    return corruption(where + "MANIFEST is missing (incomplete export?)");
  }
  VECDEX_ASSIGN_OR_RETURN(auto manifest_bytes, read_file(dir / kManifestName));
  auto manifest = parse_manifest(std::string_view(
      reinterpret_cast<const char*>(manifest_bytes.data()), manifest_bytes.size()));
  if (!manifest.ok()) return manifest.status().with_context("snapshot " + dir.string());

  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
    std::string name = entry.path().filename().string();
    if (name != kManifestName && manifest->files.count(name) == 0) {
      return corruption(where + "unexpected file " + name + " (not in the MANIFEST)");
    }
  }
  SnapshotContents out;
  for (const auto& [name, stated] : manifest->files) {
    if (!std::filesystem::exists(dir / name, ec)) {
      return corruption(where + name + " is missing");
    }
    VECDEX_ASSIGN_OR_RETURN(auto bytes, read_file(dir / name));
    if (bytes.size() != stated.size) {
      return corruption(where + name + " is " + std::to_string(bytes.size()) +
                        " bytes, the MANIFEST says " + std::to_string(stated.size) +
                        " (truncated or damaged)");
    }
    if (checksum64(bytes.data(), bytes.size()) != stated.checksum) {
      return corruption(where + name + " fails its checksum (damaged)");
    }
    if (name == kConfigName) {
      auto config = decode_collection_config(
          std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
      if (!config.ok()) return config.status().with_context(where + name);
      out.config = std::move(config).value();
    } else if (name == kPointsName) {
      out.points_file = std::move(bytes);
    }
  }
  VECDEX_ASSIGN_OR_RETURN(size_t frames,
                          walk_frames({out.points_file.data(), out.points_file.size()}, {}));
  if (frames != manifest->points) {
    return corruption(where + "points.dat holds " + std::to_string(frames) +
                      " points, the MANIFEST says " + std::to_string(manifest->points));
  }
  out.points = frames;
  return out;
}

Status SnapshotContents::for_each_record(
    const std::function<Status(std::string_view record)>& fn) const {
  return walk_frames({points_file.data(), points_file.size()}, fn).status();
}

}  // namespace vecdex::engine
