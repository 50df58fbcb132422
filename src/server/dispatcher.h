// Dispatcher: what happens to every request between httplib and a route handler. Matches the
// route, checks the API key, runs the handler, turns a non-OK Status (or an escaped exception)
// into the JSON error body, drains a body nobody read, records the route's latency and logs at
// debug level. Also counts every response httplib writes (count_response, from its
// post-routing hook).
//
// Thread safety: handle() runs concurrently on every connection thread; the Dispatcher itself
// holds only immutable state.
#pragma once

#include "server/router.h"
#include "server/server_context.h"

namespace httplib {
struct Request;
struct Response;
class ContentReader;
}  // namespace httplib

namespace vecdex::server {

class Dispatcher {
 public:
  Dispatcher(const Router& router, ServerContext& context) : router_(router), context_(context) {}

  // `reader` is null when httplib read the body already (or there is none).
  void handle(const httplib::Request& req, httplib::Response& res,
              const httplib::ContentReader* reader) const;
  // Every response once, including those httplib answers itself (malformed requests).
  void count_response(const httplib::Request& req, const httplib::Response& res) const;

 private:
  Status route(Exchange& ex, const RouteMatch& match) const;

  const Router& router_;
  ServerContext& context_;
};

}  // namespace vecdex::server
