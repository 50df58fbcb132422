// Snapshot export and verified import, see snapshot.h.
#include "engine/snapshot.h"

#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <sstream>
#include <system_error>

#include <xxhash.h>

#include "core/checksum.h"
#include "core/dataset/file_io.h"
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
// points.dat goes to disk in chunks of about this size, so an export needs no memory in
// proportion to the collection.
constexpr size_t kChunkBytes = size_t{1} << 20;

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

// A file written in chunks (temp file + rename on finish) whose size and XXH3 (the same value
// checksum64 gives for the whole file) are computed on the way.
class ChunkedOutput {
 public:
  static Result<ChunkedOutput> create(const std::filesystem::path& path) {
    VECDEX_ASSIGN_OR_RETURN(dataset::AtomicOutputFile file,
                            dataset::AtomicOutputFile::create(path));
    HashState hash(XXH3_createState(), &XXH3_freeState);
    if (hash == nullptr || XXH3_64bits_reset(hash.get()) != XXH_OK) {
      return resource_exhausted("cannot allocate a checksum state");
    }
    return ChunkedOutput(std::move(file), std::move(hash));
  }

  // Append here; call flush_if_full() now and then.
  std::string& buffer() { return buffer_; }
  Status flush_if_full() { return buffer_.size() >= kChunkBytes ? flush() : Status(); }
  // Writes the rest, syncs and renames onto the final path.
  Result<ManifestFile> finish() {
    VECDEX_RETURN_IF_ERROR(flush());
    VECDEX_RETURN_IF_ERROR(file_.commit());
    return ManifestFile{size_, XXH3_64bits_digest(hash_.get())};
  }

 private:
  using HashState = std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)>;
  ChunkedOutput(dataset::AtomicOutputFile file, HashState hash)
      : file_(std::move(file)), hash_(std::move(hash)) {}

  Status flush() {
    VECDEX_RETURN_IF_ERROR(file_.write(buffer_.data(), buffer_.size()));
    XXH3_64bits_update(hash_.get(), buffer_.data(), buffer_.size());
    size_ += buffer_.size();
    buffer_.clear();
    return Status();
  }

  dataset::AtomicOutputFile file_;
  HashState hash_;
  std::string buffer_;
  uint64_t size_ = 0;
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

  VECDEX_ASSIGN_OR_RETURN(ChunkedOutput points, ChunkedOutput::create(dir / kPointsName));
  points.buffer().assign(kPointsMagic);
  ByteWriter w(points.buffer());
  size_t count = 0;
  VECDEX_RETURN_IF_ERROR(for_each_record([&](std::string_view record) {
    w.u32(static_cast<uint32_t>(record.size()));
    w.raw(record.data(), record.size());
    w.u64(checksum64(record.data(), record.size()));
    ++count;
    return points.flush_if_full();
  }));
  w.u32(kEndOfFrames);
  w.u64(count);
  VECDEX_ASSIGN_OR_RETURN(ManifestFile points_file, points.finish());
  const std::string config_bytes = encode_collection_config(config);
  VECDEX_RETURN_IF_ERROR(write_file(dir / kConfigName, config_bytes));
  const ManifestFile config_file{config_bytes.size(),
                                 checksum64(config_bytes.data(), config_bytes.size())};

  std::string manifest(kManifestHeader);
  manifest += "\ncollection " + config.name + "\npoints " + std::to_string(count) + "\n";
  using Listed = std::pair<std::string_view, ManifestFile>;
  for (const auto& [name, file] : {Listed{kConfigName, config_file}, {kPointsName, points_file}}) {
    manifest += "file " + std::string(name) + " " + std::to_string(file.size) + " " +
                hex64(file.checksum) + "\n";
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
