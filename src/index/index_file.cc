// IndexFileWriter / IndexFileReader: the container format of docs/file-format.md.
// All integers are little-endian; the reader never trusts a length or offset before checking it
// against the real file size, so any byte sequence yields either a valid reader or Corruption.
#include "index/index_file.h"

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "core/checksum.h"
#include "core/file_util.h"

namespace vecdex {
namespace {

using Format = IndexFileFormat;

// Header field offsets (docs/file-format.md §header).
constexpr size_t kOffMagic = 0;
constexpr size_t kOffVersion = 8;
constexpr size_t kOffDim = 12;
constexpr size_t kOffFamily = 16;
constexpr size_t kOffMetric = 24;
constexpr size_t kOffElementType = 25;
constexpr size_t kOffReserved = 26;
constexpr size_t kOffSectionCount = 28;
constexpr size_t kOffCount = 32;
constexpr size_t kOffTableOffset = 40;
constexpr size_t kOffTableChecksum = 48;
constexpr size_t kOffHeaderChecksum = 56;
// Table entry field offsets.
constexpr size_t kEntryName = 0;
constexpr size_t kEntryNameBytes = 24;
constexpr size_t kEntryOffset = 24;
constexpr size_t kEntrySize = 32;
constexpr size_t kEntryChecksum = 40;

template <typename T>
void put(uint8_t* dst, T value) {
  std::memcpy(dst, &value, sizeof(T));
}
template <typename T>
T get(const uint8_t* src) {
  T value;
  std::memcpy(&value, src, sizeof(T));
  return value;
}

uint64_t align_up(uint64_t x) { return (x + Format::kAlignment - 1) / Format::kAlignment * Format::kAlignment; }

bool valid_name(std::string_view name, size_t max_len) {
  if (name.empty() || name.size() > max_len) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return c > 0x20 && c < 0x7f; });
}

// Reads a NUL-terminated, NUL-padded name field; false when it is malformed.
bool read_name(const uint8_t* field, size_t field_size, size_t max_len, std::string* out) {
  const uint8_t* end = static_cast<const uint8_t*>(std::memchr(field, 0, field_size));
  if (end == nullptr) return false;
  std::string name(reinterpret_cast<const char*>(field), static_cast<size_t>(end - field));
  for (const uint8_t* p = end; p < field + field_size; ++p) {
    if (*p != 0) return false;
  }
  if (!valid_name(name, max_len)) return false;
  *out = std::move(name);
  return true;
}

}  // namespace

// ---- writer ---------------------------------------------------------------------------------

Status IndexFileWriter::add_section(std::string_view name, std::span<const uint8_t> bytes) {
  if (!valid_name(name, Format::kMaxNameLength)) {
    return invalid_argument(fmt::format("section name '{}' must be 1..{} printable characters",
                                        name, Format::kMaxNameLength));
  }
  for (const Pending& p : sections_) {
    if (p.name == name) return invalid_argument(fmt::format("duplicate section '{}'", name));
  }
  if (sections_.size() >= Format::kMaxSections) {
    return invalid_argument(fmt::format("more than {} sections", Format::kMaxSections));
  }
  sections_.push_back(Pending{std::string(name), bytes});
  return Status();
}

Status IndexFileWriter::write(const std::filesystem::path& path) const {
  if (!valid_name(info_.family, Format::kMaxFamilyTagLength)) {
    return invalid_argument(fmt::format("family tag '{}' must be 1..{} printable characters",
                                        info_.family, Format::kMaxFamilyTagLength));
  }
  const size_t n = sections_.size();
  std::vector<uint8_t> table(n * Format::kTableEntrySize, 0);
  std::vector<uint64_t> offsets(n);
  uint64_t cursor = align_up(Format::kHeaderSize + table.size());
  for (size_t i = 0; i < n; ++i) {
    uint8_t* e = table.data() + i * Format::kTableEntrySize;
    std::memcpy(e + kEntryName, sections_[i].name.data(), sections_[i].name.size());
    offsets[i] = cursor;
    put<uint64_t>(e + kEntryOffset, cursor);
    put<uint64_t>(e + kEntrySize, sections_[i].bytes.size());
    put<uint64_t>(e + kEntryChecksum, checksum64(sections_[i].bytes));
    cursor = align_up(cursor + sections_[i].bytes.size());
  }

  std::array<uint8_t, Format::kHeaderSize> header{};
  std::memcpy(header.data() + kOffMagic, Format::kMagic, sizeof(Format::kMagic));
  put<uint32_t>(header.data() + kOffVersion, Format::kVersion);
  put<uint32_t>(header.data() + kOffDim, static_cast<uint32_t>(info_.dim));
  std::memcpy(header.data() + kOffFamily, info_.family.data(), info_.family.size());
  header[kOffMetric] = static_cast<uint8_t>(info_.metric);
  header[kOffElementType] = static_cast<uint8_t>(info_.element_type);
  put<uint16_t>(header.data() + kOffReserved, 0);
  put<uint32_t>(header.data() + kOffSectionCount, static_cast<uint32_t>(n));
  put<uint64_t>(header.data() + kOffCount, info_.count);
  put<uint64_t>(header.data() + kOffTableOffset, Format::kHeaderSize);
  put<uint64_t>(header.data() + kOffTableChecksum, checksum64(table.data(), table.size()));
  put<uint64_t>(header.data() + kOffHeaderChecksum, checksum64(header.data(), kOffHeaderChecksum));

  static const uint8_t kZeros[Format::kAlignment] = {};
  std::vector<std::span<const uint8_t>> chunks;
  chunks.reserve(2 + 2 * n + 1);
  chunks.emplace_back(header.data(), header.size());
  chunks.emplace_back(table.data(), table.size());
  uint64_t written = Format::kHeaderSize + table.size();
  for (size_t i = 0; i < n; ++i) {
    chunks.emplace_back(kZeros, offsets[i] - written);
    chunks.push_back(sections_[i].bytes);
    written = offsets[i] + sections_[i].bytes.size();
  }
  return write_file_atomically(path, chunks);
}

// ---- reader ---------------------------------------------------------------------------------

Status IndexFileReader::corrupt(std::string_view what) const {
  return corruption(fmt::format("load {}: {}", name_, what));
}

Status IndexFileReader::size_mismatch(std::string_view section, size_t bytes, size_t count,
                                      size_t elem) const {
  size_t expected = 0;
  std::string need = __builtin_mul_overflow(count, elem, &expected) ? std::string("more than 2^64")
                                                                    : std::to_string(expected);
  return corrupt(fmt::format("section '{}' has {} bytes, expected {} ({} x {} bytes)", section,
                             bytes, need, count, elem));
}

Result<IndexFileReader> IndexFileReader::open(const std::filesystem::path& path, bool use_mmap) {
  auto storage = std::make_shared<Storage>();
  if (use_mmap) {
    VECDEX_ASSIGN_OR_RETURN(storage->mapping, MappedFile::open(path));
    storage->bytes = storage->mapping.bytes();
  } else {
    VECDEX_ASSIGN_OR_RETURN(storage->buffer, read_file(path));
    storage->bytes = {storage->buffer.data(), storage->buffer.size()};
  }
  return validate(std::move(storage), path.filename().string());
}

Result<IndexFileReader> IndexFileReader::from_bytes(std::span<const uint8_t> bytes,
                                                    std::string name) {
  auto storage = std::make_shared<Storage>();
  VECDEX_RETURN_IF_ERROR(storage->buffer.resize_exact(bytes.size()));
  if (!bytes.empty()) std::memcpy(storage->buffer.data(), bytes.data(), bytes.size());
  storage->bytes = {storage->buffer.data(), storage->buffer.size()};
  return validate(std::move(storage), std::move(name));
}

Result<IndexFileReader> IndexFileReader::validate(std::shared_ptr<Storage> storage,
                                                  std::string name) {
  IndexFileReader r;
  r.name_ = std::move(name);
  const std::span<const uint8_t> file = storage->bytes;
  const uint64_t file_size = file.size();
  const uint8_t* h = file.data();

  if (file_size == 0) return r.corrupt("file is empty, not a vecdex index");
  if (file_size < Format::kHeaderSize) {
    return r.corrupt(fmt::format("file has {} bytes, smaller than the {}-byte header", file_size,
                                 Format::kHeaderSize));
  }
  if (std::memcmp(h + kOffMagic, Format::kMagic, sizeof(Format::kMagic)) != 0) {
    return r.corrupt("not a vecdex index file (bad magic; expected \"VECDEXIX\")");
  }
  uint32_t version = get<uint32_t>(h + kOffVersion);
  if (version > Format::kVersion) {
    return r.corrupt(fmt::format(
        "format version {} is newer than this build reads (up to {}); upgrade vecdex", version,
        Format::kVersion));
  }
  if (version == 0) return r.corrupt("format version 0 is invalid");
  if (checksum64(h, kOffHeaderChecksum) != get<uint64_t>(h + kOffHeaderChecksum)) {
    return r.corrupt("header checksum mismatch");
  }

  IndexFileInfo& info = r.info_;
  info.format_version = version;
  info.dim = get<uint32_t>(h + kOffDim);
  if (!read_name(h + kOffFamily, 8, Format::kMaxFamilyTagLength, &info.family)) {
    return r.corrupt("malformed family tag in header");
  }
  uint8_t metric = h[kOffMetric];
  if (metric > static_cast<uint8_t>(Metric::kCosine)) {
    return r.corrupt(fmt::format("unknown metric code {} in header", metric));
  }
  info.metric = static_cast<Metric>(metric);
  uint8_t element = h[kOffElementType];
  if (element > static_cast<uint8_t>(ElementType::kBinary)) {
    return r.corrupt(fmt::format("unknown element type code {} in header", element));
  }
  info.element_type = static_cast<ElementType>(element);
  if (get<uint16_t>(h + kOffReserved) != 0) return r.corrupt("reserved header bytes are not zero");
  if (info.dim == 0) return r.corrupt("dimension 0 in header");
  info.count = get<uint64_t>(h + kOffCount);

  uint32_t n_sections = get<uint32_t>(h + kOffSectionCount);
  uint64_t table_offset = get<uint64_t>(h + kOffTableOffset);
  if (n_sections > Format::kMaxSections) {
    return r.corrupt(fmt::format("{} sections (at most {})", n_sections, Format::kMaxSections));
  }
  uint64_t table_bytes = uint64_t{n_sections} * Format::kTableEntrySize;
  if (table_offset < Format::kHeaderSize || table_offset > file_size ||
      table_bytes > file_size - table_offset) {
    return r.corrupt(fmt::format("truncated section table (need {} bytes at offset {}, file has {})",
                                 table_bytes, table_offset, file_size));
  }
  const uint8_t* table = h + table_offset;
  if (checksum64(table, table_bytes) != get<uint64_t>(h + kOffTableChecksum)) {
    return r.corrupt("section table checksum mismatch");
  }
  const uint64_t table_end = table_offset + table_bytes;

  r.sections_.reserve(n_sections);
  for (uint32_t i = 0; i < n_sections; ++i) {
    const uint8_t* e = table + uint64_t{i} * Format::kTableEntrySize;
    Section s;
    if (!read_name(e + kEntryName, kEntryNameBytes, Format::kMaxNameLength, &s.name)) {
      return r.corrupt(fmt::format("malformed name of section #{}", i));
    }
    s.offset = get<uint64_t>(e + kEntryOffset);
    s.size = get<uint64_t>(e + kEntrySize);
    if (s.offset % Format::kAlignment != 0) {
      return r.corrupt(fmt::format("section '{}' at offset {} is not {}-byte aligned", s.name,
                                   s.offset, Format::kAlignment));
    }
    if (s.offset < table_end) {
      return r.corrupt(fmt::format("section '{}' at offset {} overlaps the header or table",
                                   s.name, s.offset));
    }
    if (s.offset > file_size || s.size > file_size - s.offset) {
      return r.corrupt(fmt::format("truncated section '{}' (need {} bytes at offset {}, file has {})",
                                   s.name, s.size, s.offset, file_size));
    }
    for (const Section& other : r.sections_) {
      if (other.name == s.name) return r.corrupt(fmt::format("duplicate section '{}'", s.name));
    }
    r.sections_.push_back(std::move(s));
  }
  std::vector<const Section*> by_offset;
  for (const Section& s : r.sections_) by_offset.push_back(&s);
  std::sort(by_offset.begin(), by_offset.end(),
            [](const Section* a, const Section* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const Section& prev = *by_offset[i - 1];
    if (prev.offset + prev.size > by_offset[i]->offset) {
      return r.corrupt(fmt::format("sections '{}' and '{}' overlap", prev.name, by_offset[i]->name));
    }
  }
  for (uint32_t i = 0; i < n_sections; ++i) {
    const Section& s = r.sections_[i];
    uint64_t expected = get<uint64_t>(table + uint64_t{i} * Format::kTableEntrySize + kEntryChecksum);
    if (checksum64(h + s.offset, s.size) != expected) {
      return r.corrupt(fmt::format("checksum mismatch in section '{}'", s.name));
    }
  }
  r.storage_ = std::move(storage);
  return r;
}

bool IndexFileReader::has_section(std::string_view name) const {
  return std::any_of(sections_.begin(), sections_.end(),
                     [&](const Section& s) { return s.name == name; });
}

Result<std::string> IndexFileReader::spec() const {
  VECDEX_ASSIGN_OR_RETURN(std::span<const uint8_t> bytes, section(IndexFileFormat::kSpecSection));
  if (bytes.empty() || bytes.size() > IndexFileFormat::kMaxSpecBytes) {
    return corrupt(fmt::format("section '{}' has {} bytes, expected 1..{}",
                               IndexFileFormat::kSpecSection, bytes.size(),
                               IndexFileFormat::kMaxSpecBytes));
  }
  return std::string(reinterpret_cast<const char*>(bytes.data()), bytes.size());
}

Result<std::span<const uint8_t>> IndexFileReader::section(std::string_view name) const {
  for (const Section& s : sections_) {
    if (s.name == name) return std::span<const uint8_t>(storage_->bytes.data() + s.offset, s.size);
  }
  return corrupt(fmt::format("missing section '{}'", name));
}

}  // namespace vecdex
