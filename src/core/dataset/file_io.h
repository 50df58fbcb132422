// Small file helpers shared by the dataset readers and writers: a bounded, checked reader that
// knows the file's real size, an atomic (temp + rename) writer, and overflow-checked sizes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "vecdex/result.h"
#include "vecdex/status.h"

namespace vecdex::dataset {

// Largest vector dimension (and IDX image size) a reader accepts; guards against absurd headers.
inline constexpr size_t kMaxDim = size_t{1} << 20;

// Stores a * b in *out and returns true, or returns false when the product overflows size_t.
bool checked_mul(size_t a, size_t b, size_t* out);

// Resizes `v` to n elements, turning std::bad_alloc into ResourceExhausted.
template <typename T>
Status checked_resize(std::vector<T>& v, size_t n) {
  try {
    v.resize(n);
  } catch (const std::bad_alloc&) {
    return resource_exhausted("cannot allocate " + std::to_string(n) + " elements of " +
                              std::to_string(sizeof(T)) + " bytes");
  }
  return Status();
}

// Sequential reader over a regular file whose size is known up front. Every read is exact:
// asking for more bytes than remain is Corruption naming the offset, never a short read.
class InputFile {
 public:
  static Result<InputFile> open(const std::filesystem::path& path);
  InputFile(InputFile&& other) noexcept;
  InputFile& operator=(InputFile&& other) noexcept;
  ~InputFile();

  uint64_t size() const { return size_; }
  uint64_t offset() const { return offset_; }
  uint64_t remaining() const { return size_ - offset_; }

  // Reads exactly n bytes into dst; `what` names the data in the error message.
  Status read(void* dst, size_t n, const char* what);
  Status seek(uint64_t offset);

 private:
  InputFile(std::FILE* f, uint64_t size) : file_(f), size_(size) {}
  std::FILE* file_ = nullptr;
  uint64_t size_ = 0;
  uint64_t offset_ = 0;
};

// Writes to "<path>.tmp" and renames onto `path` on commit(). Destroying an uncommitted file
// removes the temporary, so a failed write never leaves a partial file under `path`.
class AtomicOutputFile {
 public:
  static Result<AtomicOutputFile> create(const std::filesystem::path& path);
  AtomicOutputFile(AtomicOutputFile&& other) noexcept;
  AtomicOutputFile& operator=(AtomicOutputFile&&) = delete;
  ~AtomicOutputFile();

  Status write(const void* src, size_t n);
  // Flushes, syncs, closes and renames onto the final path.
  Status commit();

 private:
  AtomicOutputFile(std::FILE* f, std::filesystem::path path, std::filesystem::path tmp)
      : file_(f), path_(std::move(path)), tmp_(std::move(tmp)) {}
  std::FILE* file_ = nullptr;
  std::filesystem::path path_;
  std::filesystem::path tmp_;
  bool committed_ = false;
};

}  // namespace vecdex::dataset
