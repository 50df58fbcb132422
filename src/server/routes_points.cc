// Points: upsert (JSON or binary float32 rows), delete by ids or filter, get one.
#include "server/binary_points.h"
#include "server/exchange.h"
#include "server/http_errors.h"
#include "server/json_codec.h"
#include "server/routes.h"

namespace vecdex::server {
namespace {

std::string upserted_json(size_t n) { return R"({"upserted":)" + std::to_string(n) + "}"; }

// application/octet-stream: the rows go from the body straight into the points.
Status upsert_binary(Exchange& ex, Collection& c) {
  const ServerOptions& options = ex.context().options;
  VECDEX_ASSIGN_OR_RETURN(BinaryUpsertParams params,
                          parse_binary_upsert_params(ex.query("first_id"),
                                                     ex.query("model_version")));
  const std::string_view body = ex.body();
  BinaryPointsBuilder builder(c.config().dim, options.max_binary_points, std::move(params),
                              body.size());
  builder.append(body.data(), body.size());
  Result<std::vector<Point>> points = std::move(builder).finish();
  if (!points.ok()) {
    if (points.status().code() == StatusCode::kResourceExhausted) {
      return ex.reject(kHttpPayloadTooLarge, points.status());
    }
    return points.status();
  }
  // One call: the whole body is one atomic batch.
  VECDEX_RETURN_IF_ERROR(c.upsert(*points));
  return ex.reply(upserted_json(points->size()));
}

}  // namespace

Status handle_upsert_points(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(Collection * c, ex.collection());
  if (ex.media_type_is("application/octet-stream")) return upsert_binary(ex, *c);
  VECDEX_ASSIGN_OR_RETURN(std::string_view body, ex.json_body());
  VECDEX_ASSIGN_OR_RETURN(std::vector<Point> points,
                          parse_points(body, c->config().dim, ex.context().limits));
  VECDEX_RETURN_IF_ERROR(c->upsert(points));
  return ex.reply(upserted_json(points.size()));
}

Status handle_delete_points(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(Collection * c, ex.collection());
  VECDEX_ASSIGN_OR_RETURN(std::string_view body, ex.json_body());
  VECDEX_ASSIGN_OR_RETURN(DeleteRequest request, parse_delete(body, ex.context().limits));
  size_t deleted = 0;
  if (request.filter) {
    VECDEX_ASSIGN_OR_RETURN(deleted, c->remove_where(*request.filter));
  } else {
    VECDEX_ASSIGN_OR_RETURN(deleted, c->remove(request.ids));
  }
  return ex.reply(R"({"deleted":)" + std::to_string(deleted) + "}");
}

Status handle_get_point(Exchange& ex) {
  VECDEX_ASSIGN_OR_RETURN(Collection * c, ex.collection());
  VECDEX_ASSIGN_OR_RETURN(PointId id, parse_path_point_id(ex.param(1)));
  VECDEX_ASSIGN_OR_RETURN(Point point, c->get(id));
  return ex.reply(point_json(point));
}

}  // namespace vecdex::server
