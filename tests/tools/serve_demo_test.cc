// End-to-end tests of `vecdex serve --demo` on a small fake Fashion-MNIST directory
// (--demo-data): the server answers /healthz while it loads, becomes ready, prints curl commands
// that work as printed, reuses the collection on the next start, and exits with a clear message
// when the dataset is missing.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "server/fake_fashion_dataset.h"
#include "testing/temp_dir.h"
#include "tools/serve_process.h"

namespace vecdex::testing {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

class ServeDemoTest : public ::testing::Test {
 protected:
  void SetUp() override { write_fake_fashion(dir_.file("fashion")); }

  std::vector<std::string> demo_args() {
    return {"serve",       "--data-dir",    dir_.file("data").string(),
            "--port",      "0",             "--threads",
            "4",           "--demo",        "--demo-data",
            dir_.file("fashion").string(),  "--demo-index",
            "HNSW16",      "--demo-params", "ef=32"};
  }

  // The printed curl commands, each joined from its two lines ("\\\n" continuation).
  static std::vector<std::string> curl_commands(const std::string& out) {
    std::vector<std::string> commands;
    std::istringstream in(out);
    std::string line;
    while (std::getline(in, line)) {
      if (line.find("curl ") == std::string::npos) continue;
      std::string command = line;
      while (!command.empty() && command.back() == '\\' && std::getline(in, line)) {
        command.pop_back();
        command += line;
      }
      commands.push_back(command);
    }
    return commands;
  }

  TempDir dir_;
};

TEST_F(ServeDemoTest, LoadsBecomesReadyAndPrintsCurlThatWorks) {
  ServeProcess server(dir_.path(), demo_args());
  std::optional<uint16_t> port = server.wait_listening();
  if (!port && server.err().find("built without the HTTP server") != std::string::npos) {
    GTEST_SKIP() << "vecdex built without the server";
  }
  ASSERT_TRUE(port.has_value()) << server.err();
  EXPECT_EQ(http_request(*port, "GET", "/healthz").status, 200);  // at once, loading or not
  ASSERT_TRUE(server.wait_for_status(*port, "/readyz", 200)) << server.err();
  // "ready" is logged before the commands are printed: wait for the second one.
  for (int i = 0; i < 500 && curl_commands(server.out()).size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }

  HttpReply info = http_request(*port, "GET", "/collections/fashion");
  ASSERT_EQ(info.status, 200) << info.body;
  EXPECT_THAT(info.body, HasSubstr("\"points\":120"));

  std::vector<std::string> commands = curl_commands(server.out());
  ASSERT_EQ(commands.size(), 2u) << server.out();
  EXPECT_THAT(commands[0], AllOf(HasSubstr("http://127.0.0.1:" + std::to_string(*port) +
                                           "/collections/fashion/search"),
                                 HasSubstr("demo-query.json")));
  EXPECT_THAT(commands[1], HasSubstr("demo-query-filtered.json"));
  if (std::filesystem::exists("/usr/bin/curl")) {
    // Run the first command exactly as printed.
    std::string script = dir_.file("curl.sh").string();
    std::ofstream(script) << commands[0] << " >" << dir_.file("curl.out").string() << "\n";
    int status = std::system(("sh " + shell_quote(script)).c_str());
    EXPECT_EQ(status, 0);
    std::string reply = slurp(dir_.file("curl.out"));
    EXPECT_THAT(reply, AllOf(HasSubstr("\"results\""), HasSubstr("\"id\":3,"),
                             HasSubstr("\"label_name\":\"Dress\"")));
  }
  // The filtered body returns sneakers (label 7) only.
  HttpReply filtered = http_request(*port, "POST", "/collections/fashion/search",
                                    slurp(dir_.file("data") / "demo-query-filtered.json"));
  ASSERT_EQ(filtered.status, 200) << filtered.body;
  EXPECT_THAT(filtered.body, AllOf(HasSubstr("\"label\":7"), Not(HasSubstr("\"label\":3"))));

  server.signal(SIGTERM);
  EXPECT_EQ(server.wait_exit(), 0) << server.err();
}

TEST_F(ServeDemoTest, SecondStartReusesTheCollection) {
  for (int start = 0; start < 2; ++start) {
    ServeProcess server(dir_.path(), demo_args());
    std::optional<uint16_t> port = server.wait_listening();
    if (!port && server.err().find("built without the HTTP server") != std::string::npos) {
      GTEST_SKIP() << "vecdex built without the server";
    }
    ASSERT_TRUE(port.has_value()) << server.err();
    ASSERT_TRUE(server.wait_for_status(*port, "/readyz", 200)) << server.err();
    server.signal(SIGTERM);
    EXPECT_EQ(server.wait_exit(), 0) << server.err();
    if (start == 0) {
      EXPECT_THAT(server.err(), HasSubstr("creating collection 'fashion'"));
    } else {
      EXPECT_THAT(server.err(), HasSubstr("reusing collection 'fashion' (120 points)"));
      EXPECT_THAT(server.err(), Not(HasSubstr("uploaded")));
    }
  }
}

TEST_F(ServeDemoTest, MissingDatasetExitsWithAClearMessage) {
  std::vector<std::string> args = demo_args();
  args[9] = dir_.file("nowhere").string();  // --demo-data
  ServeProcess server(dir_.path(), args);
  int code = server.wait_exit();
  if (server.err().find("built without the HTTP server") != std::string::npos) GTEST_SKIP();
  EXPECT_EQ(code, 1) << server.err();
  EXPECT_THAT(server.err(), AllOf(HasSubstr("vecdex serve: demo collection: "),
                                  HasSubstr("train-images-idx3-ubyte.gz not found"),
                                  HasSubstr("--no-demo")));
}

}  // namespace
}  // namespace vecdex::testing
