// Bodies that write points: upserts ({"points":[...]}) and deletes ({"ids":[...]} or
// {"filter":{...}}).
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "server/json_codec.h"
#include "server/json_filter.h"
#include "server/json_reader.h"

namespace vecdex::server {
namespace {

using json::JsonPath;
using json::ObjectShape;
using json::od::object;
using json::od::value;

enum PointKey : size_t { kId, kVector, kPayload, kModelVersion };
constexpr std::string_view kPointKeys[] = {"id", "vector", "payload", "model_version"};

Status read_point(value& v, const JsonPath& at, size_t dim, Point& point) {
  object point_object;
  VECDEX_RETURN_IF_ERROR(json::read_object(v, at, point_object));
  bool has_id = false;
  bool has_vector = false;
  VECDEX_RETURN_IF_ERROR(json::for_each_field(
      point_object, at, ObjectShape{kPointKeys}, [&](size_t key, value& field) -> Status {
        const JsonPath key_at = at.key(kPointKeys[key]);
        switch (key) {
          case kId: {
            VECDEX_ASSIGN_OR_RETURN(point.id, json::read_point_id(field, key_at));
            has_id = true;
            return ok_status();
          }
          case kVector:
            has_vector = true;
            return json::read_vector(field, key_at, dim, point.vector);
          case kPayload: {
            VECDEX_ASSIGN_OR_RETURN(point.payload, json::read_payload(field, key_at));
            return ok_status();
          }
          default: {
            VECDEX_ASSIGN_OR_RETURN(std::string_view version, json::read_string(field, key_at));
            point.model_version = std::string(version);
            return ok_status();
          }
        }
      }));
  if (!has_id) return json::missing_field(at, "id");
  if (!has_vector) return json::missing_field(at, "vector");
  return ok_status();
}

}  // namespace

Result<std::vector<Point>> parse_points(std::string_view body, size_t dim,
                                        const JsonLimits& limits) {
  std::vector<Point> points;
  VECDEX_RETURN_IF_ERROR(json::read_list_body(
      body, "points", limits.max_points, [&](const JsonPath& at, value& element) {
        return read_point(element, at, dim, points.emplace_back());
      }));
  return points;
}

Result<DeleteRequest> parse_delete(std::string_view body, const JsonLimits& limits) {
  enum Key : size_t { kIds, kFilter };
  constexpr std::string_view kKeys[] = {"ids", "filter"};
  DeleteRequest request;
  bool has_ids = false;
  const JsonPath top;
  VECDEX_RETURN_IF_ERROR(json::read_body(body, top, [&](object& root) -> Status {
    VECDEX_RETURN_IF_ERROR(json::for_each_field(
        root, top, ObjectShape{kKeys}, [&](size_t key, value& field) -> Status {
          const JsonPath key_at = top.key(kKeys[key]);
          if (key == kFilter) {
            VECDEX_ASSIGN_OR_RETURN(request.filter, json::read_filter(field, key_at));
            if (request.filter->empty()) {
              return invalid_argument(
                  "filter: an empty filter matches every point; refusing to delete them all "
                  "(drop the collection instead)");
            }
            return ok_status();
          }
          has_ids = true;
          return json::for_each_element(
              field, key_at, limits.max_ids, "ids", [&](size_t i, value& element) -> Status {
                VECDEX_ASSIGN_OR_RETURN(PointId id, json::read_point_id(element, key_at.index(i)));
                request.ids.push_back(std::move(id));
                return ok_status();
              });
        }));
    if (has_ids == request.filter.has_value()) {
      return invalid_argument("body: expected exactly one of 'ids' or 'filter'");
    }
    return ok_status();
  }));
  return request;
}

}  // namespace vecdex::server
