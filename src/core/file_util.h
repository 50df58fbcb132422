// Whole-file helpers: atomic write (temp file, fsync, rename) and read into aligned memory.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>

#include "core/aligned_buffer.h"
#include "vecdex/result.h"

namespace vecdex {

// Writes the concatenation of `chunks` to `path` atomically: the bytes go to path + ".tmp",
// which is fsync'ed and renamed over `path`, then the directory is fsync'ed. On any failure the
// temporary file is removed, `path` is untouched, and the result is IOError naming the path, the
// step and the OS error.
Status write_file_atomically(const std::filesystem::path& path,
                             std::span<const std::span<const uint8_t>> chunks);

// Reads a whole file into a 64-byte aligned buffer. IOError when it cannot be opened or read;
// ResourceExhausted when it does not fit in memory.
Result<AlignedBuffer<uint8_t>> read_file(const std::filesystem::path& path);

}  // namespace vecdex
