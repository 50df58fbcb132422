// What a client can make the server hold in memory: request bodies past the shared in-flight
// budget get 503, and a request without the API key gets its 401 before its body is read.
#include <chrono>
#include <cstdint>
#include <string>
#include <thread>

#include "server/body_budget.h"
#include "server/http_fixture.h"
#include "server/raw_socket.h"

namespace vecdex::server::testing {
namespace {

// An upsert of one 4-dim point, padded with JSON whitespace to exactly `size` bytes.
std::string padded_points_body(size_t size) {
  std::string body = R"({"points":[{"id":1,"vector":[1,2,3,4]}]})";
  body.append(size - body.size(), ' ');
  return body;
}

std::string put_points_head(size_t length, const std::string& extra_headers = "") {
  return "PUT /collections/items/points HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n" +
         extra_headers + "Content-Length: " + std::to_string(length) + "\r\n\r\n";
}

class HttpBodyBudgetTest : public HttpTest {
 protected:
  void SetUp() override {
    ServerOptions o = default_options();
    o.max_body_bytes = 4000;
    o.max_inflight_body_bytes = 6000;  // one body of 4000 fits, two do not
    start_server(o);
    create_collection("items");
  }
};

TEST_F(HttpBodyBudgetTest, BodyPastTheInflightBudgetGets503AndAClose) {
  const std::string body = padded_points_body(4000);
  RawSocket first(server_->port());
  first.send(put_points_head(4000) + body.substr(0, 100));  // holds 4000 of the budget
  std::this_thread::sleep_for(std::chrono::milliseconds(100));

  RawSocket second(server_->port());
  second.send(put_points_head(4000));
  const std::string refused = second.read_response();
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_NE(refused.find("Connection: close"), std::string::npos) << refused;
  EXPECT_NE(refused.find("\"code\":\"resource_exhausted\""), std::string::npos) << refused;
  EXPECT_NE(refused.find("max_inflight_body_bytes"), std::string::npos) << refused;
  EXPECT_TRUE(second.closed_by_peer());

  // The first request is unaffected; once answered, its share is free again.
  first.send(body.substr(100));
  EXPECT_EQ(first.read_response().rfind("HTTP/1.1 200", 0), 0u);
  RawSocket third(server_->port());
  third.send(put_points_head(4000) + body);
  EXPECT_EQ(third.read_response().rfind("HTTP/1.1 200", 0), 0u);
}

TEST_F(HttpBodyBudgetTest, ChunkedBodyTakesBudgetAsItGrows) {
  RawSocket holder(server_->port());
  holder.send(put_points_head(4000));  // 4000 of 6000 held, nothing sent
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  // A chunked body reserves a MiB ahead as it grows: past the 2000 left.
  RawSocket chunked(server_->port());
  chunked.send(
      "PUT /collections/items/points HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Transfer-Encoding: chunked\r\n\r\n10\r\n{\"points\":[{\"id\"\r\n");
  const std::string refused = chunked.read_response();
  EXPECT_EQ(refused.rfind("HTTP/1.1 503", 0), 0u) << refused;
  EXPECT_TRUE(chunked.closed_by_peer());
}

TEST_F(HttpBodyBudgetTest, ClosedConnectionGivesItsShareBack) {
  {
    RawSocket gone(server_->port());
    gone.send(put_points_head(4000) + "{");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }  // closed mid-body
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  RawSocket next(server_->port());
  next.send(put_points_head(4000) + padded_points_body(4000));
  EXPECT_EQ(next.read_response().rfind("HTTP/1.1 200", 0), 0u);
}

class HttpEarlyAuthTest : public HttpTest {
 protected:
  void SetUp() override {
    ServerOptions o = default_options();
    o.api_key = "s3cret-key";
    start_server(o);
  }
};

TEST_F(HttpEarlyAuthTest, BodyWithoutTheKeyGets401BeforeItIsSent) {
  RawSocket socket(server_->port());
  socket.send(put_points_head(100000000));  // declares 100 MB, sends none of it
  const std::string answer = socket.read_response();
  EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer;
  EXPECT_NE(answer.find("WWW-Authenticate: Bearer"), std::string::npos) << answer;
  EXPECT_NE(answer.find("Connection: close"), std::string::npos) << answer;
  EXPECT_TRUE(socket.closed_by_peer());
}

TEST_F(HttpEarlyAuthTest, ExpectContinueWithoutTheKeyGets401Instead) {
  RawSocket socket(server_->port());
  socket.send(put_points_head(5000, "Expect: 100-continue\r\nAuthorization: Bearer nope\r\n"));
  const std::string answer = socket.read_response();
  EXPECT_EQ(answer.rfind("HTTP/1.1 401", 0), 0u) << answer;  // no "100 Continue" first
}

TEST_F(HttpEarlyAuthTest, BodyWithTheKeyIsRead) {
  RawSocket socket(server_->port());
  const std::string body = R"({"dim":4,"metric":"l2"})";
  socket.send("PUT /collections/items HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer s3cret-key\r\n"
              "Content-Type: application/json\r\nContent-Length: " +
              std::to_string(body.size()) + "\r\n\r\n" + body);
  const std::string answer = socket.read_response();
  EXPECT_EQ(answer.rfind("HTTP/1.1 200", 0), 0u) << answer;
  EXPECT_EQ(answer.find("Connection: close"), std::string::npos) << answer;
}

// ---- BodyBudget ---------------------------------------------------------------------------------

TEST(BodyBudget, TakesUpToTheMaximumAndGivesBack) {
  BodyBudget budget(100);
  EXPECT_TRUE(budget.try_take(60));
  EXPECT_FALSE(budget.try_take(41));
  EXPECT_TRUE(budget.try_take(40));
  EXPECT_EQ(budget.in_flight(), 100u);
  EXPECT_FALSE(budget.try_take(1));
  budget.give_back(60);
  EXPECT_TRUE(budget.try_take(60));
  EXPECT_FALSE(budget.try_take(SIZE_MAX));  // no wrap-around
}

TEST(BodyBudget, ReservationGrowsAndReleasesOnDestruction) {
  BodyBudget budget(100);
  {
    BodyReservation r(budget);
    EXPECT_TRUE(r.grow_to(30));
    EXPECT_TRUE(r.grow_to(20));  // already held
    EXPECT_EQ(r.held(), 30u);
    EXPECT_TRUE(r.grow_to(90));
    EXPECT_FALSE(r.grow_to(101));
    EXPECT_EQ(r.held(), 90u);
    EXPECT_EQ(budget.in_flight(), 90u);
  }
  EXPECT_EQ(budget.in_flight(), 0u);
}

}  // namespace
}  // namespace vecdex::server::testing
