// The HTTP transport over raw sockets: pipelining, HEAD, Expect: 100-continue, chunked bodies,
// header limits, percent-encoded path parameters, idle and surplus connections, and a stop()
// that does not wait for idle keep-alive clients.
#include <chrono>
#include <thread>

#include "server/http_fixture.h"
#include "server/raw_socket.h"

namespace vecdex::server::testing {
namespace {

class HttpTransportTest : public HttpTest {};

size_t count_of(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST_F(HttpTransportTest, PipelinedRequestsAreAnsweredInOrder) {
  RawSocket socket(server_->port());
  socket.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"
              "GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n"
              "GET /nope HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string answer = socket.read_to_end();
  EXPECT_EQ(count_of(answer, "HTTP/1.1 "), 3u) << answer;
  const size_t ok = answer.find(R"({"status":"ok"})");
  const size_t ready = answer.find(R"({"status":"ready"})");
  const size_t missing = answer.find("HTTP/1.1 404");
  ASSERT_NE(ok, std::string::npos);
  ASSERT_NE(ready, std::string::npos);
  ASSERT_NE(missing, std::string::npos);
  EXPECT_LT(ok, ready);
  EXPECT_LT(ready, missing);
}

TEST_F(HttpTransportTest, HeadAnswersHeadersOnly) {
  RawSocket socket(server_->port());
  socket.send("HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string answer = socket.read_to_end();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find("Content-Length: 15\r\n"), std::string::npos) << answer;
  EXPECT_EQ(answer.substr(answer.find("\r\n\r\n") + 4), "");
}

TEST_F(HttpTransportTest, ExpectContinueGets100BeforeTheBody) {
  create_collection("items");
  const std::string body = R"({"points":[{"id":1,"vector":[1,2,3,4]}]})";
  RawSocket socket(server_->port());
  socket.send("PUT /collections/items/points HTTP/1.1\r\nHost: x\r\n"
              "Content-Type: application/json\r\nExpect: 100-continue\r\n"
              "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n");
  const std::string interim = socket.read_response();
  EXPECT_EQ(interim.rfind("HTTP/1.1 100 Continue\r\n\r\n", 0), 0u) << interim;
  socket.send(body);
  const std::string answer = socket.read_response();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"({"upserted":1})"), std::string::npos) << answer;
}

TEST_F(HttpTransportTest, ExpectContinueWithAnOversizedBodyGets413AndAClose) {
  ServerOptions o = default_options();
  o.max_body_bytes = 1024;
  start_server(o);
  RawSocket socket(server_->port());
  socket.send("PUT /collections/items/points HTTP/1.1\r\nHost: x\r\n"
              "Content-Type: application/json\r\nExpect: 100-continue\r\n"
              "Content-Length: 5000\r\n\r\n");
  const std::string answer = socket.read_response();
  EXPECT_EQ(answer.rfind("HTTP/1.1 413", 0), 0u) << answer;  // no "100 Continue" first
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_TRUE(socket.closed_by_peer());  // the body never comes: no waiting for it
}

TEST_F(HttpTransportTest, ChunkedBodyIsAccepted) {
  create_collection("items");
  const std::string part1 = R"({"points":[{"id":7,)";
  const std::string part2 = R"("vector":[1,2,3,4]}]})";
  auto hex = [](size_t n) {
    char buf[16];
    std::snprintf(buf, sizeof buf, "%zx", n);
    return std::string(buf);
  };
  const std::string answer = raw_exchange(
      server_->port(), "PUT /collections/items/points HTTP/1.1\r\nHost: x\r\n"
                       "Transfer-Encoding: chunked\r\nContent-Type: application/json\r\n\r\n" +
                           hex(part1.size()) + "\r\n" + part1 + "\r\n" + hex(part2.size()) +
                           "\r\n" + part2 + "\r\n0\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_EQ(get("/collections/items/points/7").status, 200);
}

TEST_F(HttpTransportTest, OversizedHeaderIs400) {
  const std::string answer = raw_exchange(
      server_->port(),
      "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(100 * 1024, 'a') + "\r\n\r\n");
  EXPECT_EQ(answer.rfind("HTTP/1.1 400", 0), 0u) << answer.substr(0, 200);
  EXPECT_NE(answer.find("invalid_argument"), std::string::npos);
}

TEST_F(HttpTransportTest, PercentEncodedSlashStaysInsideAnId) {
  create_collection("items");
  const Reply up = put("/collections/items/points",
                       R"({"points":[{"id":"shirts/42","vector":[1,2,3,4]}]})");
  ASSERT_EQ(up.status, 200) << up.body;
  const Reply got = get("/collections/items/points/shirts%2F42");
  ASSERT_EQ(got.status, 200) << got.body;
  EXPECT_EQ(got.body_json()["id"], "shirts/42");
  EXPECT_EQ(get("/collections/items/points/shirts/42").status, 404);  // two segments: no route
}

TEST_F(HttpTransportTest, PostWithoutBodyIsAnEmptyBody) {
  create_collection("items");
  RawSocket socket(server_->port());
  socket.send("POST /collections/items/snapshots HTTP/1.1\r\nHost: x\r\n"
              "Connection: close\r\n\r\n");
  const std::string answer = socket.read_to_end();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_NE(answer.find(R"("name":)"), std::string::npos) << answer;
}

TEST_F(HttpTransportTest, IdleConnectionIsClosedAfterTheKeepAliveTimeout) {
  ServerOptions o = default_options();
  o.keep_alive_timeout_s = 1;
  start_server(o);
  RawSocket socket(server_->port(), /*timeout_s=*/10);
  ASSERT_GE(socket.fd(), 0);
  EXPECT_TRUE(socket.closed_by_peer());  // before the 10 s receive timeout
}

TEST_F(HttpTransportTest, ConnectionsPastTheLimitAreClosed) {
  ServerOptions o = default_options();
  o.max_connections = 1;
  start_server(o);
  client_.reset();
  RawSocket first(server_->port());
  first.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(first.read_response().rfind("HTTP/1.1 200", 0), 0u);
  RawSocket second(server_->port());
  second.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_TRUE(second.closed_by_peer());
  first.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");  // the first is still served
  EXPECT_EQ(first.read_response().rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(HttpTransportTest, StopDoesNotWaitForIdleKeepAliveClients) {
  ServerOptions o = default_options();
  o.keep_alive_timeout_s = 600;
  start_server(o);
  RawSocket idle(server_->port(), /*timeout_s=*/60);
  idle.send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_EQ(idle.read_response().rfind("HTTP/1.1 200", 0), 0u);
  const auto start = std::chrono::steady_clock::now();
  server_->stop();
  // Stopping closed the idle connection instead of waiting out its 600 s keep-alive.
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_TRUE(idle.closed_by_peer());
}

}  // namespace
}  // namespace vecdex::server::testing
