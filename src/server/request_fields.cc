// Flat string-member JSON bodies; see request_fields.h.
#include "server/request_fields.h"

#include <simdjson.h>

#include <algorithm>

namespace vecdex::server {
namespace {

std::string describe(simdjson::error_code e) { return simdjson::error_message(e); }

std::string quoted(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('"');
  out.append(text);
  out.push_back('"');
  return out;
}

}  // namespace

Result<std::map<std::string, std::string, std::less<>>> parse_string_fields(
    std::string_view body, const std::vector<std::string_view>& allowed) {
  std::map<std::string, std::string, std::less<>> out;
  if (std::all_of(body.begin(), body.end(), [](char c) {
        return c == ' ' || c == '\n' || c == '\r' || c == '\t';
      })) {
    return out;
  }
  auto fail = [](const std::string& what) -> Status {
    return invalid_argument("request body: " + what);
  };
  // The DOM parser validates the whole document (trailing content included); these bodies are
  // tiny, so its tape costs nothing worth the On-Demand API's forward-only care.
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto e = parser.parse(body.data(), body.size()).get(doc); e) return fail(describe(e));
  simdjson::dom::object object;
  if (doc.get_object().get(object) != simdjson::SUCCESS) return fail("expected a JSON object");
  for (const simdjson::dom::key_value_pair field : object) {
    const std::string_view key = field.key;
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      std::string names;
      for (std::string_view a : allowed) {
        if (!names.empty()) names += ", ";
        names += quoted(a);
      }
      return fail("unknown member " + quoted(key) + "; expected " + names);
    }
    std::string_view value;
    if (field.value.get_string().get(value) != simdjson::SUCCESS) {
      return fail(quoted(key) + ": expected a string");
    }
    if (!out.emplace(std::string(key), std::string(value)).second) {
      return fail(quoted(key) + " is given twice");
    }
  }
  return out;
}

}  // namespace vecdex::server
