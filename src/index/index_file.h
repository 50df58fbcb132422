// The on-disk index format shared by every family: a 64-byte header, a section table, and
// 64-byte aligned sections (so big arrays can be used in place from an mmap). Families write
// and read their own sections (flat_io.cc, ...); this file knows only the container.
// See docs/file-format.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/mmap_file.h"
#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex {

// Fixed facts about the container format.
struct IndexFileFormat {
  static constexpr char kMagic[8] = {'V', 'E', 'C', 'D', 'E', 'X', 'I', 'X'};
  static constexpr uint32_t kVersion = 1;       // bump on any incompatible change
  static constexpr size_t kHeaderSize = 64;
  static constexpr size_t kTableEntrySize = 48;
  static constexpr size_t kAlignment = 64;      // every section starts on this boundary
  static constexpr size_t kMaxNameLength = 23;  // section names, family tags: <= 23 / 7 chars
  static constexpr size_t kMaxFamilyTagLength = 7;
  static constexpr uint32_t kMaxSections = 4096;
  // Every family stores the factory string it was built from in this section (1..4096 bytes)
  // and parses it again on load.
  static constexpr char kSpecSection[] = "index.spec";
  static constexpr size_t kMaxSpecBytes = 4096;
};

// What the header says about the index (besides the section table).
struct IndexFileInfo {
  std::string family;  // family tag, e.g. "Flat"
  uint32_t format_version = IndexFileFormat::kVersion;
  size_t dim = 0;
  Metric metric = Metric::kL2;
  ElementType element_type = ElementType::kF32;
  uint64_t count = 0;  // live vectors
};

// Collects named sections, then writes one file atomically. Section bytes are referenced, not
// copied: they must stay alive until write() returns.
// Thread safety: one writer per thread; not shareable during use.
class IndexFileWriter {
 public:
  explicit IndexFileWriter(IndexFileInfo info) : info_(std::move(info)) {}

  // Adds a section. Names are 1..23 printable ASCII chars and unique (InvalidArgument otherwise;
  // these are programming errors in a family's saver, reported rather than aborted on).
  Status add_section(std::string_view name, std::span<const uint8_t> bytes);
  // Adds the "index.spec" section (`spec` must outlive write()).
  Status add_spec(const std::string& spec) {
    return add_section(IndexFileFormat::kSpecSection,
                       {reinterpret_cast<const uint8_t*>(spec.data()), spec.size()});
  }
  template <typename T>
  Status add_array(std::string_view name, std::span<const T> values) {
    return add_section(name, std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(values.data()),
                                                      values.size_bytes()));
  }

  // Lays out header, table and sections and writes them to `path` (temp file + fsync + rename).
  // IOError on failure.
  Status write(const std::filesystem::path& path) const;

 private:
  struct Pending {
    std::string name;
    std::span<const uint8_t> bytes;
  };
  IndexFileInfo info_;
  std::vector<Pending> sections_;
};

// Validated view of an index file held in memory or mapped. open() checks the magic, version,
// header checksum, table checksum, every section's bounds, alignment, overlap and checksum
// against the real file size; after that, section() hands out spans that are known good.
// The bytes stay alive as long as any copy of storage() does, so a family loaded with mmap keeps
// the shared_ptr and points into it.
// Thread safety: immutable after open; share freely.
class IndexFileReader {
 public:
  // Backing bytes: an aligned in-memory copy or a read-only mapping.
  struct Storage {
    AlignedBuffer<uint8_t> buffer;
    MappedFile mapping;
    std::span<const uint8_t> bytes;
  };

  // Reads (or, with use_mmap, maps) `path` and validates it. Corruption naming the file and the
  // defect for a bad file; IOError when it cannot be read.
  static Result<IndexFileReader> open(const std::filesystem::path& path, bool use_mmap);
  // Validates bytes already in memory (they are copied). `name` is used in messages.
  static Result<IndexFileReader> from_bytes(std::span<const uint8_t> bytes, std::string name);

  const IndexFileInfo& info() const { return info_; }
  const std::string& file_name() const { return name_; }
  bool has_section(std::string_view name) const;
  // The section's bytes; Corruption "load <file>: missing section '<name>'" when absent.
  Result<std::span<const uint8_t>> section(std::string_view name) const;
  // The "index.spec" section as text; Corruption when missing or not 1..kMaxSpecBytes long.
  Result<std::string> spec() const;
  // The section as an array of T; Corruption unless its size is exactly `expected_count` Ts.
  template <typename T>
  Result<std::span<const T>> array(std::string_view name, size_t expected_count) const {
    VECDEX_ASSIGN_OR_RETURN(std::span<const uint8_t> bytes, section(name));
    if (expected_count > bytes.size() / sizeof(T) || bytes.size() != expected_count * sizeof(T)) {
      return size_mismatch(name, bytes.size(), expected_count, sizeof(T));
    }
    return std::span<const T>(reinterpret_cast<const T*>(bytes.data()), expected_count);
  }
  std::shared_ptr<const Storage> storage() const { return storage_; }
  // A Corruption status prefixed with "load <file>: ".
  Status corrupt(std::string_view what) const;

 private:
  struct Section {
    std::string name;
    uint64_t offset = 0;
    uint64_t size = 0;
  };
  static Result<IndexFileReader> validate(std::shared_ptr<Storage> storage, std::string name);
  Status size_mismatch(std::string_view section, size_t bytes, size_t count, size_t elem) const;

  std::shared_ptr<const Storage> storage_;
  std::string name_;
  IndexFileInfo info_;
  std::vector<Section> sections_;
};

}  // namespace vecdex
