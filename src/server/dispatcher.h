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

  // Serves `req` into `res` and counts the response.
  void handle(const HttpRequest& req, HttpResponse& res) const;
  // True when the route of (method, path) is quick enough to run on an I/O thread (see
  // Route::runs_inline); unknown routes answer at once (404/405), so they are inline too.
  bool runs_inline(std::string_view method, std::string_view path) const;
  // True when (req.method, req.path) needs the API key and req.authorization does not carry
  // it. The transport then serves the request without reading its body (handle() answers 401),
  // so a client without the key cannot make the server buffer bodies.
  bool lacks_key(const HttpRequest& req) const;
  // Counts a response the transport wrote itself (malformed request, oversized body).
  void count_response(std::string_view method, std::string_view path, int http_status) const;

 private:
  Status route(Exchange& ex, const RouteMatch& match) const;
  bool lacks_key(const RouteMatch& match, std::string_view authorization) const;

  const Router& router_;
  ServerContext& context_;
};

}  // namespace vecdex::server
