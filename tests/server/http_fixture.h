// Integration-test fixture: a real Server on an ephemeral port over a Database in a temp dir,
// and an httplib::Client talking to it over the socket.
#pragma once

#include <gtest/gtest.h>
#include <httplib.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "engine/database_fixture.h"
#include "server/server.h"
#include "testing/temp_dir.h"

namespace vecdex::server::testing {

using nlohmann::json;

// A response as the tests look at it. status -1: no response at all (connection error).
struct Reply {
  int status = -1;
  std::string body;
  std::string content_type;
  httplib::Headers headers;

  json body_json() const { return json::parse(body, nullptr, /*allow_exceptions=*/false); }
  // The "code" of an error body ("" if there is none).
  std::string error_code() const {
    const json j = body_json();
    return j.is_object() && j.contains("error") ? j["error"].value("code", "") : "";
  }
  std::string error_message() const {
    const json j = body_json();
    return j.is_object() && j.contains("error") ? j["error"].value("message", "") : "";
  }
};

inline Reply to_reply(const httplib::Result& r) {
  Reply out;
  if (!r) return out;
  out.status = r->status;
  out.body = r->body;
  out.content_type = r->get_header_value("Content-Type");
  out.headers = r->headers;
  return out;
}

class HttpTest : public ::testing::Test {
 protected:
  void SetUp() override { start_server(default_options()); }
  void TearDown() override { stop_server(); }

  ServerOptions default_options() const {
    ServerOptions o;
    o.host = "127.0.0.1";
    o.port = 0;
    o.threads = 4;
    o.snapshot_dir = dir_.path() / "snapshots";
    return o;
  }

  void start_server(const ServerOptions& options) {
    stop_server();
    if (!db_) {
      DatabaseOptions db_options = vecdex::testing::test_db_options();
      db_ = vecdex::testing::open_db(dir_.path() / "db", db_options);
      ASSERT_NE(db_, nullptr);
    }
    auto server = Server::create(*db_, options);
    ASSERT_TRUE(server.ok()) << server.status().to_string();
    server_ = std::move(server).value();
    ASSERT_TRUE(server_->start().ok());
    client_ = std::make_unique<httplib::Client>("127.0.0.1", server_->port());
    client_->set_read_timeout(10, 0);
    if (!options.api_key.empty()) api_key_ = options.api_key;
  }

  void stop_server() {
    client_.reset();
    if (server_) server_->stop();
    server_.reset();
  }

  httplib::Headers auth_headers() const {
    if (api_key_.empty()) return {};
    return {{"Authorization", "Bearer " + api_key_}};
  }

  Reply get(const std::string& path) { return to_reply(client_->Get(path, auth_headers())); }
  Reply del(const std::string& path) { return to_reply(client_->Delete(path, auth_headers())); }
  Reply put(const std::string& path, const std::string& body,
            const std::string& type = "application/json") {
    return to_reply(client_->Put(path, auth_headers(), body, type));
  }
  Reply post(const std::string& path, const std::string& body,
             const std::string& type = "application/json") {
    return to_reply(client_->Post(path, auth_headers(), body, type));
  }

  // Creates an L2 Flat collection with a small schema (color string, price float, n int).
  void create_collection(const std::string& name = "items", size_t dim = 4) {
    const json config = {{"dim", dim},
                         {"metric", "l2"},
                         {"index", "Flat"},
                         {"schema",
                          {{"fields",
                            {{"color", {{"type", "string"}}},
                             {"price", {{"type", "float"}}},
                             {"n", {{"type", "int"}}}}}}}};
    const Reply r = put("/collections/" + name, config.dump());
    ASSERT_EQ(r.status, 200) << r.body;
  }

  // Points 1..count with vector [i, 0, 0, ...] and payload n = i, color red/blue.
  void upsert_points(const std::string& name, size_t count, size_t dim = 4) {
    json points = json::array();
    for (size_t i = 1; i <= count; ++i) {
      std::vector<float> v(dim, 0.0f);
      v[0] = static_cast<float>(i);
      points.push_back({{"id", i},
                        {"vector", v},
                        {"payload", {{"n", i}, {"color", i % 2 == 0 ? "red" : "blue"}}}});
    }
    const Reply r = put("/collections/" + name + "/points", json{{"points", points}}.dump());
    ASSERT_EQ(r.status, 200) << r.body;
  }

  vecdex::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<httplib::Client> client_;
  std::string api_key_;
};

}  // namespace vecdex::server::testing
