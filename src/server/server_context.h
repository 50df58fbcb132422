// What every route handler shares: the Database, the options, the parser limits, the API key,
// the snapshot store, the metrics and the readiness flag. Owned by ServerImpl; handlers get it
// through their Exchange.
#pragma once

#include <atomic>

#include "server/auth.h"
#include "server/json_codec.h"
#include "server/metrics.h"
#include "server/server.h"
#include "server/snapshot_store.h"
#include "vecdex/database.h"

namespace vecdex::server {

struct ServerContext {
  ServerContext(Database& database, const ServerOptions& server_options,
                const std::vector<Route>& routes)
      : db(database),
        options(server_options),
        limits(json_limits_of(server_options)),
        api_key(server_options.api_key),
        snapshots(server_options.snapshot_dir),
        metrics(routes),
        ready(server_options.start_ready) {}

  static JsonLimits json_limits_of(const ServerOptions& o) {
    JsonLimits limits;
    limits.max_points = o.max_json_points;
    limits.max_k = o.max_k;
    limits.max_searches = o.max_batch_searches;
    return limits;
  }

  Database& db;
  const ServerOptions options;
  const JsonLimits limits;
  const ApiKeyCheck api_key;
  SnapshotStore snapshots;
  ServerMetrics metrics;
  std::atomic<bool> ready;
};

}  // namespace vecdex::server
