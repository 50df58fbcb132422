// Appending JSON text to a std::string with fmt, for the hot responses (search results, points,
// payloads) where building a DOM first would cost more than writing the text. Numbers use the
// shortest text that reads back to the same value. Private to the JSON codec.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "vecdex/payload.h"

namespace vecdex::server::json {

// A quoted JSON string: '"', '\\' and control characters escaped; bytes that are not valid
// UTF-8 become U+FFFD, so the output is always valid JSON.
void append_string(std::string& out, std::string_view text);
// Shortest text that reads back (as float32) to the same float; null when not finite.
void append_float(std::string& out, float value);
// Shortest text that reads back to the same double, with ".0" added to integral values so a
// reader types it as a float again; null when not finite.
void append_double(std::string& out, double value);
void append_int(std::string& out, int64_t value);
void append_uint(std::string& out, uint64_t value);
// [f, f, ...] with append_float.
void append_floats(std::string& out, std::span<const float> values);
// A number for numeric ids, a string otherwise.
void append_point_id(std::string& out, const PointId& id);
void append_payload_value(std::string& out, const PayloadValue& value);
// {"field": value, ...} in the payload's (sorted) order.
void append_payload(std::string& out, const Payload& payload);

}  // namespace vecdex::server::json
