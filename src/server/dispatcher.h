// Dispatcher: what happens to every request between the transport and a route handler.
// Matches the route, checks the API key, runs the handler, turns a non-OK Status (or an
// escaped exception) into the JSON error body, records the route's latency and count, and logs
// at debug level.
//
// Thread safety: handle() runs concurrently on every thread that serves requests; the
// Dispatcher itself holds only immutable state.
#pragma once

#include <string_view>

#include "server/http_message.h"
#include "server/router.h"
#include "server/server_context.h"

namespace vecdex::server {

class Dispatcher {
 public:
  Dispatcher(const Router& router, ServerContext& context) : router_(router), context_(context) {}

  // The route of `req`; its parameters point into req.path. The transport matches once per
  // request and hands the match to the calls below.
  RouteMatch match(const HttpRequest& req) const { return router_.match(req.method, req.path); }
  // Serves `req` into `res` and counts the response.
  void handle(const HttpRequest& req, HttpResponse& res) const { handle(req, res, match(req)); }
  void handle(const HttpRequest& req, HttpResponse& res, const RouteMatch& match) const;
  // True when the route is quick enough to run on an I/O thread (see Route::runs_inline);
  // unknown routes answer at once (404/405), so they are inline too.
  bool runs_inline(const RouteMatch& match) const;
  // True when the route needs the API key and `authorization` does not carry it. The transport
  // then serves the request without reading its body (handle() answers 401), so a client
  // without the key cannot make the server buffer bodies.
  bool lacks_key(const RouteMatch& match, std::string_view authorization) const;
  // Counts a response the transport wrote itself (malformed request, oversized body).
  void count_response(std::string_view method, std::string_view path, int http_status) const;

 private:
  Status route(Exchange& ex, const RouteMatch& match) const;

  const Router& router_;
  ServerContext& context_;
};

}  // namespace vecdex::server
