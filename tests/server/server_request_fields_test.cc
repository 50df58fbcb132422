// Flat string-member bodies (snapshot name, restore request).
#include "server/request_fields.h"

#include <gtest/gtest.h>

namespace vecdex::server {
namespace {

TEST(RequestFieldsTest, ReadsAllowedStringMembers) {
  auto r = parse_string_fields(R"({"collection":"c2","from":"c/s"})", {"collection", "from"});
  ASSERT_TRUE(r.ok()) << r.status().to_string();
  EXPECT_EQ(r->at("collection"), "c2");
  EXPECT_EQ(r->at("from"), "c/s");
  EXPECT_TRUE(parse_string_fields("  \n", {"name"})->empty());
  EXPECT_TRUE(parse_string_fields("{}", {"name"})->empty());
}

TEST(RequestFieldsTest, Errors) {
  for (const char* body : {R"({"name":1})", R"({"other":"x"})", R"(["name"])",
                           R"({"name":"a","name":"b"})", R"({"name":"a"} x)", R"({"name":)"}) {
    auto r = parse_string_fields(body, {"name"});
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << body;
  }
}

}  // namespace
}  // namespace vecdex::server
