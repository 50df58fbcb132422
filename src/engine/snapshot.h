// Collection snapshots: an immutable, checksummed directory that holds a collection's config
// and every live point, for serving replicas and blue/green deploys.
//   MANIFEST     text: "vecdex-snapshot 1", "collection <name>", "points <n>", one
//                "file <name> <bytes> <xxh3 hex>" line per data file, and a last line
//                "manifest-checksum <xxh3 hex>" over every byte before it.
//   config.bin   encode_collection_config (collection_record.h).
//   points.dat   "VDXPTS01", then per point: u32 length | point record (point_record.h) |
//                u64 XXH3 of the record; then u32 0xffffffff | u64 point count.
// Segment index files are not included: the importer rebuilds the indexes from the vectors.
#pragma once

#include <cstddef>
#include <filesystem>
#include <functional>
#include <string_view>

#include "core/aligned_buffer.h"
#include "vecdex/database.h"
#include "vecdex/result.h"

namespace vecdex::engine {

// Calls its argument once per point record (the stored bytes).
using ForEachRecord =
    std::function<Status(const std::function<Status(std::string_view record)>&)>;

// Writes a snapshot into `dir` (created; AlreadyExists when it exists and is not empty).
// points.dat is streamed to disk in chunks (memory does not grow with the collection). The
// manifest is written last, so an interrupted export is never mistaken for a complete one.
Status write_snapshot(const std::filesystem::path& dir, const CollectionConfig& config,
                      const ForEachRecord& for_each_record);

// A verified snapshot in memory.
struct SnapshotContents {
  CollectionConfig config;
  size_t points = 0;
  AlignedBuffer<uint8_t> points_file;
  // Calls fn(record) for every point record (already checked against its checksum).
  Status for_each_record(const std::function<Status(std::string_view record)>& fn) const;
};

// Reads and verifies a whole snapshot: the manifest's own checksum, every listed file's size
// and XXH3, no unlisted file, every point frame's checksum and the point count. Corruption
// naming the file (and what was wrong) for a damaged, truncated, missing or extra file;
// NotFound when `dir` does not exist.
Result<SnapshotContents> read_snapshot(const std::filesystem::path& dir);

}  // namespace vecdex::engine
