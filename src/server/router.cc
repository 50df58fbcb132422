// Route template matching; see router.h.
#include "server/router.h"

#include <optional>
#include <utility>

namespace vecdex::server {
namespace {

std::optional<HttpMethod> parse_method(std::string_view method) {
  if (method == "GET" || method == "HEAD") return HttpMethod::kGet;
  if (method == "POST") return HttpMethod::kPost;
  if (method == "PUT") return HttpMethod::kPut;
  if (method == "DELETE") return HttpMethod::kDelete;
  return std::nullopt;
}

}  // namespace

std::string_view http_method_name(HttpMethod method) {
  switch (method) {
    case HttpMethod::kGet:
      return "GET";
    case HttpMethod::kPut:
      return "PUT";
    case HttpMethod::kPost:
      return "POST";
    case HttpMethod::kDelete:
      return "DELETE";
  }
  return "?";
}

Router::Router(std::vector<Route> routes) : routes_(std::move(routes)) {
  compiled_.reserve(routes_.size());
  for (const Route& route : routes_) {
    std::array<std::string_view, kMaxPathSegments> parts;
    size_t count = 0;
    Compiled c;
    // Patterns are compile-time constants of route_table.cc; a bad one is a programming bug
    // caught by the router tests (it would simply never match).
    if (split(route.pattern, parts, count)) {
      c.count = count;
      for (size_t i = 0; i < count; ++i) {
        const std::string_view p = parts[i];
        const bool is_param = p.size() >= 2 && p.front() == '{' && p.back() == '}';
        c.segments[i] = Segment{is_param ? std::string_view() : p, is_param};
      }
    }
    compiled_.push_back(c);
  }
}

bool Router::split(std::string_view path, std::array<std::string_view, kMaxPathSegments>& out,
                   size_t& count) {
  count = 0;
  if (path.empty() || path.front() != '/') return false;
  path.remove_prefix(1);
  // "/collections/" is served as "/collections".
  if (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return true;
  while (true) {
    if (count == kMaxPathSegments) return false;
    const size_t slash = path.find('/');
    out[count++] = path.substr(0, slash);
    if (slash == std::string_view::npos) return true;
    path.remove_prefix(slash + 1);
  }
}

bool Router::matches(const Compiled& pattern,
                     const std::array<std::string_view, kMaxPathSegments>& segments,
                     size_t count) {
  if (pattern.count != count || count == 0) return false;
  for (size_t i = 0; i < count; ++i) {
    const Segment& s = pattern.segments[i];
    if (s.is_param ? segments[i].empty() : s.literal != segments[i]) return false;
  }
  return true;
}

RouteMatch Router::match(std::string_view method, std::string_view path) const {
  RouteMatch m;
  std::array<std::string_view, kMaxPathSegments> segments;
  size_t count = 0;
  if (!split(path, segments, count)) return m;
  const std::optional<HttpMethod> wanted = parse_method(method);
  for (size_t r = 0; r < routes_.size(); ++r) {
    if (!matches(compiled_[r], segments, count)) continue;
    if (!wanted || routes_[r].method != *wanted) {
      m.other_method = true;
      continue;
    }
    m.route = r;
    m.other_method = false;
    for (size_t i = 0; i < count; ++i) {
      if (compiled_[r].segments[i].is_param) m.params[m.param_count++] = segments[i];
    }
    return m;
  }
  return m;
}

std::string Router::allowed_methods(std::string_view path) const {
  std::array<std::string_view, kMaxPathSegments> segments;
  size_t count = 0;
  std::string allowed;
  if (!split(path, segments, count)) return allowed;
  for (size_t r = 0; r < routes_.size(); ++r) {
    if (!matches(compiled_[r], segments, count)) continue;
    const std::string_view name = http_method_name(routes_[r].method);
    if (allowed.find(name) != std::string::npos) continue;
    if (!allowed.empty()) allowed += ", ";
    allowed += name;
  }
  return allowed;
}

}  // namespace vecdex::server
