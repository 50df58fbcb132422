// Router: template matching, captures, methods, and the API's route table.
#include "server/router.h"

#include <gtest/gtest.h>

#include "server/routes.h"

namespace vecdex::server {
namespace {

Status noop(Exchange&) { return Status(); }

Router small_router() {
  return Router({{HttpMethod::kGet, "/collections", noop},
                 {HttpMethod::kPut, "/collections/{name}", noop},
                 {HttpMethod::kGet, "/collections/{name}", noop},
                 {HttpMethod::kPost, "/collections/{name}/points/delete", noop},
                 {HttpMethod::kGet, "/collections/{name}/points/{id}", noop}});
}

TEST(RouterTest, MatchesLiteralAndCapturesParams) {
  const Router r = small_router();
  RouteMatch m = r.match("GET", "/collections/items/points/42");
  ASSERT_EQ(m.route, 4u);
  ASSERT_EQ(m.param_count, 2u);
  EXPECT_EQ(m.params[0], "items");
  EXPECT_EQ(m.params[1], "42");
  EXPECT_EQ(r.match("GET", "/collections").route, 0u);
  EXPECT_EQ(r.match("GET", "/collections/").route, 0u);  // one trailing slash is fine
  EXPECT_EQ(r.match("POST", "/collections/items/points/delete").route, 3u);
  EXPECT_EQ(r.match("HEAD", "/collections/items").route, 2u);
}

TEST(RouterTest, MethodDecidesAmongSamePath) {
  const Router r = small_router();
  EXPECT_EQ(r.match("PUT", "/collections/items").route, 1u);
  EXPECT_EQ(r.match("GET", "/collections/items").route, 2u);
  RouteMatch wrong = r.match("DELETE", "/collections/items");
  EXPECT_EQ(wrong.route, RouteMatch::kNone);
  EXPECT_TRUE(wrong.other_method);
  EXPECT_EQ(r.allowed_methods("/collections/items"), "PUT, GET");
  RouteMatch patch = r.match("PATCH", "/collections/items");
  EXPECT_TRUE(patch.other_method);
}

TEST(RouterTest, UnknownPathsDoNotMatch) {
  const Router r = small_router();
  for (const char* path : {"", "collections", "/", "/collection", "/collections/a/b",
                           "/collections//points/1", "/a/b/c/d/e/f/g/h/i/j"}) {
    RouteMatch m = r.match("GET", path);
    EXPECT_EQ(m.route, RouteMatch::kNone) << path;
    EXPECT_FALSE(m.other_method) << path;
  }
  EXPECT_EQ(r.allowed_methods("/nope"), "");
}

TEST(RouterTest, ApiTableMatchesEveryDocumentedRoute) {
  const Router r(api_routes());
  struct Case {
    const char* method;
    const char* path;
    const char* pattern;
  };
  for (const Case& c : {Case{"GET", "/healthz", "/healthz"},
                        Case{"POST", "/collections/c/snapshots/upload",
                             "/collections/{name}/snapshots/upload"},
                        Case{"GET", "/collections/c/snapshots/upload",
                             "/collections/{name}/snapshots/{snap}"},
                        Case{"POST", "/collections/c/search/batch",
                             "/collections/{name}/search/batch"},
                        Case{"POST", "/snapshots/restore", "/snapshots/restore"},
                        Case{"DELETE", "/aliases/a", "/aliases/{alias}"}}) {
    RouteMatch m = r.match(c.method, c.path);
    ASSERT_NE(m.route, RouteMatch::kNone) << c.path;
    EXPECT_EQ(r.routes()[m.route].pattern, c.pattern);
  }
  for (const Route& route : r.routes()) {
    EXPECT_EQ(route.public_route, route.pattern == "/healthz" || route.pattern == "/readyz")
        << route.pattern;
  }
}

}  // namespace
}  // namespace vecdex::server
