// HttpRequest / HttpResponse: one request and its answer as the Dispatcher and the route
// handlers see them, independent of the transport (http_connection.h fills and writes them,
// the head through append_response_head).
// A request arrives whole: the transport has read its body (within max_body_bytes) before
// the handler runs. Only the headers the API uses are kept.
#pragma once

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "vecdex/status.h"

namespace vecdex::server {

struct HttpRequest {
  std::string method;  // "GET", "HEAD", "POST", ...
  std::string path;    // the target before '?', still percent-encoded (Exchange decodes params)
  std::vector<std::pair<std::string, std::string>> query;  // decoded, in order
  std::string authorization;  // the Authorization header ("" when absent)
  std::string content_type;   // the Content-Type header ("" when absent)
  std::optional<size_t> content_length;  // absent for chunked bodies
  std::string body;
};

// Writes one piece of a streamed body; false when the client is gone (stop producing).
using BodyChunkWriter = std::function<bool(const char* data, size_t size)>;
// Produces a streamed body through `write`; a non-OK Status aborts the response (the client
// sees a truncated chunked body, which it can tell from a complete one).
using BodyStream = std::function<Status(const BodyChunkWriter& write)>;

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type/Length
  std::string body;
  BodyStream stream;  // set: the body is streamed (chunked) instead of `body`

  void set_header(std::string name, std::string value) {
    headers.emplace_back(std::move(name), std::move(value));
  }
};

// Appends the status line and headers of `res` to `out`: "HTTP/1.1 200 OK", Content-Type (when
// set), res.headers, Content-Length (of res.body), "Connection: close" unless `keep_alive`, and
// the blank line. The same head Beast writes for such a message (no Date or Server header).
void append_response_head(const HttpResponse& res, bool keep_alive, std::string& out);

// "%2F" -> "/", "+" kept as is (paths) or turned into a space (`plus_is_space`, query strings).
// Malformed escapes are kept literally.
std::string percent_decode(std::string_view text, bool plus_is_space);
// Splits "a=1&b=x%20y" into decoded pairs (a key without '=' gets an empty value).
std::vector<std::pair<std::string, std::string>> parse_query_string(std::string_view query);

}  // namespace vecdex::server
