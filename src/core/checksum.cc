// checksum64 over libxxhash's XXH3.
#include "core/checksum.h"

#include <xxhash.h>

namespace vecdex {

uint64_t checksum64(const void* data, size_t size) {
  return static_cast<uint64_t>(XXH3_64bits(data, size));
}

}  // namespace vecdex
