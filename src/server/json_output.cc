// Response bodies: errors and collection info through nlohmann::json (cold paths, readable),
// points and search results through the fmt writer (hot paths, float-exact).
#include <nlohmann/json.hpp>

#include "vecdex/types.h"

#include "server/json_codec.h"
#include "server/json_writer.h"

namespace vecdex::server {
namespace {

using OrderedJson = nlohmann::ordered_json;

// Messages and names may quote bytes a client sent; replace invalid UTF-8 rather than throw.
std::string dump(const OrderedJson& document) {
  return document.dump(-1, ' ', false, OrderedJson::error_handler_t::replace);
}

std::string_view status_code_json_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk:
      return "ok";
    case StatusCode::kCancelled:
      return "cancelled";
    case StatusCode::kInvalidArgument:
      return "invalid_argument";
    case StatusCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case StatusCode::kNotFound:
      return "not_found";
    case StatusCode::kAlreadyExists:
      return "already_exists";
    case StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case StatusCode::kOutOfRange:
      return "out_of_range";
    case StatusCode::kUnimplemented:
      return "unimplemented";
    case StatusCode::kInternal:
      return "internal";
    case StatusCode::kIOError:
      return "io_error";
    case StatusCode::kCorruption:
      return "corruption";
    case StatusCode::kUnauthenticated:
      return "unauthenticated";
  }
  return "unknown";
}

// The same shape parse_collection_config reads.
OrderedJson schema_json(const PayloadSchema& schema) {
  OrderedJson fields = OrderedJson::object();
  for (const FieldSpec& field : schema.fields) {
    fields[field.name] = {{"type", field_type_name(field.type)},
                          {"required", field.required},
                          {"indexed", field.indexed}};
  }
  const bool count = schema.on_missing_required == PayloadSchema::MissingRequired::kCount;
  return {{"fields", std::move(fields)},
          {"on_missing_required", count ? "count" : "reject"},
          {"strict", schema.strict}};
}

// {"results":[...]} plus other_version_fraction when set, without closing the object.
void append_search_results(std::string& out, const SearchResponse& response) {
  out += "{\"results\":[";
  for (size_t i = 0; i < response.results.size(); ++i) {
    const ScoredPoint& hit = response.results[i];
    if (i > 0) out += ',';
    out += "{\"id\":";
    json::append_point_id(out, hit.id);
    out += ",\"score\":";
    json::append_float(out, hit.score);
    out += ",\"model_version\":";
    json::append_string(out, hit.model_version);
    if (hit.payload) {
      out += ",\"payload\":";
      json::append_payload(out, *hit.payload);
    }
    if (hit.vector) {
      out += ",\"vector\":";
      json::append_floats(out, *hit.vector);
    }
    out += '}';
  }
  out += ']';
  if (response.other_version_fraction) {
    out += ",\"other_version_fraction\":";
    json::append_double(out, *response.other_version_fraction);
  }
}

// A first guess of the text's size, so the string grows once or not at all.
size_t estimated_size(const SearchResponse& response) {
  size_t bytes = 64 + response.results.size() * 96;
  for (const ScoredPoint& hit : response.results) {
    if (hit.vector) bytes += hit.vector->size() * 12;
    if (hit.payload) bytes += hit.payload->size() * 32;
  }
  return bytes;
}

}  // namespace

std::string error_json(const Status& status) {
  return dump(
      {{"error", {{"code", status_code_json_name(status.code())}, {"message", status.message()}}}});
}

std::string collection_info_json(const CollectionInfo& info) {
  const CollectionConfig& config = info.config;
  OrderedJson segments = OrderedJson::array();
  for (const SegmentInfo& segment : info.segments) {
    segments.push_back({{"id", segment.id},
                        {"state", segment.state},
                        {"points", segment.points},
                        {"deleted", segment.deleted},
                        {"index", segment.index_spec}});
  }
  OrderedJson model_versions = OrderedJson::object();
  for (const auto& [version, points] : info.model_versions) model_versions[version] = points;
  OrderedJson coverage = OrderedJson::object();
  for (const auto& [field, points] : info.coverage) coverage[field] = points;
  return dump({{"name", config.name},
               {"dim", config.dim},
               {"metric", metric_name(config.metric)},
               {"index", config.index_spec},
               {"schema", schema_json(config.schema)},
               {"points", info.points},
               {"segments", std::move(segments)},
               {"model_versions", std::move(model_versions)},
               {"coverage", std::move(coverage)},
               {"rejected_missing_required", info.rejected_missing_required},
               {"pending_background_jobs", info.pending_background_jobs}});
}

std::string point_json(const Point& point) {
  std::string out;
  out.reserve(96 + point.vector.size() * 12 + point.payload.size() * 32);
  out += "{\"id\":";
  json::append_point_id(out, point.id);
  out += ",\"vector\":";
  json::append_floats(out, point.vector);
  out += ",\"payload\":";
  json::append_payload(out, point.payload);
  out += ",\"model_version\":";
  json::append_string(out, point.model_version);
  out += '}';
  return out;
}

std::string search_response_json(const SearchResponse& response, int64_t took_us) {
  std::string out;
  out.reserve(estimated_size(response));
  append_search_results(out, response);
  out += ",\"took_us\":";
  json::append_int(out, took_us);
  out += '}';
  return out;
}

std::string search_batch_json(std::span<const SearchResponse> responses, int64_t took_us) {
  size_t bytes = 64;
  for (const SearchResponse& response : responses) bytes += estimated_size(response);
  std::string out;
  out.reserve(bytes);
  out += "{\"batch\":[";
  for (size_t i = 0; i < responses.size(); ++i) {
    if (i > 0) out += ',';
    append_search_results(out, responses[i]);
    out += '}';
  }
  out += "],\"took_us\":";
  json::append_int(out, took_us);
  out += '}';
  return out;
}

std::string point_id_json(const PointId& id) {
  std::string out;
  json::append_point_id(out, id);
  return out;
}

std::string payload_json(const Payload& payload) {
  std::string out;
  json::append_payload(out, payload);
  return out;
}

}  // namespace vecdex::server
