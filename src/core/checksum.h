// Checksums for file headers and sections: XXH3 64-bit (xxHash), fast enough to verify every
// section of a multi-GB index at load time. See docs/file-format.md.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace vecdex {

// XXH3_64bits of the bytes (seed 0). Stable across platforms and xxHash versions >= 0.8.
uint64_t checksum64(const void* data, size_t size);
inline uint64_t checksum64(std::span<const uint8_t> bytes) {
  return checksum64(bytes.data(), bytes.size());
}

}  // namespace vecdex
