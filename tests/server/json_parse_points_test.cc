// parse_points and parse_delete: every shape, payload typing, id rules, vector checks, limits.
#include <cstdint>
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "server/json_codec.h"
#include "testing/status_matchers.h"

namespace vecdex::server {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// "[0,1,...,n-1]" as a JSON array.
std::string numbers(size_t n) {
  std::string out = "[";
  for (size_t i = 0; i < n; ++i) {
    if (i > 0) out += ',';
    out += std::to_string(i);
  }
  out += ']';
  return out;
}

// A body with one point {"id":<id>,"vector":<vector>,<extra>}.
std::string one_point(const std::string& id, const std::string& vector,
                      const std::string& extra = "") {
  return R"({"points":[{"id":)" + id + R"(,"vector":)" + vector +
         (extra.empty() ? "" : "," + extra) + "}]}";
}

Status point_error(const std::string& id, const std::string& vector, const std::string& extra = "",
                   size_t dim = 3) {
  return parse_points(one_point(id, vector, extra), dim, JsonLimits{}).status();
}

TEST(JsonParsePoints, ParsesEveryFieldAndPayloadKind) {
  const std::string body = R"({"points":[
      {"id":1,"vector":[1,2.5,-3e-2],"model_version":"v3",
       "payload":{"i":3,"neg":-7,"f":2.5,"e":1e3,"whole":4.0,"b":true,"s":"x\n\u00e9",
                  "k":["a","b"],"none":[]}},
      {"vector":[0,0,1],"id":"abc"}]})";
  auto points = parse_points(body, 3, JsonLimits{});
  ASSERT_THAT(points, IsOk());
  ASSERT_EQ(points->size(), 2u);
  const Point& p = (*points)[0];
  EXPECT_EQ(p.id, PointId(1));
  EXPECT_EQ(p.vector, (std::vector<float>{1.0f, 2.5f, -3e-2f}));
  EXPECT_EQ(p.model_version, "v3");
  EXPECT_EQ(p.payload.at("i"), PayloadValue(int64_t{3}));
  EXPECT_EQ(p.payload.at("neg"), PayloadValue(int64_t{-7}));
  EXPECT_EQ(p.payload.at("f"), PayloadValue(2.5));
  EXPECT_EQ(p.payload.at("e"), PayloadValue(1000.0));   // an exponent makes a float
  EXPECT_EQ(p.payload.at("whole"), PayloadValue(4.0));  // so does a fraction, even .0
  EXPECT_EQ(p.payload.at("b"), PayloadValue(true));
  EXPECT_EQ(p.payload.at("s"), PayloadValue(std::string("x\n\xc3\xa9")));
  EXPECT_EQ(p.payload.at("k"), PayloadValue(Keywords{"a", "b"}));
  EXPECT_EQ(p.payload.at("none"), PayloadValue(Keywords{}));
  const Point& q = (*points)[1];
  EXPECT_EQ(q.id, *PointId::from_string("abc"));
  EXPECT_TRUE(q.payload.empty());
  EXPECT_EQ(q.model_version, "");
}

TEST(JsonParsePoints, IntegersBeyondInt64AreFloats) {
  auto points =
      parse_points(one_point("1", "[0,0,0]",
                             R"("payload":{"max":9223372036854775807,"min":-9223372036854775808,)"
                             R"("big":9223372036854775808,"huge":100000000000000000000000000000})"),
                   3, JsonLimits{});
  ASSERT_THAT(points, IsOk());
  const Payload& payload = (*points)[0].payload;
  EXPECT_EQ(payload.at("max"), PayloadValue(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(payload.at("min"), PayloadValue(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(payload.at("big"), PayloadValue(9223372036854775808.0));
  EXPECT_EQ(payload.at("huge"), PayloadValue(1e29));
}

// simdjson 3.0.1 alone reads "0.30000000000000004441" as 0.1155... (its issue #2093); every
// number of more than 19 digits is read again exactly, in vectors and payloads alike.
TEST(JsonParsePoints, LongNumbersAreReadExactly) {
  auto points = parse_points(
      one_point("1", "[0.30000000000000004441,-0.95000000000000000000,0.1000000000000000055511151]",
                R"("payload":{"f":0.30000000000000004441,"tiny":1e-400,"neg_tiny":-0.0e-999,)"
                R"("sub":0.000000000000000000000000000000000000000000000000000000000000001234})"),
      3, JsonLimits{});
  ASSERT_THAT(points, IsOk());
  const Point& p = (*points)[0];
  EXPECT_EQ(p.vector, (std::vector<float>{0.3f, -0.95f, 0.1f}));
  EXPECT_EQ(p.payload.at("f"), PayloadValue(0.30000000000000004441));
  EXPECT_EQ(p.payload.at("tiny"), PayloadValue(0.0));
  EXPECT_EQ(p.payload.at("neg_tiny"), PayloadValue(-0.0));
  EXPECT_EQ(p.payload.at("sub"), PayloadValue(1.234e-63));
}

TEST(JsonParsePoints, IdsAreUnsigned64OrShortStrings) {
  auto max = parse_points(one_point("18446744073709551615", "[0,0,0]"), 3, JsonLimits{});
  ASSERT_THAT(max, IsOk());
  EXPECT_EQ((*max)[0].id, PointId(std::numeric_limits<uint64_t>::max()));
  const std::string longest = "\"" + std::string(PointId::kMaxStringBytes, 'x') + "\"";
  EXPECT_THAT(parse_points(one_point(longest, "[0,0,0]"), 3, JsonLimits{}), IsOk());

  for (const std::string bad :
       {"-1", "1.5", "1.0", "1e3", "18446744073709551616", "true", "null", "[1]", "{}", "NaN"}) {
    EXPECT_THAT(point_error(bad, "[0,0,0]"),
                StatusIs(StatusCode::kInvalidArgument,
                         StartsWith("points[0].id: expected an id (an unsigned 64-bit integer "
                                    "or a string of 1..256 bytes), got")))
        << bad;
  }
  EXPECT_THAT(point_error("-1", "[0,0,0]"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("got -1")));
  EXPECT_THAT(point_error(R"("")", "[0,0,0]"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("points[0].id: point id")));
  const std::string too_long = "\"" + std::string(PointId::kMaxStringBytes + 1, 'x') + "\"";
  EXPECT_THAT(point_error(too_long, "[0,0,0]"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("at most 256 bytes, got 257")));
}

TEST(JsonParsePoints, VectorMustHaveDimFiniteNumbers) {
  EXPECT_THAT(parse_points(one_point("1", numbers(783)), 784, JsonLimits{}),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::Eq("points[0].vector: expected 784 numbers, got 783")));
  EXPECT_THAT(parse_points(one_point("1", numbers(785)), 784, JsonLimits{}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected 784 numbers, got 785")));
  EXPECT_THAT(point_error("1", "[]"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected 3 numbers, got 0")));

  const std::pair<std::string, std::string> bad_elements[] = {
      {"null", "got null"},           {R"("1")", R"(got "1")"}, {"true", "got true"},
      {"[1]", "got an array"},        {"{}", "got an object"},  {"1e400", "got 1e400"},
      {"-Infinity", "got -Infinity"}, {"NaN", "got NaN"},       {"Infinity", "got Infinity"},
  };
  for (const auto& [element, got] : bad_elements) {
    Status s = point_error("1", "[0," + element + ",2]");
    EXPECT_THAT(s, StatusIs(StatusCode::kInvalidArgument, StartsWith("points[0].vector[1]: ")))
        << element;
    if (element != "NaN" && element != "Infinity") {  // not JSON tokens at all: malformed
      EXPECT_THAT(s.message(), HasSubstr("expected a finite number, " + got)) << element;
    }
  }
  EXPECT_THAT(point_error("1", "[0,3.5e38,2]"),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::Eq("points[0].vector[1]: 3.5e38 is outside the float32 range")));
  EXPECT_THAT(
      point_error("1", R"("0,1,2")"),
      StatusIs(StatusCode::kInvalidArgument,
               HasSubstr(R"(points[0].vector: expected an array of 3 numbers, got "0,1,2")")));
}

TEST(JsonParsePoints, ErrorsNameThePointIndex) {
  std::string body = R"({"points":[)";
  for (int i = 0; i < 4; ++i) {
    body += R"({"id":)" + std::to_string(i) + R"(,"vector":)" + numbers(i == 3 ? 3 : 4) + "},";
  }
  body.back() = ']';
  body += "}";
  EXPECT_THAT(parse_points(body, 4, JsonLimits{}),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::Eq("points[3].vector: expected 4 numbers, got 3")));
}

TEST(JsonParsePoints, PointObjectShapeIsChecked) {
  EXPECT_THAT(
      parse_points(R"({"points":[{"vector":[0,0,0]}]})", 3, JsonLimits{}),
      StatusIs(StatusCode::kInvalidArgument, ::testing::Eq("points[0]: missing field 'id'")));
  EXPECT_THAT(parse_points(R"({"points":[{"id":1}]})", 3, JsonLimits{}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("missing field 'vector'")));
  EXPECT_THAT(point_error("1", "[0,0,0]", R"("vectr":[1])"),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::Eq("points[0]: unknown field 'vectr' (expected id, vector, "
                                     "payload, model_version)")));
  EXPECT_THAT(point_error("1", "[0,0,0]", R"("id":2)"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("field 'id' appears twice")));
  EXPECT_THAT(point_error("1", "[0,0,0]", R"("model_version":3)"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("points[0].model_version: expected a string, got 3")));
  EXPECT_THAT(
      parse_points(R"({"points":[7]})", 3, JsonLimits{}),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("points[0]: expected an object, got 7")));
}

TEST(JsonParsePoints, PayloadValuesOfOtherKindsAreErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"a":null})",
       "payload.a: expected a number, true/false, a string or an array of "
       "strings, got null"},
      {R"({"a":{"b":1}})",
       "payload.a: expected a number, true/false, a string or an array of "
       "strings, got an object"},
      {R"({"tags":["x",1]})", "payload.tags[1]: expected a string, got 1"},
      {R"({"tags":[["x"]]})", "payload.tags[0]: expected a string, got an array"},
      {R"({"a":1,"a":2})", "payload: field 'a' appears twice"},
      {R"([1])", "payload: expected an object, got an array"},
      {R"({"a":NaN})",
       "payload.a: expected a number, true/false, a string or an array of "
       "strings, got NaN"},
  };
  for (const auto& [payload, message] : cases) {
    EXPECT_THAT(point_error("1", "[0,0,0]", R"("payload":)" + payload),
                StatusIs(StatusCode::kInvalidArgument, ::testing::Eq("points[0]." + message)))
        << payload;
  }
}

TEST(JsonParsePoints, PointCountIsLimited) {
  JsonLimits limits;
  limits.max_points = 2;
  const std::string three = R"({"points":[{"id":1,"vector":[0]},{"id":2,"vector":[0]},)"
                            R"({"id":3,"vector":[0]}]})";
  EXPECT_THAT(
      parse_points(three, 1, limits),
      StatusIs(StatusCode::kInvalidArgument, ::testing::Eq("points: expected 1..2 points, got 3")));
  EXPECT_THAT(parse_points(R"({"points":[]})", 1, limits),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected 1..2 points, got 0")));
  EXPECT_THAT(parse_points(R"({"points":{}})", 1, limits),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("points: expected an array, got an object")));
  EXPECT_THAT(
      parse_points(R"({})", 1, limits),
      StatusIs(StatusCode::kInvalidArgument, ::testing::Eq("body: missing field 'points'")));
  EXPECT_THAT(parse_points(R"({"pionts":[]})", 1, limits),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::Eq("unknown field 'pionts' at top level (expected points)")));
}

// ---- delete -----------------------------------------------------------------------------------

TEST(JsonParseDelete, IdsOfBothKinds) {
  auto request = parse_delete(R"({"ids":[1,"a",18446744073709551615]})", JsonLimits{});
  ASSERT_THAT(request, IsOk());
  EXPECT_EQ(request->ids, (std::vector<PointId>{PointId(1), *PointId::from_string("a"),
                                                PointId(std::numeric_limits<uint64_t>::max())}));
  EXPECT_FALSE(request->filter.has_value());
}

TEST(JsonParseDelete, Filter) {
  auto request =
      parse_delete(R"({"filter":{"must":[{"key":"c","match":{"value":3}}]}})", JsonLimits{});
  ASSERT_THAT(request, IsOk());
  EXPECT_TRUE(request->ids.empty());
  ASSERT_TRUE(request->filter.has_value());
  ASSERT_EQ(request->filter->must.size(), 1u);
  EXPECT_EQ(request->filter->must[0].condition->field, "c");
}

TEST(JsonParseDelete, ExactlyOneOfIdsOrFilter) {
  const std::string message = "body: expected exactly one of 'ids' or 'filter'";
  EXPECT_THAT(parse_delete("{}", JsonLimits{}),
              StatusIs(StatusCode::kInvalidArgument, ::testing::Eq(message)));
  EXPECT_THAT(
      parse_delete(R"({"ids":[1],"filter":{"must":[{"is_empty":{"key":"a"}}]}})", JsonLimits{}),
      StatusIs(StatusCode::kInvalidArgument, ::testing::Eq(message)));
}

TEST(JsonParseDelete, BadIdsAndFiltersAreErrors) {
  JsonLimits limits;
  limits.max_ids = 2;
  EXPECT_THAT(
      parse_delete(R"({"ids":[]})", limits),
      StatusIs(StatusCode::kInvalidArgument, ::testing::Eq("ids: expected 1..2 ids, got 0")));
  EXPECT_THAT(parse_delete(R"({"ids":[1,2,3]})", limits),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected 1..2 ids, got 3")));
  EXPECT_THAT(parse_delete(R"({"ids":[1,-2]})", limits),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("ids[1]: expected an id")));
  EXPECT_THAT(parse_delete(R"({"ids":7})", limits),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("ids: expected an array, got 7")));
  EXPECT_THAT(parse_delete(R"({"filter":{}})", limits),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("refusing to delete them all")));
  EXPECT_THAT(parse_delete(R"({"filter":{"must":[{"key":"a"}]}})", limits),
              StatusIs(StatusCode::kInvalidArgument,
                       ::testing::Eq("filter.must[0]: key 'a' needs match or range")));
  EXPECT_THAT(parse_delete(R"({"id":[1]})", limits),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown field 'id' at top level")));
}

}  // namespace
}  // namespace vecdex::server
