// BodyDocument: the padded copy and parser of a body, reused per thread for small bodies, owned
// for large ones and for a parse nested inside another.
#include <string>

#include <gtest/gtest.h>

#include "server/json_codec.h"
#include "server/json_reader.h"
#include "testing/status_matchers.h"

namespace vecdex::server {
namespace {

using json::JsonPath;
using json::od::object;
using json::od::value;

// {"vector":[0,1,...,dim-1],"k":3}
std::string search_body(size_t dim) {
  std::string body = R"({"vector":[)";
  for (size_t j = 0; j < dim; ++j) {
    if (j > 0) body += ',';
    body += std::to_string(j);
  }
  return body + R"(],"k":3})";
}

TEST(BodyDocument, ReusedParserReadsBodiesOfChangingSizes) {
  const JsonLimits limits;
  // Large, small, large again: the thread's buffer and parser grow and are reused.
  for (size_t dim : {1000u, 2u, 5000u, 3u, 1000u}) {
    auto parsed = parse_search(search_body(dim), dim, limits);
    ASSERT_TRUE(parsed.ok()) << parsed.status().message();
    ASSERT_EQ(parsed->vector.size(), dim);
    EXPECT_EQ(parsed->vector.back(), static_cast<float>(dim - 1));
    EXPECT_EQ(parsed->request.k, 3u);
  }
  // An error leaves the scratch usable.
  EXPECT_FALSE(parse_search(R"({"vector":[1,)", 2, limits).ok());
  EXPECT_TRUE(parse_search(search_body(2), 2, limits).ok());
}

TEST(BodyDocument, BodyOver256KibGetsItsOwnParser) {
  const size_t dim = 300000;  // ~2 MB of text
  const std::string body = search_body(dim);
  ASSERT_GT(body.size(), size_t{256} << 10);
  auto parsed = parse_search(body, dim, JsonLimits{});
  ASSERT_TRUE(parsed.ok()) << parsed.status().message();
  EXPECT_EQ(parsed->vector[123456], 123456.0f);
}

TEST(BodyDocument, NestedParseDoesNotDisturbTheOuterDocument) {
  const std::string outer = R"({"a":"x","b":"y"})";
  const std::string inner = R"({"c":"z"})";
  std::string seen;
  const Status s = json::read_body(outer, JsonPath(), [&](object& root) -> Status {
    for (auto field : root) {
      std::string_view text;
      if (field.value().get_string().get(text)) return invalid_argument("outer string");
      seen += text;
      // A parse while the thread's scratch holds the outer document.
      Status nested = json::read_body(inner, JsonPath(), [&](object& in) -> Status {
        for (auto inner_field : in) {
          std::string_view c;
          if (inner_field.value().get_string().get(c)) return invalid_argument("inner string");
          seen += c;
        }
        return ok_status();
      });
      if (!nested.ok()) return nested;
    }
    return ok_status();
  });
  ASSERT_TRUE(s.ok()) << s.to_string() << " seen=" << seen;
  EXPECT_EQ(seen, "xzyz");
}

}  // namespace
}  // namespace vecdex::server
