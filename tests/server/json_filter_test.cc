// parse_filter: every clause shape, the clause-shape errors, and the nesting limit.
#include <string>

#include <gtest/gtest.h>

#include "server/json_codec.h"
#include "testing/status_matchers.h"

namespace vecdex::server {
namespace {

using ::testing::Eq;
using ::testing::HasSubstr;

Status filter_error(const std::string& json) {
  return parse_filter(json).status();
}

// {"must":[<clause>]} as a filter body.
Status clause_error(const std::string& clause) {
  return filter_error(R"({"must":[)" + clause + "]}");
}

// A filter nested `levels` deep below the top-level one: {"must":[{"must":[...]}]}.
std::string nested_filter(size_t levels) {
  std::string inner = R"({"must":[{"key":"a","match":{"value":1}}]})";
  for (size_t i = 0; i < levels; ++i) inner = R"({"must":[)" + inner + "]}";
  return inner;
}

TEST(JsonParseFilter, EveryClauseShape) {
  auto filter = parse_filter(R"({
      "must":[{"key":"label","match":{"value":3}},
              {"key":"price","match":{"value":2.5}},
              {"key":"sale","match":{"value":true}},
              {"key":"tags","match":{"any":["a","b"]}},
              {"key":"size","match":{"any":[1,2]}},
              {"key":"price","range":{"gte":1.0,"lt":5}},
              {"is_empty":{"key":"note"}}],
      "should":[{"key":"color","match":{"value":"red"}}],
      "must_not":[{"should":[{"key":"x","range":{"gt":0}}],"must":[]}]})");
  ASSERT_THAT(filter, IsOk());
  ASSERT_EQ(filter->must.size(), 7u);
  const auto& must = filter->must;
  EXPECT_EQ(must[0].condition->kind, FieldCondition::Kind::kMatch);
  EXPECT_EQ(must[0].condition->field, "label");
  EXPECT_EQ(must[0].condition->value, PayloadValue(int64_t{3}));
  EXPECT_EQ(must[1].condition->value, PayloadValue(2.5));
  EXPECT_EQ(must[2].condition->value, PayloadValue(true));
  EXPECT_EQ(must[3].condition->kind, FieldCondition::Kind::kMatchAny);
  EXPECT_EQ(must[3].condition->any,
            (std::vector<PayloadValue>{std::string("a"), std::string("b")}));
  EXPECT_EQ(must[4].condition->any, (std::vector<PayloadValue>{int64_t{1}, int64_t{2}}));
  EXPECT_EQ(must[5].condition->kind, FieldCondition::Kind::kRange);
  EXPECT_EQ(must[5].condition->gte, 1.0);
  EXPECT_EQ(must[5].condition->lt, 5.0);
  EXPECT_FALSE(must[5].condition->gt.has_value());
  EXPECT_FALSE(must[5].condition->lte.has_value());
  EXPECT_EQ(must[6].condition->kind, FieldCondition::Kind::kIsEmpty);
  EXPECT_EQ(must[6].condition->field, "note");
  ASSERT_EQ(filter->should.size(), 1u);
  EXPECT_EQ(filter->should[0].condition->value, PayloadValue(std::string("red")));
  ASSERT_EQ(filter->must_not.size(), 1u);
  ASSERT_NE(filter->must_not[0].nested, nullptr);
  EXPECT_FALSE(filter->must_not[0].condition.has_value());
  EXPECT_EQ(filter->must_not[0].nested->should.size(), 1u);
  EXPECT_TRUE(filter->must_not[0].nested->must.empty());

  Payload payload{{"label", int64_t{3}},   {"price", 2.5},       {"sale", true},
                  {"tags", Keywords{"b"}}, {"size", int64_t{2}}, {"color", std::string("red")}};
  EXPECT_TRUE(filter->matches(payload));
  payload["x"] = int64_t{1};
  EXPECT_FALSE(filter->matches(payload));
}

TEST(JsonParseFilter, EmptyObjectIsTheEmptyFilter) {
  auto filter = parse_filter("{}");
  ASSERT_THAT(filter, IsOk());
  EXPECT_TRUE(filter->empty());
}

TEST(JsonParseFilter, UnknownClauseNamesItsPlace) {
  EXPECT_THAT(filter_error(R"({"must":[{"key":"a","match":{"value":1}},{"key":"a","mach":{}}]})"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("filter.must[1]: unknown clause 'mach' (expected key+match|range, "
                          "is_empty, or a nested filter)")));
  EXPECT_THAT(filter_error(R"({"mustnt":[]})"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("filter: unknown field 'mustnt' (expected must, should, must_not)")));
}

TEST(JsonParseFilter, ClauseShapeErrors) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({})",
       "filter.must[0]: empty clause (expected key+match|range, is_empty, or a nested "
       "filter)"},
      {R"({"key":"a"})", "filter.must[0]: key 'a' needs match or range"},
      {R"({"match":{"value":1}})", "filter.must[0]: missing field 'key'"},
      {R"({"key":"a","match":{"value":1},"range":{"gt":1}})",
       "filter.must[0]: give one of match, range or is_empty, not several"},
      {R"({"key":"a","is_empty":{"key":"a"}})",
       R"(filter.must[0]: is_empty names its field inside: {"is_empty": {"key": ...}})"},
      {R"({"key":"a","must":[]})",
       "filter.must[0]: a clause is a condition or a nested filter (must/should/must_not), not "
       "both"},
      {R"({"key":"","match":{"value":1}})", "filter.must[0].key: the field name is empty"},
      {R"({"key":7,"match":{"value":1}})", "filter.must[0].key: expected a string, got 7"},
      {R"({"key":"a","range":{}})", "filter.must[0].range: needs at least one of gt, gte, lt, lte"},
      {R"({"key":"a","range":{"ge":1}})",
       "filter.must[0].range: unknown field 'ge' (expected gt, gte, lt, lte)"},
      {R"({"key":"a","range":{"gt":"1"}})",
       R"(filter.must[0].range.gt: expected a finite number, got "1")"},
      {R"({"key":"a","range":{"lt":1e999}})",
       "filter.must[0].range.lt: expected a finite number, got 1e999"},
      {R"({"key":"a","match":{"any":[]}})", "filter.must[0].match.any: needs at least one value"},
      {R"({"key":"a","match":{"any":"x"}})",
       R"(filter.must[0].match.any: expected an array of values, got "x")"},
      {R"({"key":"a","match":{"any":[1,null]}})",
       "filter.must[0].match.any[1]: expected a number, true/false or a string, got null"},
      {R"({"key":"a","match":{"value":[1]}})",
       "filter.must[0].match.value: expected a number, true/false or a string, got an array"},
      {R"({"key":"a","match":{"value":NaN}})",
       "filter.must[0].match.value: expected a number, true/false or a string, got NaN"},
      {R"({"key":"a","match":{"value":null}})",
       "filter.must[0].match.value: expected a number, true/false or a string, got null"},
      {R"({"key":"a","match":{}})",
       R"(filter.must[0].match: expected {"value": v} or {"any": [v, ...]})"},
      {R"({"key":"a","match":{"value":1,"any":[1]}})",
       R"(filter.must[0].match: expected {"value": v} or {"any": [v, ...]})"},
      {R"({"key":"a","match":{"text":"x"}})",
       "filter.must[0].match: unknown field 'text' (expected value or any)"},
      {R"({"is_empty":{}})", "filter.must[0].is_empty: missing field 'key'"},
      {R"({"is_empty":"a"})", R"(filter.must[0].is_empty: expected an object, got "a")"},
      {R"(3)", "filter.must[0]: expected an object, got 3"},
      {R"({"must":{"key":"a"}})",
       "filter.must[0].must: expected an array of clauses, got an "
       "object"},
  };
  for (const auto& [clause, message] : cases) {
    EXPECT_THAT(clause_error(clause), StatusIs(StatusCode::kInvalidArgument, Eq(message)))
        << clause;
  }
  EXPECT_THAT(filter_error(R"({"should":{}})"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("filter.should: expected an array of clauses, got an object")));
}

TEST(JsonParseFilter, NestingIsLimited) {
  EXPECT_THAT(parse_filter(nested_filter(PayloadFilter::kMaxDepth)), IsOk());
  // Caught while reading (the path is the reader's, not validate()'s "nested" one).
  std::string path = "filter";
  for (size_t i = 0; i <= PayloadFilter::kMaxDepth; ++i) path += ".must[0]";
  EXPECT_THAT(
      filter_error(nested_filter(PayloadFilter::kMaxDepth + 1)),
      StatusIs(StatusCode::kInvalidArgument, Eq(path + ": filters nest deeper than 16 levels")));
  // Far deeper than the limit (and than simdjson's own depth limit): an error, not a crash.
  EXPECT_THAT(filter_error(nested_filter(5000)),
              StatusIs(StatusCode::kInvalidArgument, ::testing::_));
}

TEST(JsonParseFilter, NestedErrorsNameTheFullPath) {
  EXPECT_THAT(filter_error(R"({"must":[{"should":[{"key":"a","match":{"value":1}},)"
                           R"({"must_not":[{"key":"b","range":{}}]}]}]})"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("filter.must[0].should[1].must_not[0].range: needs at least one of "
                          "gt, gte, lt, lte")));
}

}  // namespace
}  // namespace vecdex::server
