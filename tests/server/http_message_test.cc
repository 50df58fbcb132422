// Percent-decoding of path parameters and query strings.
#include "server/http_message.h"

#include <gtest/gtest.h>

namespace vecdex::server {
namespace {

TEST(HttpMessageTest, PercentDecode) {
  EXPECT_EQ(percent_decode("shirts%2F42", false), "shirts/42");
  EXPECT_EQ(percent_decode("a%20b+c", false), "a b+c");
  EXPECT_EQ(percent_decode("a%20b+c", true), "a b c");
  EXPECT_EQ(percent_decode("%e2%9C%93", false), "\xe2\x9c\x93");
  // Malformed escapes stay as they are.
  EXPECT_EQ(percent_decode("100%", false), "100%");
  EXPECT_EQ(percent_decode("%4", false), "%4");
  EXPECT_EQ(percent_decode("%zz", false), "%zz");
  EXPECT_EQ(percent_decode("", false), "");
}

TEST(HttpMessageTest, ParseQueryString) {
  const auto q = parse_query_string("first_id=10&model_version=v%203&flag&&x=a+b");
  ASSERT_EQ(q.size(), 4u);
  EXPECT_EQ(q[0], std::make_pair(std::string("first_id"), std::string("10")));
  EXPECT_EQ(q[1], std::make_pair(std::string("model_version"), std::string("v 3")));
  EXPECT_EQ(q[2], std::make_pair(std::string("flag"), std::string()));
  EXPECT_EQ(q[3], std::make_pair(std::string("x"), std::string("a b")));
  EXPECT_TRUE(parse_query_string("").empty());
}

}  // namespace
}  // namespace vecdex::server
