// A point as stored under its internal number (points column): the external id (its key
// encoding, engine/payload_codec.h), the raw float32 vector (kept for rebuilds, re-ranking and
// snapshots), the model version and the encoded payload.
// Layout: u8 version(=1) | bytes id key | u32 dim | dim x f32 | bytes model_version |
//         bytes payload (encode_payload)
#pragma once

#include <span>
#include <string>
#include <string_view>

#include "vecdex/database.h"
#include "vecdex/result.h"

namespace vecdex::engine {

// Appends the record of `point` (whose id encodes to `id_key`) to `out`.
void encode_point_record(const Point& point, std::string_view id_key, std::string& out);

// Decodes a whole record. Corruption for damaged bytes or a dim other than `dim`.
Result<Point> decode_point_record(std::string_view bytes, size_t dim);
// Copies just the vector (dim floats) into out; same checks on the vector part.
Status decode_point_vector(std::string_view bytes, size_t dim, float* out);

}  // namespace vecdex::engine
