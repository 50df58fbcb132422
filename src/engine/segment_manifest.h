// The segment manifest (dir/segments.manifest): which sealed segment files make up a collection's
// index and which pids each file holds. Written atomically (temp file + rename) after every swap;
// the file is the source of truth for what open() loads.
//
// Layout (little-endian): "VDXSEGMF" magic, u32 format version (1), u32 reserved (0),
// u64 next_segment_id, u64 segment count, then per segment: u64 id, u64 pid count, pids (u64
// each); finally u64 XXH3 checksum of every byte before it.
#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

#include "engine/payload_index.h"  // Pid
#include "vecdex/result.h"

namespace vecdex::engine {

struct SegmentManifest {
  struct Entry {
    uint64_t id = 0;
    std::vector<Pid> pids;  // the points in seg-<id>.vdx (some may have been deleted since)
  };
  uint64_t next_segment_id = 0;
  std::vector<Entry> segments;
};

// dir / "segments.manifest".
std::filesystem::path manifest_path(const std::filesystem::path& dir);

std::vector<uint8_t> encode_manifest(const SegmentManifest& manifest);
// Corruption naming `source` and what is wrong (bad magic, unknown version, truncated,
// checksum mismatch, trailing bytes, duplicate segment id).
Result<SegmentManifest> decode_manifest(const std::vector<uint8_t>& bytes,
                                        const std::filesystem::path& source);

// Atomic write of encode_manifest(manifest) to manifest_path(dir). IOError on failure.
Status write_manifest(const std::filesystem::path& dir, const SegmentManifest& manifest);
// NotFound when there is no manifest; IOError when it cannot be read; Corruption as above.
Result<SegmentManifest> read_manifest(const std::filesystem::path& dir);

}  // namespace vecdex::engine
