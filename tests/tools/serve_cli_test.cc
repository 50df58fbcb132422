// End-to-end tests of `vecdex serve` (the real binary, $VECDEX_CLI): it listens on an ephemeral
// port and says which, answers /healthz, stops with exit 0 on SIGTERM and SIGINT, enforces the
// API key (flag or $VECDEX_API_KEY), refuses a public address without a key, survives running
// out of file descriptors, and reports bad flags and a taken port clearly.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "testing/temp_dir.h"
#include "tools/serve_process.h"

namespace vecdex::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class ServeCliTest : public ::testing::Test {
 protected:
  std::vector<std::string> serve_args(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"serve", "--data-dir", dir_.file("data").string(), "--port",
                                     "0", "--threads", "4"};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }

  // Starts the server and waits for its listening line; skips the test when this vecdex was
  // built without the server.
  std::optional<uint16_t> start(ServeProcess& process) {
    std::optional<uint16_t> port = process.wait_listening();
    if (!port && process.err().find("built without the HTTP server") != std::string::npos) {
      skipped_ = true;
    }
    return port;
  }

  TempDir dir_;
  bool skipped_ = false;
};

TEST_F(ServeCliTest, ListensAnswersHealthzAndStopsOnSigterm) {
  ServeProcess server(dir_.path(), serve_args());
  std::optional<uint16_t> port = start(server);
  if (skipped_) GTEST_SKIP() << "vecdex built without the server";
  ASSERT_TRUE(port.has_value()) << server.err();
  EXPECT_NE(*port, 0);
  EXPECT_THAT(server.err(), HasSubstr("vecdex serve: listening on http://127.0.0.1:" +
                                      std::to_string(*port) + "\n"));

  EXPECT_EQ(http_request(*port, "GET", "/healthz").status, 200);
  EXPECT_EQ(http_request(*port, "GET", "/readyz").status, 200);  // no demo: ready at once
  HttpReply list = http_request(*port, "GET", "/collections");
  EXPECT_EQ(list.status, 200) << list.body;

  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(), 0) << server.err();
  EXPECT_THAT(server.err(), AllOf(HasSubstr("SIGTERM received"), HasSubstr("stopped")));
  EXPECT_TRUE(std::filesystem::is_directory(dir_.file("data")));
  EXPECT_EQ(http_request(*port, "GET", "/healthz").status, 0);  // nothing listens any more
}

TEST_F(ServeCliTest, RunningOutOfFileDescriptorsIsSurvived) {
  // 48 descriptors: RocksDB and the server take some; 80 clients exhaust the rest, so accept()
  // fails with EMFILE until they leave. The server must retry (not spin, not exit) and serve
  // again afterwards.
  ServeProcess server(dir_.path(), serve_args(), {}, /*max_open_files=*/48);
  std::optional<uint16_t> port = start(server);
  if (skipped_) GTEST_SKIP() << "vecdex built without the server";
  ASSERT_TRUE(port.has_value()) << server.err();
  std::vector<int> clients;
  for (int i = 0; i < 80; ++i) {
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(*port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd);
      break;  // the backlog is full as well
    }
    clients.push_back(fd);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (int fd : clients) ::close(fd);
  HttpReply reply;
  for (int attempt = 0; attempt < 50 && reply.status != 200; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    reply = http_request(*port, "GET", "/healthz");
  }
  EXPECT_EQ(reply.status, 200);
  const std::string log = server.err();
  EXPECT_THAT(log, HasSubstr("accept failed"));
  // Retries are 100 ms apart, not a busy loop.
  size_t warnings = 0;
  for (size_t at = log.find("accept failed"); at != std::string::npos;
       at = log.find("accept failed", at + 1)) {
    ++warnings;
  }
  EXPECT_LT(warnings, 100u);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(), 0) << server.err();
}

TEST_F(ServeCliTest, SigintStopsGracefullyAndDataSurvivesRestart) {
  {
    ServeProcess server(dir_.path(), serve_args());
    std::optional<uint16_t> port = start(server);
    if (skipped_) GTEST_SKIP() << "vecdex built without the server";
    ASSERT_TRUE(port.has_value()) << server.err();
    HttpReply created = http_request(*port, "PUT", "/collections/items",
                                     R"({"dim":2,"metric":"l2","index":"Flat"})");
    ASSERT_EQ(created.status / 100, 2) << created.body;
    HttpReply upserted = http_request(*port, "PUT", "/collections/items/points",
                                      R"({"points":[{"id":1,"vector":[0.5,1.5]}]})");
    ASSERT_EQ(upserted.status / 100, 2) << upserted.body;
    server.signal(SIGINT);
    EXPECT_EQ(server.wait_exit(), 0) << server.err();
    EXPECT_THAT(server.err(), HasSubstr("SIGINT received"));
  }
  ServeProcess again(dir_.path(), serve_args());
  std::optional<uint16_t> port = start(again);
  ASSERT_TRUE(port.has_value()) << again.err();
  HttpReply point = http_request(*port, "GET", "/collections/items/points/1");
  EXPECT_EQ(point.status, 200) << point.body;
  EXPECT_THAT(point.body, HasSubstr("1.5"));
  again.signal(SIGTERM);
  EXPECT_EQ(again.wait_exit(), 0) << again.err();
}

TEST_F(ServeCliTest, ApiKeyIsRequiredOnEveryRequest) {
  ServeProcess server(dir_.path(), serve_args({"--api-key", "s3cret"}));
  std::optional<uint16_t> port = start(server);
  if (skipped_) GTEST_SKIP() << "vecdex built without the server";
  ASSERT_TRUE(port.has_value()) << server.err();
  HttpReply anonymous = http_request(*port, "GET", "/collections");
  EXPECT_EQ(anonymous.status, 401);
  EXPECT_THAT(anonymous.body, HasSubstr("\"error\""));
  EXPECT_EQ(http_request(*port, "GET", "/collections", "", {"Authorization: Bearer wrong"}).status,
            401);
  EXPECT_EQ(http_request(*port, "GET", "/collections", "", {"Authorization: Bearer s3cret"}).status,
            200);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(), 0) << server.err();
}

TEST_F(ServeCliTest, ApiKeyMayComeFromTheEnvironment) {
  ServeProcess server(dir_.path(), serve_args(), {{"VECDEX_API_KEY", "from-env"}});
  std::optional<uint16_t> port = start(server);
  if (skipped_) GTEST_SKIP() << "vecdex built without the server";
  ASSERT_TRUE(port.has_value()) << server.err();
  EXPECT_EQ(http_request(*port, "GET", "/collections").status, 401);
  EXPECT_EQ(
      http_request(*port, "GET", "/collections", "", {"Authorization: Bearer from-env"}).status,
      200);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(), 0) << server.err();
}

TEST_F(ServeCliTest, PublicAddressWithoutKeyIsRefused) {
  ServeProcess server(dir_.path(), serve_args({"--host", "0.0.0.0"}),
                      {{"VECDEX_API_KEY", ""}});
  int code = server.wait_exit();
  if (server.err().find("built without the HTTP server") != std::string::npos) GTEST_SKIP();
  EXPECT_NE(code, 0);
  EXPECT_NE(code, -1) << "still running: it must refuse to start";
  EXPECT_THAT(server.err(), AllOf(StartsWith("vecdex serve: "), HasSubstr("--api-key"),
                                  HasSubstr("--insecure")));
  EXPECT_THAT(server.err(), Not(HasSubstr("listening")));
}

TEST_F(ServeCliTest, InsecureAllowsPublicAddressWithoutKey) {
  ServeProcess server(dir_.path(), serve_args({"--host", "0.0.0.0", "--insecure"}));
  std::optional<uint16_t> port = start(server);
  if (skipped_) GTEST_SKIP() << "vecdex built without the server";
  ASSERT_TRUE(port.has_value()) << server.err();
  EXPECT_EQ(http_request(*port, "GET", "/healthz").status, 200);
  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(), 0) << server.err();
}

TEST_F(ServeCliTest, TakenPortIsAClearError) {
  ServeProcess first(dir_.path(), serve_args());
  std::optional<uint16_t> port = start(first);
  if (skipped_) GTEST_SKIP() << "vecdex built without the server";
  ASSERT_TRUE(port.has_value()) << first.err();
  TempDir other;
  ServeProcess second(other.path(), {"serve", "--data-dir", other.file("data").string(),
                                     "--port", std::to_string(*port)});
  EXPECT_EQ(second.wait_exit(), 1) << second.err();
  EXPECT_THAT(second.err(), AllOf(StartsWith("vecdex serve: "),
                                  HasSubstr(std::to_string(*port))));
  first.signal(SIGTERM);
  EXPECT_EQ(first.wait_exit(), 0) << first.err();
}

TEST_F(ServeCliTest, BadFlagsAreClearErrors) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::string data = dir_.file("data").string();
  const std::vector<Case> cases = {
      {{"serve", "--data-dir", data, "--bogus"}, "--bogus"},
      {{"serve", "--port", "8080"}, "--data-dir is required"},
      {{"serve", "--data-dir", data, "--port", "70000"}, "--port 70000"},
      {{"serve", "--data-dir", data, "--port", "-1"}, "--port"},
      {{"serve", "--data-dir", data, "--sync", "sometimes"}, "every, group or periodic"},
      {{"serve", "--data-dir", data, "--threads", "0"}, "--threads"},
      {{"serve", "--data-dir", data, "--max-k", "0"}, "--max-k"},
  };
  for (const Case& c : cases) {
    CliOutput r = run_cli(dir_.path(), c.args);
    EXPECT_NE(r.exit_code, 0) << c.args.back();
    EXPECT_LT(r.exit_code, 128) << "crashed: " << r.err;
    EXPECT_THAT(r.err, AllOf(StartsWith("vecdex serve: "), HasSubstr(c.message)));
    EXPECT_THAT(r.err, Not(HasSubstr("listening")));
  }
}

}  // namespace
}  // namespace vecdex::testing
