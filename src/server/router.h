// Route templates ("/collections/{name}/points/{id}") matched against request paths without
// std::regex or allocation. The template string is also the `route` label of the metrics, so
// a raw path (with ids in it) never becomes a label.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "vecdex/status.h"

namespace vecdex::server {

class Exchange;

enum class HttpMethod : uint8_t { kGet = 0, kPut = 1, kPost = 2, kDelete = 3 };
std::string_view http_method_name(HttpMethod method);

using RouteHandler = Status (*)(Exchange&);

struct Route {
  HttpMethod method = HttpMethod::kGet;
  std::string_view pattern;  // literal segments and {param} segments; static storage
  RouteHandler handler = nullptr;
  bool public_route = false;  // served without the API key (/healthz, /readyz)
  // Quick and never waiting on a disk sync or a lock held by a writer for long (searches,
  // reads): served on the I/O thread that read the request. Other routes (writes, seal,
  // snapshots) run on the server's blocking pool so they cannot hold up other connections.
  bool runs_inline = false;
};

inline constexpr size_t kMaxPathSegments = 8;

struct RouteMatch {
  static constexpr size_t kNone = static_cast<size_t>(-1);
  size_t route = kNone;         // index into Router::routes(); kNone when nothing matched
  bool other_method = false;    // no match, but the path exists with another method (405)
  std::array<std::string_view, kMaxPathSegments> params{};  // captures, in template order
  size_t param_count = 0;
};

// Immutable after construction; match() may be called from any number of threads.
class Router {
 public:
  explicit Router(std::vector<Route> routes);

  // `method` is the request's ("HEAD" is matched as GET). Params point into `path`.
  RouteMatch match(std::string_view method, std::string_view path) const;
  // "GET, PUT, DELETE": the methods some route serves at `path` (for 405's Allow header).
  std::string allowed_methods(std::string_view path) const;

  const std::vector<Route>& routes() const { return routes_; }

 private:
  struct Segment {
    std::string_view literal;  // empty for a {param}
    bool is_param = false;
  };
  struct Compiled {
    std::array<Segment, kMaxPathSegments> segments{};
    size_t count = 0;
  };
  // Splits `path` into its segments; false when it has more than kMaxPathSegments.
  static bool split(std::string_view path, std::array<std::string_view, kMaxPathSegments>& out,
                    size_t& count);
  static bool matches(const Compiled& pattern,
                      const std::array<std::string_view, kMaxPathSegments>& segments,
                      size_t count);

  std::vector<Route> routes_;
  std::vector<Compiled> compiled_;
};

}  // namespace vecdex::server
