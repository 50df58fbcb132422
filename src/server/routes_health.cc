// GET /healthz, /readyz, /metrics.
#include <httplib.h>

#include "server/exchange.h"
#include "server/http_errors.h"
#include "server/routes.h"

namespace vecdex::server {

Status handle_healthz(Exchange& ex) { return ex.reply(R"({"status":"ok"})"); }

Status handle_readyz(Exchange& ex) {
  if (!ex.context().ready.load(std::memory_order_acquire)) {
    return ex.reject(kHttpServiceUnavailable,
                     failed_precondition("not ready: the server is still loading its data"));
  }
  return ex.reply(R"({"status":"ready"})");
}

Status handle_metrics(Exchange& ex) {
  ServerContext& ctx = ex.context();
  ex.response().body = ctx.metrics.scrape(ctx.db);
  ex.response().set_header("Content-Type", "text/plain; version=0.0.4");
  ex.response().status = kHttpOk;
  return Status();
}

}  // namespace vecdex::server
