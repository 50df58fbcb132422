// Small request bodies that json_codec.h has no parser for: a flat JSON object of string
// members ({"name":"nightly"} for a snapshot, {"collection":"c2","from":"c/snap"} for a
// restore). Parsed with simdjson like every other body.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "vecdex/result.h"

namespace vecdex::server {

// The members of a JSON object whose names are in `allowed` and whose values are strings.
// An empty (or all-whitespace) body is an empty object. InvalidArgument for malformed JSON, a
// body that is not an object, an unknown member, a repeated member, or a non-string value.
Result<std::map<std::string, std::string, std::less<>>> parse_string_fields(
    std::string_view body, const std::vector<std::string_view>& allowed);

}  // namespace vecdex::server
