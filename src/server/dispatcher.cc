// Request dispatch: route, auth, handler, errors, metrics; see dispatcher.h.
#include "server/dispatcher.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <string>

#include "server/exchange.h"
#include "server/http_errors.h"

namespace vecdex::server {

Status Dispatcher::route(Exchange& ex, const RouteMatch& match) const {
  const httplib::Request& req = ex.request();
  const Route* route = match.route != RouteMatch::kNone ? &router_.routes()[match.route] : nullptr;
  // Unknown paths need the key too: without it a client learns nothing about the API.
  const bool needs_key = route == nullptr || !route->public_route;
  if (needs_key && context_.api_key.enabled()) {
    auto it = req.headers.find("Authorization");
    const std::string_view header = it != req.headers.end() ? std::string_view(it->second) : "";
    if (!context_.api_key.allows(header)) {
      ex.response().set_header("WWW-Authenticate", R"(Bearer realm="vecdex")");
      return Status(StatusCode::kUnauthenticated,
                    header.empty() ? "missing \"Authorization: Bearer <api key>\" header"
                                   : "the API key in the Authorization header is not valid");
    }
  }
  if (route == nullptr) {
    if (match.other_method) {
      const std::string allowed = router_.allowed_methods(req.path);
      ex.response().set_header("Allow", allowed);
      return ex.reject(kHttpMethodNotAllowed,
                       invalid_argument("method " + req.method + " is not allowed on " +
                                        req.path + "; allowed: " + allowed));
    }
    return not_found("no route for " + req.method + " " + req.path + " (see docs/api.md)");
  }
  return route->handler(ex);
}

void Dispatcher::handle(const httplib::Request& req, httplib::Response& res,
                        const httplib::ContentReader* reader) const {
  const auto start = Exchange::Clock::now();
  const RouteMatch match = router_.match(req.method, req.path);
  Exchange ex(context_, req, res, reader, match, start);
  Status status;
  // vecdex code does not throw, but the STL (bad_alloc) and nlohmann-json can: a request
  // must never take the server down.
  try {
    status = route(ex, match);
  } catch (const std::exception& e) {
    status = internal_error(std::string("unexpected error while serving the request: ") +
                            e.what());
  } catch (...) {
    status = internal_error("unexpected error while serving the request");
  }
  try {
    if (!status.ok()) {
      const int code = ex.rejected_http_status() != 0 ? ex.rejected_http_status()
                                                      : http_status_for(status);
      write_error(res, code, status);
    }
    ex.drain_body();
  } catch (...) {
    res.status = 500;  // out of memory while writing the error: no body
  }
  const double seconds =
      std::chrono::duration<double>(Exchange::Clock::now() - start).count();
  context_.metrics.observe_duration(match.route, seconds);
  spdlog::debug("{} {} -> {} in {:.0f} us", req.method, req.path, res.status, seconds * 1e6);
}

void Dispatcher::count_response(const httplib::Request& req, const httplib::Response& res) const {
  // The route is matched again (cheap, no allocation) because httplib gives its hooks no
  // per-request slot to carry it from handle().
  const RouteMatch match = router_.match(req.method, req.path);
  context_.metrics.count_request(match.route, req.method, res.status);
}

}  // namespace vecdex::server
