// parse_collection_config, parse_alias_target and parse_path_point_id.
#include <limits>
#include <string>

#include <gtest/gtest.h>

#include "server/json_codec.h"
#include "testing/status_matchers.h"

namespace vecdex::server {
namespace {

using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Status config_error(const std::string& body) {
  return parse_collection_config("c", body).status();
}

TEST(JsonParseCollectionConfig, EveryField) {
  auto config = parse_collection_config("docs", R"({
      "dim":784, "metric":"cosine", "index":"IVF16,Flat",
      "schema":{"fields":{"label":{"type":"int","required":true,"indexed":false},
                          "tags":{"type":"keywords"}},
                "on_missing_required":"count", "strict":true}})");
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->name, "docs");
  EXPECT_EQ(config->dim, 784u);
  EXPECT_EQ(config->metric, Metric::kCosine);
  EXPECT_EQ(config->index_spec, "IVF16,Flat");
  const PayloadSchema& schema = config->schema;
  ASSERT_EQ(schema.fields.size(), 2u);
  EXPECT_EQ(schema.fields[0].name, "label");
  EXPECT_EQ(schema.fields[0].type, FieldType::kInt);
  EXPECT_TRUE(schema.fields[0].required);
  EXPECT_FALSE(schema.fields[0].indexed);
  EXPECT_EQ(schema.fields[1].name, "tags");
  EXPECT_EQ(schema.fields[1].type, FieldType::kKeywords);
  EXPECT_FALSE(schema.fields[1].required);
  EXPECT_TRUE(schema.fields[1].indexed);
  EXPECT_EQ(schema.on_missing_required, PayloadSchema::MissingRequired::kCount);
  EXPECT_TRUE(schema.strict);
}

TEST(JsonParseCollectionConfig, Defaults) {
  auto config = parse_collection_config("c", R"({"metric":"ip","dim":1})");
  ASSERT_THAT(config, IsOk());
  EXPECT_EQ(config->metric, Metric::kInnerProduct);
  EXPECT_EQ(config->index_spec, "HNSW32");
  EXPECT_TRUE(config->schema.fields.empty());
  EXPECT_EQ(config->schema.on_missing_required, PayloadSchema::MissingRequired::kReject);
  EXPECT_FALSE(config->schema.strict);
}

TEST(JsonParseCollectionConfig, Errors) {
  const std::pair<std::string, std::string> cases[] = {
      {R"({"metric":"l2"})", "body: missing field 'dim'"},
      {R"({"dim":4})", "body: missing field 'metric'"},
      {R"({"dim":0,"metric":"l2"})", "dim: must be 1..65536, got 0"},
      {R"({"dim":65537,"metric":"l2"})", "dim: must be 1..65536, got 65537"},
      {R"({"dim":-4,"metric":"l2"})", "dim: must be 1..65536, got -4"},
      {R"({"dim":"4","metric":"l2"})", R"(dim: must be 1..65536, got "4")"},
      {R"({"dim":4,"metric":"l3"})", "metric: unknown metric 'l3'; expected l2, ip or cosine"},
      {R"({"dim":4,"metric":2})", "metric: expected a string, got 2"},
      {R"({"dim":4,"metric":"l2","index":null})", "index: expected a string, got null"},
      {R"({"dim":4,"metric":"l2","dimension":4})",
       "unknown field 'dimension' at top level (expected dim, metric, index, schema)"},
      {R"({"dim":4,"metric":"l2","schema":[]})", "schema: expected an object, got an array"},
      {R"({"dim":4,"metric":"l2","schema":{"field":{}}})",
       "schema: unknown field 'field' (expected fields, on_missing_required, strict)"},
      {R"({"dim":4,"metric":"l2","schema":{"fields":{"a":{"type":"integer"}}}})",
       "schema.fields.a.type: unknown field type 'integer'; expected int, float, bool, string or "
       "keywords"},
      {R"({"dim":4,"metric":"l2","schema":{"fields":{"a":{"required":true}}}})",
       "schema.fields.a: missing field 'type'"},
      {R"({"dim":4,"metric":"l2","schema":{"fields":{"a":{"type":"int","index":true}}}})",
       "schema.fields.a: unknown field 'index' (expected type, required, indexed)"},
      {R"({"dim":4,"metric":"l2","schema":{"fields":{"a":{"type":"int","required":"yes"}}}})",
       R"(schema.fields.a.required: expected true or false, got "yes")"},
      {R"({"dim":4,"metric":"l2","schema":{"fields":{"a":"int"}}})",
       R"(schema.fields.a: expected an object, got "int")"},
      {R"({"dim":4,"metric":"l2","schema":{"on_missing_required":"ignore"}})",
       "schema.on_missing_required: unknown policy 'ignore'; expected reject or count"},
      {R"({"dim":4,"metric":"l2","schema":{"strict":"no"}})",
       R"(schema.strict: expected true or false, got "no")"},
      {R"({"dim":4,"metric":"l2","schema":{"fields":{"a":{"type":"int"},"a":{"type":"int"}}}})",
       "schema: field 'a' is declared twice"},
      {R"({"dim":4,"metric":"l2","schema":{"fields":{"":{"type":"int"}}}})",
       "schema field 0: field name is empty"},
  };
  for (const auto& [body, message] : cases) {
    EXPECT_THAT(config_error(body), StatusIs(StatusCode::kInvalidArgument, Eq(message))) << body;
  }
}

TEST(JsonParseAliasTarget, ReadsTheCollectionName) {
  auto target = parse_alias_target(R"({"collection":"fashion_v2"})");
  ASSERT_THAT(target, IsOk());
  EXPECT_EQ(*target, "fashion_v2");
  EXPECT_THAT(parse_alias_target("{}"),
              StatusIs(StatusCode::kInvalidArgument, Eq("body: missing field 'collection'")));
  EXPECT_THAT(parse_alias_target(R"({"collection":""})"),
              StatusIs(StatusCode::kInvalidArgument, Eq("collection: the name is empty")));
  EXPECT_THAT(parse_alias_target(R"({"collection":1})"),
              StatusIs(StatusCode::kInvalidArgument, Eq("collection: expected a string, got 1")));
  EXPECT_THAT(parse_alias_target(R"({"name":"x"})"),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("unknown field 'name' at top level (expected collection)")));
}

TEST(JsonParsePathPointId, CanonicalDigitsAreNumbers) {
  EXPECT_EQ(*parse_path_point_id("0"), PointId(0));
  EXPECT_EQ(*parse_path_point_id("42"), PointId(42));
  EXPECT_EQ(*parse_path_point_id("18446744073709551615"),
            PointId(std::numeric_limits<uint64_t>::max()));
}

TEST(JsonParsePathPointId, EverythingElseIsAStringId) {
  for (const char* text : {"007", "-1", "+1", "1.5", "abc", "18446744073709551616",
                           "99999999999999999999999", " 1", "1 "}) {
    auto id = parse_path_point_id(text);
    ASSERT_THAT(id, IsOk()) << text;
    EXPECT_FALSE(id->is_number()) << text;
    EXPECT_EQ(id->text(), text);
  }
}

TEST(JsonParsePathPointId, EmptyAndOverlongAreErrors) {
  EXPECT_THAT(parse_path_point_id(""),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("path: point id")));
  EXPECT_THAT(parse_path_point_id(std::string(PointId::kMaxStringBytes + 1, 'x')),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("at most 256 bytes")));
}

}  // namespace
}  // namespace vecdex::server
