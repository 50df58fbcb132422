// Search bodies: one search, or {"searches":[...]} of them.
#include <string>
#include <utility>

#include <fmt/format.h>

#include "vecdex/search_params.h"

#include "server/json_codec.h"
#include "server/json_filter.h"
#include "server/json_reader.h"
#include "server/json_vector_field.h"

namespace vecdex::server {
namespace {

using json::JsonPath;
using json::ObjectShape;
using json::od::object;
using json::od::value;

enum SearchKey : size_t {
  kVector,
  kK,
  kParams,
  kFilter,
  kWithPayload,
  kWithVector,
  kModelVersion,
  kRestrictToVersion
};
constexpr std::string_view kSearchKeys[] = {
    "vector",       "k",           "params",        "filter",
    "with_payload", "with_vector", "model_version", "restrict_to_version"};

// Reads one search object into `out`. With vector_read, out.vector already holds the vector
// (split_vector_field took it out of the body) and `search` has the other fields.
Status read_search(object& search, const JsonPath& at, size_t dim, const JsonLimits& limits,
                   ParsedSearch& out, bool vector_read = false) {
  SearchRequest& request = out.request;
  bool has_vector = vector_read;
  VECDEX_RETURN_IF_ERROR(json::for_each_field(
      search, at, ObjectShape{kSearchKeys}, [&](size_t key, value& field) -> Status {
        const JsonPath key_at = at.key(kSearchKeys[key]);
        switch (key) {
          case kVector:
            has_vector = true;
            return json::read_vector(field, key_at, dim, out.vector);
          case kK: {
            VECDEX_ASSIGN_OR_RETURN(request.k, json::read_integer(field, key_at, 1, limits.max_k));
            return ok_status();
          }
          case kParams: {
            VECDEX_ASSIGN_OR_RETURN(std::string_view text, json::read_string(field, key_at));
            auto params = parse_search_params(text);
            if (!params.ok()) return params.status().with_context(key_at.str());
            request.params = *params;
            return ok_status();
          }
          case kFilter: {
            VECDEX_ASSIGN_OR_RETURN(PayloadFilter filter, json::read_filter(field, key_at));
            // An empty filter matches everything: search unfiltered.
            if (!filter.empty()) request.filter = std::move(filter);
            return ok_status();
          }
          case kWithPayload: {
            VECDEX_ASSIGN_OR_RETURN(request.with_payload, json::read_bool(field, key_at));
            return ok_status();
          }
          case kWithVector: {
            VECDEX_ASSIGN_OR_RETURN(request.with_vector, json::read_bool(field, key_at));
            return ok_status();
          }
          case kModelVersion: {
            VECDEX_ASSIGN_OR_RETURN(std::string_view version, json::read_string(field, key_at));
            request.model_version = std::string(version);
            return ok_status();
          }
          default: {
            VECDEX_ASSIGN_OR_RETURN(request.restrict_to_version, json::read_bool(field, key_at));
            return ok_status();
          }
        }
      }));
  if (!has_vector) return json::missing_field(at, "vector");
  if (request.restrict_to_version && !request.model_version) {
    return invalid_argument(at.key("restrict_to_version").str() +
                            ": needs model_version (the version to restrict to)");
  }
  // Moving a ParsedSearch keeps the vector's buffer, so the span stays valid.
  request.vector = out.vector;
  return ok_status();
}

// Reads the fields of a search besides its vector (already in out.vector) from `rest`, the
// object split_vector_field left. false on any error: the caller then parses the whole body the
// general way, which words the error.
bool read_search_rest(std::string_view rest, size_t dim, const JsonLimits& limits,
                      ParsedSearch& out) {
  const JsonPath top;
  return json::read_body(rest, top, [&](object& root) {
           return read_search(root, top, dim, limits, out, /*vector_read=*/true);
         }).ok();
}

}  // namespace

Result<ParsedSearch> parse_search(std::string_view body, size_t dim, const JsonLimits& limits) {
  // The vector read straight from the text, simdjson for the other fields.
  ParsedSearch search;
  std::string rest;
  if (json::split_vector_field(body, dim, search.vector, rest) &&
      read_search_rest(rest, dim, limits, search)) {
    return search;
  }
  return parse_search_general(body, dim, limits);
}

Result<ParsedSearch> parse_search_general(std::string_view body, size_t dim,
                                          const JsonLimits& limits) {
  ParsedSearch search;
  const JsonPath top;
  VECDEX_RETURN_IF_ERROR(json::read_body(
      body, top, [&](object& root) { return read_search(root, top, dim, limits, search); }));
  return search;
}

Result<std::vector<ParsedSearch>> parse_search_batch(std::string_view body, size_t dim,
                                                     const JsonLimits& limits) {
  std::vector<json::VectorObject> objects;
  if (json::split_vector_list(body, "searches", dim, limits.max_searches, objects)) {
    std::vector<ParsedSearch> searches(objects.size());
    size_t read = 0;
    for (; read < objects.size(); ++read) {
      searches[read].vector = std::move(objects[read].vector);
      if (!read_search_rest(objects[read].rest, dim, limits, searches[read])) break;
    }
    if (read == objects.size()) return searches;
  }
  return parse_search_batch_general(body, dim, limits);
}

Result<std::vector<ParsedSearch>> parse_search_batch_general(std::string_view body, size_t dim,
                                                             const JsonLimits& limits) {
  std::vector<ParsedSearch> searches;
  VECDEX_RETURN_IF_ERROR(json::read_list_body(
      body, "searches", limits.max_searches, [&](const JsonPath& at, value& element) -> Status {
        object search;
        VECDEX_RETURN_IF_ERROR(json::read_object(element, at, search));
        return read_search(search, at, dim, limits, searches.emplace_back());
      }));
  return searches;
}

}  // namespace vecdex::server
