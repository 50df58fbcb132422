// The HTTP API's JSON: request bodies parsed with simdjson into engine types, and engine types
// written out as JSON text. Every parse error is InvalidArgument with a message that names the
// offending place ("points[3].vector[17]: expected a finite number, got null"), which the
// server returns as a 400 body; only a body the parser cannot allocate for is
// ResourceExhausted. Objects of the request structure reject unknown and repeated keys
// ("unknown field 'vectr' at top level (expected vector, k, ...)"), so typos are caught;
// payload objects take any field names. Nothing here touches a Database: the codec is pure, so
// its tests need no server. The JSON shapes are documented in docs/api.md.
//
// Thread safety: every function may be called concurrently (no shared state).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "vecdex/database.h"
#include "vecdex/payload.h"
#include "vecdex/result.h"

namespace vecdex::server {

// Limits the parser enforces (the server fills them from ServerOptions). Arrays they bound must
// also hold at least one element.
struct JsonLimits {
  size_t max_points = 10000;        // points in one upsert body
  size_t max_k = 10000;             // k of one search
  size_t max_searches = 1000;       // searches in one batch body
  size_t max_ids = 100000;          // ids in one delete body
};

// PUT /collections/{name}: {"dim":784, "metric":"l2"|"ip"|"cosine", "index":"HNSW32",
//   "schema":{"fields":{"label":{"type":"int","required":true,"indexed":true}, ...},
//             "on_missing_required":"reject"|"count", "strict":false}}
// `name` comes from the path. dim (1..65536) and metric are required; index defaults to
// "HNSW32"; a field's type is required, required defaults to false and indexed to true. The
// schema is checked with PayloadSchema::validate(); the name and index spec are checked by
// Database::create_collection.
Result<CollectionConfig> parse_collection_config(std::string_view name, std::string_view body);

// PUT /collections/{name}/points: {"points":[{"id":1|"abc", "vector":[...],
//   "payload":{...}, "model_version":"v3"}, ...]}. Vectors must have `dim` numbers, finite as
// float32. Payload values: integers (no fraction or exponent, fits int64) -> int, other numbers ->
// float, true/false -> bool, strings -> string, arrays of strings -> keywords; anything else
// (null, objects, mixed arrays) is an error naming the field. Ids: an unsigned 64-bit integer or
// a string of 1..256 bytes (negative, fractional or other values are errors). 1..max_points
// points; schema checks happen at upsert.
Result<std::vector<Point>> parse_points(std::string_view body, size_t dim,
                                        const JsonLimits& limits);

// POST /collections/{name}/points/delete: {"ids":[...]} or {"filter":{...}} (exactly one).
// 1..max_ids ids; an empty filter is refused (it would delete every point).
struct DeleteRequest {
  std::vector<PointId> ids;
  std::optional<PayloadFilter> filter;
};
Result<DeleteRequest> parse_delete(std::string_view body, const JsonLimits& limits);

// One parsed search. `request.vector` points into `vector`, so a ParsedSearch must not be
// copied (moving keeps the buffer and is fine).
struct ParsedSearch {
  std::vector<float> vector;
  SearchRequest request;
  ParsedSearch() = default;
  ParsedSearch(ParsedSearch&&) noexcept = default;
  ParsedSearch& operator=(ParsedSearch&&) noexcept = default;
  ParsedSearch(const ParsedSearch&) = delete;
  ParsedSearch& operator=(const ParsedSearch&) = delete;
};

// POST /collections/{name}/search: {"vector":[...], "k":10, "params":"ef=64",
//   "filter":{...}, "with_payload":true, "with_vector":false, "model_version":"v3",
//   "restrict_to_version":false}. `dim` is the collection's; k defaults to 10, 1..max_k.
// An empty filter ({}) searches unfiltered; restrict_to_version needs model_version.
// The vector is read straight from the text when the body allows (json_vector_field.h), the rest
// with simdjson; parse_search_general reads it all with simdjson, with the same results and
// errors (the reference the fast path is tested against).
Result<ParsedSearch> parse_search(std::string_view body, size_t dim, const JsonLimits& limits);
Result<ParsedSearch> parse_search_general(std::string_view body, size_t dim,
                                          const JsonLimits& limits);
// POST /collections/{name}/search/batch: {"searches":[<search>, ...]} (1..max_searches). Each
// search is read as parse_search reads a body; parse_search_batch_general is the reference.
Result<std::vector<ParsedSearch>> parse_search_batch(std::string_view body, size_t dim,
                                                     const JsonLimits& limits);
Result<std::vector<ParsedSearch>> parse_search_batch_general(std::string_view body, size_t dim,
                                                             const JsonLimits& limits);

// Filters (Qdrant's shape): {"must":[...], "should":[...], "must_not":[...]} where a clause is
// {"key":"label","match":{"value":3}} | {"key":"tags","match":{"any":["a","b"]}} |
// {"key":"price","range":{"gte":1.0,"lt":5}} | {"is_empty":{"key":"note"}} | a nested filter
// object. Match values type like payload values (3 -> int, 3.0 -> float). Validated while read
// (no bounds in a range, an empty match any, nesting deeper than PayloadFilter::kMaxDepth, ...,
// each naming the clause: "filter.must[1].range: ...") and then with PayloadFilter::validate().
// Errors name the place from "filter".
Result<PayloadFilter> parse_filter(std::string_view json);

// PUT /aliases/{alias}: {"collection":"name"} -> "name".
Result<std::string> parse_alias_target(std::string_view body);

// A point id in a URL path segment (already percent-decoded): all digits (no sign, no leading
// zero unless "0", fits u64) -> number; anything else -> string id.
Result<PointId> parse_path_point_id(std::string_view segment);

// ---- output ---------------------------------------------------------------------------------
// Floats are written in the shortest form that reads back to the same value (float32 for
// scores and vectors, double for payload floats, which also keep a ".0" so they read back as
// floats); non-finite values, which JSON cannot hold, are written as null. Bytes that are not
// valid UTF-8 (e.g. in ids taken from URL paths) are written as U+FFFD.
// {"error":{"code":"invalid_argument","message":"..."}}; code is the snake_case StatusCode name.
std::string error_json(const Status& status);
// {"name":..,"dim":..,"metric":..,"index":..,"schema":{..},"points":..,"segments":[..],
//  "model_versions":{..},"coverage":{..},"rejected_missing_required":..,
//  "pending_background_jobs":..}
std::string collection_info_json(const CollectionInfo& info);
// {"id":..,"vector":[..],"payload":{..},"model_version":".."} (every key, "" for no version);
// parse_points reads it back.
std::string point_json(const Point& point);
// {"results":[{"id":..,"score":..,"model_version":..,"payload":{..},"vector":[..]}],
//  "other_version_fraction":.. (only when set), "took_us":..}. payload and vector appear when
// the hit carries them. Scores are written with enough digits to round-trip a float.
std::string search_response_json(const SearchResponse& response, int64_t took_us);
// {"batch":[<search response without took_us>, ...], "took_us":..}
std::string search_batch_json(std::span<const SearchResponse> responses, int64_t took_us);
// Helpers other routes compose with: a PointId as JSON (number or string), a payload object.
std::string point_id_json(const PointId& id);
std::string payload_json(const Payload& payload);

}  // namespace vecdex::server
