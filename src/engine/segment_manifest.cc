// Segment manifest encoding (layout in segment_manifest.h).
#include "engine/segment_manifest.h"

#include <cstring>
#include <span>
#include <string_view>
#include <system_error>
#include <unordered_set>

#include <fmt/format.h>

#include "core/checksum.h"
#include "core/file_util.h"

namespace vecdex::engine {
namespace {

constexpr char kMagic[8] = {'V', 'D', 'X', 'S', 'E', 'G', 'M', 'F'};
constexpr uint32_t kVersion = 1;

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_u64(std::vector<uint8_t>& out, uint64_t v) {
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

// Bounds-checked little-endian reader over the manifest bytes.
class Reader {
 public:
  Reader(std::span<const uint8_t> bytes, const std::filesystem::path& source)
      : bytes_(bytes), source_(source) {}
  size_t offset() const { return offset_; }
  size_t remaining() const { return bytes_.size() - offset_; }

  Status u64(uint64_t& v, std::string_view what) {
    VECDEX_RETURN_IF_ERROR(need(8, what));
    v = 0;
    for (int i = 0; i < 8; ++i) v |= uint64_t{bytes_[offset_ + i]} << (8 * i);
    offset_ += 8;
    return Status();
  }
  Status u32(uint32_t& v, std::string_view what) {
    VECDEX_RETURN_IF_ERROR(need(4, what));
    v = 0;
    for (int i = 0; i < 4; ++i) v |= uint32_t{bytes_[offset_ + i]} << (8 * i);
    offset_ += 4;
    return Status();
  }
  Status need(size_t n, std::string_view what) const {
    if (remaining() < n) {
      return corruption(fmt::format("segment manifest {}: truncated {} (need {} bytes at offset "
                                    "{}, {} left)",
                                    source_.string(), what, n, offset_, remaining()));
    }
    return Status();
  }

 private:
  std::span<const uint8_t> bytes_;
  const std::filesystem::path& source_;
  size_t offset_ = 0;
};

}  // namespace

std::filesystem::path manifest_path(const std::filesystem::path& dir) {
  return dir / "segments.manifest";
}

std::vector<uint8_t> encode_manifest(const SegmentManifest& manifest) {
  std::vector<uint8_t> out(kMagic, kMagic + sizeof(kMagic));
  put_u32(out, kVersion);
  put_u32(out, 0);
  put_u64(out, manifest.next_segment_id);
  put_u64(out, manifest.segments.size());
  for (const SegmentManifest::Entry& e : manifest.segments) {
    put_u64(out, e.id);
    put_u64(out, e.pids.size());
    for (Pid pid : e.pids) put_u64(out, pid);
  }
  put_u64(out, checksum64(out.data(), out.size()));
  return out;
}

Result<SegmentManifest> decode_manifest(const std::vector<uint8_t>& bytes,
                                        const std::filesystem::path& source) {
  std::string name = source.string();
  if (bytes.size() < sizeof(kMagic) + 8 ||
      std::memcmp(bytes.data(), kMagic, sizeof(kMagic)) != 0) {
    return corruption(fmt::format("segment manifest {}: bad magic (not a segment manifest, {} "
                                  "bytes)",
                                  name, bytes.size()));
  }
  size_t body = bytes.size() - 8;
  Reader tail(std::span<const uint8_t>(bytes).subspan(body), source);
  uint64_t stored = 0;
  VECDEX_RETURN_IF_ERROR(tail.u64(stored, "checksum"));
  uint64_t actual = checksum64(bytes.data(), body);
  if (stored != actual) {
    return corruption(fmt::format("segment manifest {}: checksum mismatch (stored {:016x}, "
                                  "computed {:016x})",
                                  name, stored, actual));
  }
  Reader in(std::span<const uint8_t>(bytes.data(), body), source);
  VECDEX_RETURN_IF_ERROR(in.need(sizeof(kMagic), "magic"));
  uint64_t skip = 0;
  VECDEX_RETURN_IF_ERROR(in.u64(skip, "magic"));
  uint32_t version = 0;
  uint32_t reserved = 0;
  VECDEX_RETURN_IF_ERROR(in.u32(version, "version"));
  VECDEX_RETURN_IF_ERROR(in.u32(reserved, "header"));
  if (version != kVersion) {
    return corruption(fmt::format("segment manifest {}: format version {}, expected {}", name,
                                  version, kVersion));
  }
  SegmentManifest m;
  uint64_t count = 0;
  VECDEX_RETURN_IF_ERROR(in.u64(m.next_segment_id, "next segment id"));
  VECDEX_RETURN_IF_ERROR(in.u64(count, "segment count"));
  // Each segment takes at least 16 bytes: a count beyond that is damage, not a reason to
  // allocate.
  if (count > in.remaining() / 16) {
    return corruption(fmt::format("segment manifest {}: {} segments cannot fit in {} bytes", name,
                                  count, in.remaining()));
  }
  std::unordered_set<uint64_t> ids;
  m.segments.resize(count);
  for (SegmentManifest::Entry& e : m.segments) {
    uint64_t n = 0;
    VECDEX_RETURN_IF_ERROR(in.u64(e.id, "segment id"));
    VECDEX_RETURN_IF_ERROR(in.u64(n, "pid count"));
    if (!ids.insert(e.id).second) {
      return corruption(fmt::format("segment manifest {}: segment {} listed twice", name, e.id));
    }
    if (n > in.remaining() / 8) {
      return corruption(fmt::format("segment manifest {}: segment {} claims {} pids, only {} "
                                    "bytes left",
                                    name, e.id, n, in.remaining()));
    }
    e.pids.resize(n);
    for (Pid& pid : e.pids) VECDEX_RETURN_IF_ERROR(in.u64(pid, "pid"));
  }
  if (in.remaining() != 0) {
    return corruption(fmt::format("segment manifest {}: {} unexpected bytes after the last "
                                  "segment",
                                  name, in.remaining()));
  }
  return m;
}

Status write_manifest(const std::filesystem::path& dir, const SegmentManifest& manifest) {
  std::vector<uint8_t> bytes = encode_manifest(manifest);
  std::span<const uint8_t> chunk(bytes);
  return write_file_atomically(manifest_path(dir), std::span<const std::span<const uint8_t>>(&chunk, 1));
}

Result<SegmentManifest> read_manifest(const std::filesystem::path& dir) {
  std::filesystem::path path = manifest_path(dir);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    return not_found(fmt::format("segment manifest {} does not exist", path.string()));
  }
  VECDEX_ASSIGN_OR_RETURN(AlignedBuffer<uint8_t> raw, read_file(path));
  std::vector<uint8_t> bytes(raw.data(), raw.data() + raw.size());
  return decode_manifest(bytes, path);
}

}  // namespace vecdex::engine
