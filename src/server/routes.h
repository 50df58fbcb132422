// The HTTP API, one handler per route (Qdrant's conventions; every {name} also accepts an
// alias, which Database::collection resolves). Bodies are JSON unless noted; success bodies:
//
//   GET    /healthz                               {"status":"ok"}                (no API key)
//   GET    /readyz                                {"status":"ready"} | 503       (no API key)
//   GET    /metrics                               Prometheus text format
//   GET    /collections                           {"collections":[{"name":..}],"aliases":{..}}
//   PUT    /collections/{name}                    <collection info>  (body: config)
//   GET    /collections/{name}                    <collection info>
//   DELETE /collections/{name}                    {"status":"ok"}
//   POST   /collections/{name}/seal[?wait=true]   {"status":"ok"}
//   PUT    /collections/{name}/points             {"upserted":n}  (JSON points, or float32
//                                                 rows: ?first_id=N[&model_version=v])
//   POST   /collections/{name}/points/delete      {"deleted":n}   ({"ids":[..]}|{"filter":..})
//   GET    /collections/{name}/points/{id}        <point>
//   POST   /collections/{name}/search             {"results":[..],"took_us":..}
//   POST   /collections/{name}/search/batch       {"batch":[..],"took_us":..}
//   POST   /collections/{name}/snapshots          <snapshot>  (body: optional {"name":..})
//   GET    /collections/{name}/snapshots          {"snapshots":[<snapshot>..]}
//   GET    /collections/{name}/snapshots/{snap}   application/x-tar
//   DELETE /collections/{name}/snapshots/{snap}   {"status":"ok"}
//   POST   /collections/{name}/snapshots/upload   <collection info>  (body: tar; creates {name})
//   POST   /snapshots/restore                     <collection info>
//                                                 (body: {"collection":"new","from":"c/snap"})
//   GET    /aliases                               {"aliases":{"alias":"collection",..}}
//   PUT    /aliases/{alias}                       {"status":"ok"}  (body: {"collection":..})
//   DELETE /aliases/{alias}                       {"status":"ok"}
// <snapshot> = {"name":..,"created":"2024-05-01T12:00:00Z","bytes":..}. Errors:
// {"error":{"code":..,"message":..}} with the status of http_errors.h.
#pragma once

#include <string>
#include <vector>

#include "server/router.h"
#include "vecdex/database.h"

namespace vecdex::server {

class Exchange;

// The body of routes that answer nothing but success.
inline constexpr const char* kStatusOkJson = R"({"status":"ok"})";
// {"alias":"collection", ...}: the aliases object of GET /aliases and GET /collections.
std::string aliases_json(const Database& db);

// Every route above, literal paths before parameterized ones of the same shape.
std::vector<Route> api_routes();

// routes_health.cc
Status handle_healthz(Exchange& ex);
Status handle_readyz(Exchange& ex);
Status handle_metrics(Exchange& ex);
// routes_collections.cc
Status handle_list_collections(Exchange& ex);
Status handle_create_collection(Exchange& ex);
Status handle_get_collection(Exchange& ex);
Status handle_drop_collection(Exchange& ex);
Status handle_seal(Exchange& ex);
// routes_points.cc
Status handle_upsert_points(Exchange& ex);
Status handle_delete_points(Exchange& ex);
Status handle_get_point(Exchange& ex);
// routes_search.cc
Status handle_search(Exchange& ex);
Status handle_search_batch(Exchange& ex);
// routes_snapshots.cc
Status handle_create_snapshot(Exchange& ex);
Status handle_list_snapshots(Exchange& ex);
Status handle_download_snapshot(Exchange& ex);
Status handle_delete_snapshot(Exchange& ex);
Status handle_upload_snapshot(Exchange& ex);
Status handle_restore_snapshot(Exchange& ex);
// routes_aliases.cc
Status handle_list_aliases(Exchange& ex);
Status handle_set_alias(Exchange& ex);
Status handle_remove_alias(Exchange& ex);

}  // namespace vecdex::server
