// Error classes the transport and the dispatcher answer over a real socket: unknown routes, wrong
// methods, oversized bodies, readiness; every one with a JSON error body.
#include "server/http_fixture.h"
#include "server/raw_socket.h"

namespace vecdex::server::testing {
namespace {

class HttpErrorsTest : public HttpTest {};

TEST_F(HttpErrorsTest, UnknownRouteIs404Json) {
  Reply r = get("/no/such/route");
  EXPECT_EQ(r.status, 404);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.error_code(), "not_found");
  EXPECT_EQ(post("/collections/items/frobnicate", "{}").status, 404);
}

TEST_F(HttpErrorsTest, WrongMethodIs405WithAllow) {
  create_collection("items");
  Reply r = post("/collections/items", "{}");
  EXPECT_EQ(r.status, 405);
  EXPECT_EQ(r.error_code(), "invalid_argument");
  EXPECT_EQ(r.headers.find("Allow")->second, "PUT, GET, DELETE");
  Reply patch = to_reply(client_->Patch("/collections/items", "{}", "application/json"));
  EXPECT_EQ(patch.status, 405);
  EXPECT_EQ(patch.content_type, "application/json");
}

TEST_F(HttpErrorsTest, OversizedBodyIs413JsonAndTheConnectionSurvives) {
  ServerOptions o = default_options();
  o.max_body_bytes = 1024;
  start_server(o);
  create_collection("items");
  client_->set_keep_alive(true);
  const std::string big = R"({"points":[)" + std::string(4096, ' ') + "]}";
  Reply r = put("/collections/items/points", big);
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.error_code(), "resource_exhausted");
  EXPECT_NE(r.error_message().find("1024"), std::string::npos);
  EXPECT_EQ(get("/collections/items").status, 200);
  // Also on a route whose handler never reads a body.
  EXPECT_EQ(post("/collections/items/seal", big).status, 413);
  EXPECT_EQ(get("/collections/items").status, 200);
}

TEST_F(HttpErrorsTest, ChunkedOversizedBodyIs413) {
  ServerOptions o = default_options();
  o.max_body_bytes = 1024;
  start_server(o);
  create_collection("items");
  const std::string chunk(600, ' ');
  const std::string answer = raw_exchange(
      server_->port(), "PUT /collections/items/points HTTP/1.1\r\nHost: x\r\n"
                       "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n"
                       "258\r\n" + chunk + "\r\n258\r\n" + chunk + "\r\n0\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer.substr(0, 200);
  EXPECT_NE(answer.find("resource_exhausted"), std::string::npos);
}

TEST_F(HttpErrorsTest, MalformedRequestLineGetsJson400) {
  const std::string answer = raw_exchange(server_->port(), "BLAH\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer;
  EXPECT_NE(answer.find("invalid_argument"), std::string::npos);
}

TEST_F(HttpErrorsTest, ReadyzFollowsSetReady) {
  ServerOptions o = default_options();
  o.start_ready = false;
  start_server(o);
  Reply starting = get("/readyz");
  EXPECT_EQ(starting.status, 503);
  EXPECT_EQ(starting.error_code(), "failed_precondition");
  EXPECT_EQ(get("/healthz").body_json(), json::parse(R"({"status":"ok"})"));
  server_->set_ready(true);
  EXPECT_EQ(get("/readyz").status, 200);
}

}  // namespace
}  // namespace vecdex::server::testing
