// Dispatcher without a socket: a handler that throws becomes a JSON 500, never a crash; an
// unknown path is a JSON 404; rejects carry their own HTTP status.
#include "server/dispatcher.h"

#include <gtest/gtest.h>

#include <new>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "engine/database_fixture.h"
#include "server/exchange.h"
#include "server/http_errors.h"

namespace vecdex::server {
namespace {

Status throws_bad_alloc(Exchange&) { throw std::bad_alloc(); }
Status throws_int(Exchange&) { throw 42; }
Status rejects_418(Exchange& ex) { return ex.reject(418, invalid_argument("teapot")); }

class DispatcherTest : public ::testing::Test {
 protected:
  DispatcherTest()
      : db_(vecdex::testing::open_db(dir_.path())),
        router_({{HttpMethod::kGet, "/alloc", throws_bad_alloc},
                 {HttpMethod::kGet, "/int", throws_int},
                 {HttpMethod::kGet, "/teapot", rejects_418}}),
        context_(*db_, ServerOptions(), router_.routes()),
        dispatcher_(router_, context_) {}

  HttpResponse call(const std::string& method, const std::string& path) {
    HttpRequest req;
    req.method = method;
    req.path = path;
    HttpResponse res;
    dispatcher_.handle(req, res);
    return res;
  }

  vecdex::testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  Router router_;
  ServerContext context_;
  Dispatcher dispatcher_;
};

TEST_F(DispatcherTest, ExceptionsBecomeJson500) {
  for (const char* path : {"/alloc", "/int"}) {
    HttpResponse res = call("GET", path);
    EXPECT_EQ(res.status, 500) << path;
    const auto body = nlohmann::json::parse(res.body);
    EXPECT_EQ(body["error"]["code"], "internal") << res.body;
  }
}

TEST_F(DispatcherTest, UnknownPathIs404AndRejectKeepsItsStatus) {
  EXPECT_EQ(call("GET", "/nope").status, kHttpNotFound);
  EXPECT_EQ(call("PUT", "/alloc").status, kHttpMethodNotAllowed);
  HttpResponse res = call("GET", "/teapot");
  EXPECT_EQ(res.status, 418);
  EXPECT_EQ(nlohmann::json::parse(res.body)["error"]["message"], "teapot");
}

}  // namespace
}  // namespace vecdex::server
