// Binary encoding of payloads and point ids for storage (RocksDB values and keys). Compact,
// versioned, and decoded with full bounds checks: a damaged value is Corruption, never a crash.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "vecdex/payload.h"
#include "vecdex/result.h"

namespace vecdex::engine {

// Appends the encoding of `payload` to `out`.
void encode_payload(const Payload& payload, std::string& out);
// Decodes a whole encoding (no trailing bytes). Corruption on any inconsistency.
Result<Payload> decode_payload(std::span<const uint8_t> bytes);

// Order-preserving key encoding of an external id: numbers sort before strings, numbers by
// value (big-endian), strings bytewise. Distinct ids give distinct keys.
std::string encode_point_id(const PointId& id);
Result<PointId> decode_point_id(std::span<const uint8_t> bytes);

}  // namespace vecdex::engine
