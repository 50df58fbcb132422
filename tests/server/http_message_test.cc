// Percent-decoding of path parameters and query strings; response heads.
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

TEST(HttpMessageTest, ResponseHeadHasStatusTypeHeadersAndLength) {
  HttpResponse res;
  res.status = 405;
  res.content_type = "application/json";
  res.set_header("Allow", "GET, PUT");
  res.body = R"({"error":{}})";
  std::string head = "stale";
  append_response_head(res, true, head);
  EXPECT_EQ(head,
            "staleHTTP/1.1 405 Method Not Allowed\r\n"
            "Content-Type: application/json\r\n"
            "Allow: GET, PUT\r\n"
            "Content-Length: 12\r\n"
            "\r\n");
}

TEST(HttpMessageTest, ResponseHeadAnnouncesCloseAndEmptyBodies) {
  HttpResponse res;  // 200, no content type, no body
  std::string head;
  append_response_head(res, false, head);
  EXPECT_EQ(head, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
  res.status = 413;
  res.body.assign(123456, 'x');
  head.clear();
  append_response_head(res, true, head);
  EXPECT_EQ(head, "HTTP/1.1 413 Payload Too Large\r\nContent-Length: 123456\r\n\r\n");
}

}  // namespace
}  // namespace vecdex::server
