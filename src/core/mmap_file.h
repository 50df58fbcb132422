// MappedFile: a whole file mapped read-only with POSIX mmap, unmapped on destruction.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>

#include "vecdex/result.h"

namespace vecdex {

// Read-only view of a file's bytes. The mapping is page-aligned, so data() is 64-byte aligned.
// An empty file maps to an empty span (data() == nullptr). Move-only.
// Thread safety: immutable after open; share freely (e.g. through a shared_ptr).
class MappedFile {
 public:
  // IOError naming the path and the OS error when the file cannot be opened, stat'ed or mapped.
  static Result<MappedFile> open(const std::filesystem::path& path);

  MappedFile() = default;
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  const uint8_t* data() const { return data_; }
  size_t size() const { return size_; }
  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  MappedFile(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  void unmap();

  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace vecdex
