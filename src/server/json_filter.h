// Reading a payload filter (Qdrant's JSON shape, documented at parse_filter in json_codec.h)
// from a value inside a request body; shared by search and delete bodies.
#pragma once

#include "vecdex/payload.h"
#include "vecdex/result.h"

#include "server/json_reader.h"

namespace vecdex::server::json {

// The filter object at `at`, checked as it is read (clause shapes, empty match-any lists, ranges
// without bounds, nesting deeper than PayloadFilter::kMaxDepth) and then by
// PayloadFilter::validate().
Result<PayloadFilter> read_filter(od::value& value, const JsonPath& at);
// The same, for a filter object already opened (a body that is a filter).
Result<PayloadFilter> read_filter_object(od::object& object, const JsonPath& at);

}  // namespace vecdex::server::json
