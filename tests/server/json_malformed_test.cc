// Bodies that are not JSON, or not a JSON object: every parser answers InvalidArgument with a
// message, never crashes; truncations and byte flips of valid bodies are caught the same way.
#include <functional>
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "server/json_codec.h"
#include "testing/status_matchers.h"

namespace vecdex::server {
namespace {

using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::StartsWith;

// Every body parser, reduced to its status.
std::vector<std::pair<std::string, std::function<Status(const std::string&)>>> parsers() {
  const JsonLimits limits;
  return {
      {"collection", [](const std::string& b) { return parse_collection_config("c", b).status(); }},
      {"points", [=](const std::string& b) { return parse_points(b, 2, limits).status(); }},
      {"delete", [=](const std::string& b) { return parse_delete(b, limits).status(); }},
      {"search", [=](const std::string& b) { return parse_search(b, 2, limits).status(); }},
      {"batch", [=](const std::string& b) { return parse_search_batch(b, 2, limits).status(); }},
      {"filter", [](const std::string& b) { return parse_filter(b).status(); }},
      {"alias", [](const std::string& b) { return parse_alias_target(b).status(); }},
  };
}

TEST(JsonMalformed, NotJsonIsInvalidArgumentFromEveryParser) {
  const std::string bodies[] = {
      "",
      "   \n",
      "{",
      "}",
      R"({"k":1)",
      R"({"k":1}})",
      R"({"k" 1})",
      R"({"k":1,})",
      R"({'k':1})",
      R"({k:1})",
      "\xff\xfe",
      "{\"k\":\"\xff\"}",
      R"({"k":"unclosed})",
      R"({"vector":[1,2,]})",
      R"({"vector":[1 2]})",
      R"({"vector":[1,2]} x)",
      R"({"vector":[1,2]} {})",
      R"({"k":tru})",
      R"({"k":01})",
      R"({"k":1.})",
      R"({"k":-})",
      std::string("\0{}", 3),
      R"({"a":"\u12"})",
  };
  for (const auto& [name, parse] : parsers()) {
    for (const std::string& body : bodies) {
      Status s = parse(body);
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << name << ": " << body;
      EXPECT_FALSE(s.message().empty()) << name << ": " << body;
    }
  }
}

TEST(JsonMalformed, MessagesSayWhatWasWrong) {
  auto search = [](const std::string& body) {
    return parse_search(body, 2, JsonLimits{}).status();
  };
  EXPECT_THAT(search(""),
              StatusIs(StatusCode::kInvalidArgument, Eq("body: empty; expected a JSON object")));
  EXPECT_THAT(search(R"({"vector":[1,2]")"),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("body: malformed JSON")));
  EXPECT_THAT(search(R"({"vector":[1,2]}})"),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("body: malformed JSON")));
  EXPECT_THAT(
      search(R"({"vector":[1 2]})"),
      StatusIs(StatusCode::kInvalidArgument, StartsWith("body: malformed JSON near vector[1] (")));
  EXPECT_THAT(search("[1,2]"), StatusIs(StatusCode::kInvalidArgument,
                                        Eq("body: expected a JSON object, got an array")));
  EXPECT_THAT(search("5"), StatusIs(StatusCode::kInvalidArgument,
                                    Eq("body: expected a JSON object, got a scalar value")));
  EXPECT_THAT(search("null"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected a JSON object")));
  EXPECT_THAT(parse_filter("[]"), StatusIs(StatusCode::kInvalidArgument,
                                           Eq("filter: expected a JSON object, got an array")));
}

TEST(JsonMalformed, DeepNestingIsAnErrorNotACrash) {
  const std::string deep_array = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THAT(parse_search(R"({"vector":)" + deep_array + "}", 2, JsonLimits{}),
              StatusIs(StatusCode::kInvalidArgument, ::testing::_));
  const std::string deep_payload = R"({"points":[{"id":1,"vector":[0,0],"payload":{"a":)" +
                                   std::string(5000, '[') + std::string(5000, ']') + "}}]}";
  EXPECT_THAT(parse_points(deep_payload, 2, JsonLimits{}),
              StatusIs(StatusCode::kInvalidArgument, ::testing::_));
}

// Every proper prefix of a valid body is rejected; every byte flip parses or is rejected
// cleanly (run under ASan/UBSan this is the crash check).
TEST(JsonMalformed, TruncationsAndByteFlipsNeverCrash) {
  const std::pair<std::string, std::string> valid[] = {
      {"points", R"({"points":[{"id":"a","vector":[1.5,-2e3],"payload":{"t":["x"],"n":1,)"
                 R"("f":0.5,"b":true},"model_version":"v1"}]})"},
      {"search", R"({"vector":[1,2],"k":5,"params":"ef=16","with_payload":true,)"
                 R"("filter":{"must":[{"key":"n","range":{"gte":1}},{"is_empty":{"key":"z"}}],)"
                 R"("should":[{"must_not":[{"key":"t","match":{"any":["x","y"]}}]}]}})"},
      {"collection", R"({"dim":2,"metric":"l2","schema":{"fields":{"n":{"type":"int"}}}})"},
      {"delete", R"({"ids":[1,"two",3]})"},
  };
  std::mt19937 rng(11);
  for (const auto& [name, body] : valid) {
    std::function<Status(const std::string&)> parse;
    for (auto& [parser_name, parser] : parsers()) {
      if (parser_name == name) parse = parser;
    }
    ASSERT_THAT(parse(body), IsOk()) << name;
    for (size_t n = 0; n < body.size(); ++n) {
      EXPECT_FALSE(parse(body.substr(0, n)).ok()) << name << " prefix " << n;
    }
    const char noise[] = {'"', '[', ']', '{', '}', ',',  ':',   '\\',
                          '-', 'e', '.', '0', 'n', '\0', '\x80'};
    for (int trial = 0; trial < 2000; ++trial) {
      std::string mutated = body;
      mutated[rng() % mutated.size()] = noise[rng() % sizeof(noise)];
      Status s = parse(mutated);
      if (!s.ok()) {
        EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << mutated;
      }
    }
  }
}

}  // namespace
}  // namespace vecdex::server
