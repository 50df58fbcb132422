// Exchange: one request as a route handler sees it. Path parameters (percent-decoded), query
// parameters, the body (read by the transport within max_body_bytes), the request's deadline,
// and the reply.
// A handler returns a Status: OK after calling reply(), otherwise the error the dispatcher
// turns into the JSON error body (with the Status's HTTP code, or the one set by reject()).
//
// Not thread-safe: one Exchange per request, used by the thread serving it.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "server/http_message.h"
#include "server/router.h"
#include "server/server_context.h"
#include "vecdex/database.h"
#include "vecdex/result.h"

namespace vecdex::server {

class Exchange {
 public:
  using Clock = std::chrono::steady_clock;
  Exchange(ServerContext& context, const HttpRequest& request, HttpResponse& response,
           const RouteMatch& match, Clock::time_point start);

  ServerContext& context() const { return context_; }
  Database& db() const { return context_.db; }
  const HttpRequest& request() const { return request_; }
  // For replies that are not JSON (metrics text, tar downloads).
  HttpResponse& response() const { return response_; }

  // The i-th {param} of the route template, percent-decoded ("%2F" is a '/' inside one
  // parameter, so ids may contain slashes).
  std::string_view param(size_t i) const { return params_[i]; }
  // A query parameter (the first if repeated), or nullopt.
  std::optional<std::string_view> query(const char* key) const;
  // Content-Length, or 0 when absent (chunked) or unparsable.
  size_t content_length() const;
  // The media type of Content-Type, without parameters or spaces ("" when absent); compare
  // it with media_type_is() (media types are case-insensitive).
  std::string_view media_type() const;
  bool media_type_is(std::string_view type) const;

  // The whole body (the transport enforced max_body_bytes).
  std::string_view body() const { return request_.body; }
  // body() after checking the Content-Type is JSON: absent, application/json, */*+json, or
  // application/x-www-form-urlencoded (what `curl -d` sends); 415 otherwise.
  Result<std::string_view> json_body();

  // The collection or alias named by the first path parameter; NotFound otherwise.
  Result<Collection*> collection() const;

  // Success: `json` becomes the body with `http_status`.
  Status reply(std::string json, int http_status = 200);
  // An error with an HTTP status of its own (413, 415, 405, 503, a Corruption as 400).
  Status reject(int http_status, Status status);
  // The HTTP status reject() chose, or 0.
  int rejected_http_status() const { return rejected_http_status_; }

  Clock::time_point deadline() const { return deadline_; }
  int64_t elapsed_us() const;

 private:
  ServerContext& context_;
  const HttpRequest& request_;
  HttpResponse& response_;
  std::array<std::string, kMaxPathSegments> params_;
  Clock::time_point start_;
  Clock::time_point deadline_;
  int rejected_http_status_ = 0;
};

}  // namespace vecdex::server
