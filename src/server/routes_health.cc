// GET /healthz, /readyz, /metrics.
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
  HttpResponse& res = ex.response();
  res.body = ctx.metrics.scrape(ctx.db);
  res.content_type = "text/plain; version=0.0.4";
  res.status = kHttpOk;
  return Status();
}

}  // namespace vecdex::server
