// JSON text writers over fmt (Dragonbox shortest round-trip formatting for floats).
#include "server/json_writer.h"

#include <cmath>
#include <type_traits>
#include <variant>

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <simdjson.h>

namespace vecdex::server::json {

namespace {

bool needs_escape(unsigned char c) {
  return c == '"' || c == '\\' || c < 0x20;
}

void append_escaped(std::string& out, unsigned char c) {
  switch (c) {
    case '"':
      out += "\\\"";
      return;
    case '\\':
      out += "\\\\";
      return;
    case '\b':
      out += "\\b";
      return;
    case '\f':
      out += "\\f";
      return;
    case '\n':
      out += "\\n";
      return;
    case '\r':
      out += "\\r";
      return;
    case '\t':
      out += "\\t";
      return;
    default:
      fmt::format_to(std::back_inserter(out), "\\u{:04x}", c);
      return;
  }
}

}  // namespace

void append_string(std::string& out, std::string_view text) {
  if (!simdjson::validate_utf8(text)) {
    // Rare (ids from URL paths, truncated input in messages): nlohmann's replacing dump.
    out += nlohmann::json(std::string(text))
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return;
  }
  out += '"';
  size_t run_start = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (!needs_escape(c)) continue;
    out.append(text, run_start, i - run_start);
    append_escaped(out, c);
    run_start = i + 1;
  }
  out.append(text, run_start, text.size() - run_start);
  out += '"';
}

void append_float(std::string& out, float value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buffer[32];
  char* end = fmt::format_to(buffer, "{}", value);
  out.append(buffer, end);
}

void append_double(std::string& out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char buffer[40];
  char* end = fmt::format_to(buffer, "{}", value);
  out.append(buffer, end);
  // "3" would read back as an int; "1e+20" and "0.5" already read as floats.
  if (std::string_view(buffer, end - buffer).find_first_of(".e") == std::string_view::npos) {
    out += ".0";
  }
}

void append_int(std::string& out, int64_t value) {
  const fmt::format_int text(value);
  out.append(text.data(), text.size());
}

void append_uint(std::string& out, uint64_t value) {
  const fmt::format_int text(value);
  out.append(text.data(), text.size());
}

void append_floats(std::string& out, std::span<const float> values) {
  out += '[';
  for (size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    append_float(out, values[i]);
  }
  out += ']';
}

void append_point_id(std::string& out, const PointId& id) {
  if (id.is_number()) {
    append_uint(out, id.number());
  } else {
    append_string(out, id.text());
  }
}

void append_payload_value(std::string& out, const PayloadValue& value) {
  std::visit(
      [&out](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, int64_t>) {
          append_int(out, v);
        } else if constexpr (std::is_same_v<T, double>) {
          append_double(out, v);
        } else if constexpr (std::is_same_v<T, bool>) {
          out += v ? "true" : "false";
        } else if constexpr (std::is_same_v<T, std::string>) {
          append_string(out, v);
        } else {
          out += '[';
          for (size_t i = 0; i < v.size(); ++i) {
            if (i > 0) out += ',';
            append_string(out, v[i]);
          }
          out += ']';
        }
      },
      value);
}

void append_payload(std::string& out, const Payload& payload) {
  out += '{';
  bool first = true;
  for (const auto& [name, value] : payload) {
    if (!first) out += ',';
    first = false;
    append_string(out, name);
    out += ':';
    append_payload_value(out, value);
  }
  out += '}';
}

}  // namespace vecdex::server::json
