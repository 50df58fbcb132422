// Request dispatch: route, auth, handler, errors, metrics; see dispatcher.h.
#include "server/dispatcher.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <exception>
#include <string>

#include "server/exchange.h"
#include "server/http_errors.h"

namespace vecdex::server {

Status Dispatcher::route(Exchange& ex, const RouteMatch& match) const {
  const HttpRequest& req = ex.request();
  const Route* route = match.route != RouteMatch::kNone ? &router_.routes()[match.route] : nullptr;
  if (lacks_key(match, req.authorization)) {
    ex.response().set_header("WWW-Authenticate", R"(Bearer realm="vecdex")");
    return Status(StatusCode::kUnauthenticated,
                  req.authorization.empty()
                      ? "missing \"Authorization: Bearer <api key>\" header"
                      : "the API key in the Authorization header is not valid");
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

bool Dispatcher::lacks_key(const RouteMatch& match, std::string_view authorization) const {
  if (!context_.api_key.enabled()) return false;
  // Unknown paths need the key too: without it a client learns nothing about the API.
  const bool public_route =
      match.route != RouteMatch::kNone && router_.routes()[match.route].public_route;
  return !public_route && !context_.api_key.allows(authorization);
}

void Dispatcher::handle(const HttpRequest& req, HttpResponse& res,
                        const RouteMatch& match) const {
  const auto start = Exchange::Clock::now();
  Exchange ex(context_, req, res, match, start);
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
  } catch (...) {
    res.status = 500;  // out of memory while writing the error: no body
  }
  const double seconds =
      std::chrono::duration<double>(Exchange::Clock::now() - start).count();
  context_.metrics.observe_duration(match.route, seconds);
  context_.metrics.count_request(match.route, req.method, res.status);
  spdlog::debug("{} {} -> {} in {:.0f} us", req.method, req.path, res.status, seconds * 1e6);
}

bool Dispatcher::runs_inline(const RouteMatch& match) const {
  return match.route == RouteMatch::kNone || router_.routes()[match.route].runs_inline;
}

void Dispatcher::count_response(std::string_view method, std::string_view path,
                                int http_status) const {
  const RouteMatch match = router_.match(method, path);
  context_.metrics.count_request(match.route, method, http_status);
}

}  // namespace vecdex::server
