// Server lifecycle: graceful stop with a request in flight, idempotent stop, wait(), a taken
// port.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

#include "server/http_fixture.h"

namespace vecdex::server::testing {
namespace {

class HttpLifecycleTest : public HttpTest {};

bool accepts_connections(uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  ::close(fd);
  return ok;
}

TEST_F(HttpLifecycleTest, StopLetsAnInFlightRequestFinish) {
  create_collection("items", 4);
  const std::string body =
      R"({"points":[{"id":1,"vector":[1,2,3,4]},{"id":2,"vector":[4,3,2,1]}]})";
  const size_t half = body.size() / 2;
  std::promise<void> half_sent;
  std::promise<void> go_on;
  std::shared_future<void> go = go_on.get_future().share();
  // The client sends half the body, waits until the server has begun stopping, then the rest.
  auto request = std::async(std::launch::async, [&] {
    httplib::Client c("127.0.0.1", server_->port());
    c.set_read_timeout(10, 0);
    return to_reply(c.Put(
        "/collections/items/points", body.size(),
        [&](size_t offset, size_t, httplib::DataSink& sink) {
          if (offset == 0) {
            sink.write(body.data(), half);
            half_sent.set_value();
            return true;
          }
          go.wait();
          sink.write(body.data() + half, body.size() - half);
          return true;
        },
        "application/json"));
  });
  half_sent.get_future().wait();
  // Give the server a moment to route the request into its handler (reading the body).
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  const uint16_t port = server_->port();
  auto stopping = std::async(std::launch::async, [&] { server_->stop(); });
  while (accepts_connections(port)) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  go_on.set_value();
  Reply r = request.get();
  stopping.get();
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.body_json(), json::parse(R"({"upserted":2})"));
  EXPECT_TRUE(db_->collection("items").value()->get(PointId(2)).ok());
}

TEST_F(HttpLifecycleTest, StopIsIdempotentAndReleasesWait) {
  auto waiter = std::async(std::launch::async, [&] { server_->wait(); });
  server_->stop();
  server_->stop();
  waiter.get();
  server_->wait();  // returns at once once stopped
  EXPECT_FALSE(server_->start().ok());
}

TEST_F(HttpLifecycleTest, TakenPortIsIOError) {
  ServerOptions o = default_options();
  o.port = server_->port();
  auto second = Server::create(*db_, o);
  ASSERT_TRUE(second.ok());
  const Status started = (*second)->start();
  EXPECT_EQ(started.code(), StatusCode::kIOError) << started.to_string();
  (*second)->stop();
}

TEST_F(HttpLifecycleTest, KeepAliveConnectionServesManyRequests) {
  client_->set_keep_alive(true);
  for (int i = 0; i < 20; ++i) ASSERT_EQ(get("/healthz").status, 200);
}

}  // namespace
}  // namespace vecdex::server::testing
