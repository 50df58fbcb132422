// API keys over a real socket, and the refusal to serve a public address without one.
#include "server/http_fixture.h"

namespace vecdex::server::testing {
namespace {

class HttpAuthTest : public HttpTest {
 protected:
  void SetUp() override {
    ServerOptions o = default_options();
    o.api_key = "s3cret-key";
    start_server(o);
  }
  Reply get_with(const std::string& path, const httplib::Headers& headers) {
    return to_reply(client_->Get(path, headers));
  }
};

TEST_F(HttpAuthTest, MissingKeyIs401WithChallenge) {
  Reply r = get_with("/collections", {});
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.error_code(), "unauthenticated");
  EXPECT_EQ(r.headers.find("WWW-Authenticate")->second, R"(Bearer realm="vecdex")");
}

TEST_F(HttpAuthTest, WrongKeyIs401) {
  EXPECT_EQ(get_with("/collections", {{"Authorization", "Bearer s3cret-kez"}}).status, 401);
  EXPECT_EQ(get_with("/collections", {{"Authorization", "Bearer s3cret-key-longer"}}).status,
            401);
  EXPECT_EQ(get_with("/collections", {{"Authorization", "Basic s3cret-key"}}).status, 401);
  // Unknown routes too: without the key a client learns nothing about the API.
  EXPECT_EQ(get_with("/nothing/here", {}).status, 401);
  // A body sent without the key is refused before it is parsed.
  Reply upload = to_reply(client_->Put("/collections/items", std::string(R"({"dim":4})"),
                                       "application/json"));
  EXPECT_EQ(upload.status, 401);
  EXPECT_EQ(get("/collections").body_json()["collections"].size(), 0u);
}

TEST_F(HttpAuthTest, RightKeyPasses) {
  EXPECT_EQ(get_with("/collections", {{"Authorization", "Bearer s3cret-key"}}).status, 200);
  EXPECT_EQ(get_with("/collections", {{"Authorization", "bearer s3cret-key"}}).status, 200);
  EXPECT_EQ(get("/metrics").status, 200);
}

TEST_F(HttpAuthTest, HealthAndReadinessNeedNoKey) {
  EXPECT_EQ(get_with("/healthz", {}).status, 200);
  EXPECT_EQ(get_with("/readyz", {}).status, 200);
  EXPECT_EQ(get_with("/metrics", {}).status, 401);
}

TEST(ServerCreateTest, RefusesAPublicHostWithoutKey) {
  vecdex::testing::TempDir dir;
  auto db = vecdex::testing::open_db(dir.path());
  ServerOptions o;
  o.host = "0.0.0.0";
  o.port = 0;
  auto refused = Server::create(*db, o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("--insecure"), std::string::npos);

  o.insecure = true;
  EXPECT_TRUE(Server::create(*db, o).ok());
  o.insecure = false;
  o.api_key = "k";
  EXPECT_TRUE(Server::create(*db, o).ok());
  o.api_key.clear();
  for (const char* host : {"127.0.0.1", "127.1.2.3", "::1", "localhost"}) {
    o.host = host;
    EXPECT_TRUE(Server::create(*db, o).ok()) << host;
  }
}

TEST(ServerCreateTest, RefusesZeroLimits) {
  vecdex::testing::TempDir dir;
  auto db = vecdex::testing::open_db(dir.path());
  ServerOptions o;
  o.threads = 0;
  EXPECT_FALSE(Server::create(*db, o).ok());
  o = ServerOptions();
  o.max_body_bytes = 0;
  EXPECT_FALSE(Server::create(*db, o).ok());
}

TEST(ServerCreateTest, RefusesAnInflightBudgetBelowOneBody) {
  vecdex::testing::TempDir dir;
  auto db = vecdex::testing::open_db(dir.path());
  ServerOptions o;
  o.max_body_bytes = 1000;
  o.max_inflight_body_bytes = 999;
  auto refused = Server::create(*db, o);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.status().message().find("max_inflight_body_bytes (999) must be >= "
                                            "max_body_bytes (1000)"),
            std::string::npos)
      << refused.status().message();
  o.max_inflight_body_bytes = 1000;
  EXPECT_TRUE(Server::create(*db, o).ok());
}

}  // namespace
}  // namespace vecdex::server::testing
