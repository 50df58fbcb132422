// The codec's output: error bodies, collection info, points, search responses, ids and
// payloads; escaping; float round trips; and output -> parse round trips.
#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "server/json_codec.h"
#include "testing/status_matchers.h"

namespace vecdex::server {
namespace {

using ::testing::HasSubstr;
using Json = nlohmann::json;

// Parses output text; fails the test (and returns null) when it is not valid JSON.
Json parse_output(const std::string& text) {
  Json parsed = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  EXPECT_FALSE(parsed.is_discarded()) << text;
  return parsed;
}

// Reads `text` as a float the way a client would: decimal -> double -> float.
float read_back_float(const std::string& text) {
  return static_cast<float>(std::strtod(text.c_str(), nullptr));
}

TEST(JsonErrorOutput, CodesAreSnakeCaseNames) {
  const std::pair<StatusCode, const char*> codes[] = {
      {StatusCode::kCancelled, "cancelled"},
      {StatusCode::kInvalidArgument, "invalid_argument"},
      {StatusCode::kDeadlineExceeded, "deadline_exceeded"},
      {StatusCode::kNotFound, "not_found"},
      {StatusCode::kAlreadyExists, "already_exists"},
      {StatusCode::kResourceExhausted, "resource_exhausted"},
      {StatusCode::kFailedPrecondition, "failed_precondition"},
      {StatusCode::kOutOfRange, "out_of_range"},
      {StatusCode::kUnimplemented, "unimplemented"},
      {StatusCode::kInternal, "internal"},
      {StatusCode::kIOError, "io_error"},
      {StatusCode::kCorruption, "corruption"},
      {StatusCode::kUnauthenticated, "unauthenticated"},
  };
  for (const auto& [code, name] : codes) {
    Json error = parse_output(error_json(Status(code, "what went wrong")));
    EXPECT_EQ(error["error"]["code"], name);
    EXPECT_EQ(error["error"]["message"], "what went wrong");
  }
  EXPECT_EQ(error_json(invalid_argument("k: must be 1..10000, got 0")),
            R"({"error":{"code":"invalid_argument","message":"k: must be 1..10000, got 0"}})");
}

TEST(JsonErrorOutput, MessagesAreEscapedAndInvalidUtf8Replaced) {
  const std::string message = "bad \"x\"\\ \n\t\x01 \xc3\xa9 \xff\xfe end";
  Json error = parse_output(error_json(invalid_argument(message)));
  EXPECT_EQ(error["error"]["message"],
            "bad \"x\"\\ \n\t\x01 \xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end");
}

TEST(JsonPointIdOutput, NumbersAndStrings) {
  EXPECT_EQ(point_id_json(PointId(0)), "0");
  EXPECT_EQ(point_id_json(PointId(std::numeric_limits<uint64_t>::max())), "18446744073709551615");
  EXPECT_EQ(point_id_json(*PointId::from_string("a\"b\\c\n\x1f")), R"("a\"b\\c\n\u001f")");
  EXPECT_EQ(point_id_json(*PointId::from_string("\xe2\x82\xac")), "\"\xe2\x82\xac\"");
  // Path ids may hold any bytes; the output stays valid JSON.
  EXPECT_EQ(parse_output(point_id_json(*PointId::from_string("a\xff"))), "a\xef\xbf\xbd");
}

TEST(JsonPayloadOutput, EveryValueKind) {
  const Payload payload{{"b", false},
                        {"f", 3.0},
                        {"half", 0.5},
                        {"i", int64_t{-42}},
                        {"k", Keywords{"x", "y\""}},
                        {"none", Keywords{}},
                        {"s", std::string("line\nbreak \"q\" \xe2\x82\xac")}};
  EXPECT_EQ(payload_json(payload),
            R"({"b":false,"f":3.0,"half":0.5,"i":-42,"k":["x","y\""],"none":[],)"
            "\"s\":\"line\\nbreak \\\"q\\\" \xe2\x82\xac\"}");
  EXPECT_EQ(payload_json({}), "{}");
  EXPECT_EQ(payload_json({{"nan", std::nan("")}}), R"({"nan":null})");
}

TEST(JsonPayloadOutput, RoundTripsThroughParsePoints) {
  const Payload payload{
      {"int_max", std::numeric_limits<int64_t>::max()},
      {"int_min", std::numeric_limits<int64_t>::min()},
      {"zero", int64_t{0}},
      {"whole_float", 3.0},
      {"neg_zero", -0.0},
      {"tenth", 0.1},
      {"huge", 1e300},
      {"tiny", 5e-324},
      {"big_whole", 1e20},
      {"pi", 3.141592653589793},
      {"yes", true},
      {"no", false},
      {"text", std::string("quote\" backslash\\ ctl\x01\x1f tab\t unicode \xf0\x9f\x99\x82")},
      {"empty", std::string()},
      {"tags", Keywords{"a", "", "\xc3\xa9"}},
      {"no_tags", Keywords{}},
      {"odd \"key\"\n", int64_t{1}},
  };
  const std::string body =
      R"({"points":[{"id":1,"vector":[0],"payload":)" + payload_json(payload) + "}]}";
  auto points = parse_points(body, 1, JsonLimits{});
  ASSERT_THAT(points, IsOk()) << body;
  const Payload& back = (*points)[0].payload;
  EXPECT_EQ(back, payload);
  // Same variant alternative, not just equal numbers: floats stay floats.
  for (const auto& [name, value] : payload) {
    EXPECT_EQ(back.at(name).index(), value.index()) << name;
  }
  EXPECT_TRUE(std::signbit(std::get<double>(back.at("neg_zero"))));
}

TEST(JsonPointOutput, RoundTripsThroughParsePoints) {
  Point point;
  point.id = *PointId::from_string("item/7");
  point.vector = {0.1f,
                  -2.5f,
                  3.0f,
                  1e-30f,
                  std::numeric_limits<float>::max(),
                  std::numeric_limits<float>::denorm_min(),
                  -0.0f};
  point.payload = {{"label", int64_t{3}}};
  point.model_version = "v3";
  const std::string text = point_json(point);
  EXPECT_EQ(text.substr(0, 36), R"({"id":"item/7","vector":[0.1,-2.5,3,)");
  auto points = parse_points(R"({"points":[)" + text + "]}", point.vector.size(), JsonLimits{});
  ASSERT_THAT(points, IsOk()) << text;
  const Point& back = (*points)[0];
  EXPECT_EQ(back.id, point.id);
  EXPECT_EQ(back.payload, point.payload);
  EXPECT_EQ(back.model_version, point.model_version);
  ASSERT_EQ(back.vector.size(), point.vector.size());
  for (size_t i = 0; i < point.vector.size(); ++i) {
    EXPECT_EQ(std::bit_cast<uint32_t>(back.vector[i]), std::bit_cast<uint32_t>(point.vector[i]))
        << i;
  }
}

SearchResponse two_hits() {
  SearchResponse response;
  ScoredPoint first;
  first.id = PointId(7);
  first.score = 0.25f;
  first.model_version = "v3";
  first.payload = Payload{{"label", int64_t{1}}};
  first.vector = std::vector<float>{1.5f, -2.0f};
  ScoredPoint second;
  second.id = *PointId::from_string("b");
  second.score = 1.0f / 3.0f;
  response.results = {first, second};
  return response;
}

TEST(JsonSearchOutput, Shape) {
  SearchResponse response = two_hits();
  const std::string text = search_response_json(response, 123);
  EXPECT_EQ(text, R"({"results":[{"id":7,"score":0.25,"model_version":"v3","payload":{"label":1},)"
                  R"("vector":[1.5,-2]},{"id":"b","score":0.33333334,"model_version":""}],)"
                  R"("took_us":123})");
  parse_output(text);
  response.other_version_fraction = 0.5;
  Json with_fraction = parse_output(search_response_json(response, 9));
  EXPECT_EQ(with_fraction["other_version_fraction"], 0.5);
  EXPECT_EQ(with_fraction["took_us"], 9);
  EXPECT_EQ(search_response_json(SearchResponse{}, 0), R"({"results":[],"took_us":0})");
}

TEST(JsonSearchOutput, NonFiniteScoresAreNull) {
  SearchResponse response;
  response.results.resize(1);
  response.results[0].score = std::numeric_limits<float>::infinity();
  Json parsed = parse_output(search_response_json(response, 0));
  EXPECT_TRUE(parsed["results"][0]["score"].is_null());
}

TEST(JsonSearchOutput, ScoresRoundTripAsFloats) {
  std::mt19937 rng(7);
  std::uniform_int_distribution<uint32_t> bits;
  SearchResponse response;
  for (int i = 0; i < 20000; ++i) {
    float score = std::bit_cast<float>(bits(rng));
    if (!std::isfinite(score)) continue;
    response.results.emplace_back().score = score;
  }
  for (float special : {0.0f, -0.0f, std::numeric_limits<float>::max(),
                        std::numeric_limits<float>::lowest(), std::numeric_limits<float>::min(),
                        std::numeric_limits<float>::denorm_min(), 0.1f, 1.0f / 3.0f}) {
    response.results.emplace_back().score = special;
  }
  const std::string text = search_response_json(response, 0);
  // Score texts, in order, straight from the output.
  size_t at = 0;
  for (const ScoredPoint& hit : response.results) {
    at = text.find("\"score\":", at);
    ASSERT_NE(at, std::string::npos);
    at += 8;
    const std::string number = text.substr(at, text.find(',', at) - at);
    EXPECT_EQ(std::bit_cast<uint32_t>(read_back_float(number)), std::bit_cast<uint32_t>(hit.score))
        << number;
  }
}

TEST(JsonSearchOutput, BatchShape) {
  SearchResponse second;
  second.other_version_fraction = 0.0;
  const SearchResponse responses[] = {two_hits(), second};
  Json parsed = parse_output(search_batch_json(responses, 55));
  ASSERT_EQ(parsed["batch"].size(), 2u);
  EXPECT_EQ(parsed["batch"][0]["results"].size(), 2u);
  EXPECT_FALSE(parsed["batch"][0].contains("took_us"));
  EXPECT_FALSE(parsed["batch"][0].contains("other_version_fraction"));
  EXPECT_EQ(parsed["batch"][1]["results"].size(), 0u);
  EXPECT_EQ(parsed["batch"][1]["other_version_fraction"], 0.0);
  EXPECT_EQ(parsed["took_us"], 55);
  EXPECT_EQ(search_batch_json({}, 1), R"({"batch":[],"took_us":1})");
}

TEST(JsonCollectionInfoOutput, EveryKeyAndASchemaThatParsesBack) {
  CollectionInfo info;
  info.config.name = "fashion";
  info.config.dim = 784;
  info.config.metric = Metric::kCosine;
  info.config.index_spec = "HNSW32";
  info.config.schema.fields = {FieldSpec{"label", FieldType::kInt, true, true},
                               FieldSpec{"tags", FieldType::kKeywords, false, false}};
  info.config.schema.on_missing_required = PayloadSchema::MissingRequired::kCount;
  info.points = 60000;
  info.segments = {SegmentInfo{3, "sealed", 59000, 10, "HNSW32"},
                   SegmentInfo{4, "mutable", 1000, 0, "Flat"}};
  info.model_versions = {{"", 5}, {"v3", 59995}};
  info.coverage = {{"label", 59990}};
  info.rejected_missing_required = 2;
  info.pending_background_jobs = 1;

  Json parsed = parse_output(collection_info_json(info));
  EXPECT_EQ(parsed["name"], "fashion");
  EXPECT_EQ(parsed["dim"], 784);
  EXPECT_EQ(parsed["metric"], "cosine");
  EXPECT_EQ(parsed["index"], "HNSW32");
  EXPECT_EQ(parsed["points"], 60000);
  ASSERT_EQ(parsed["segments"].size(), 2u);
  EXPECT_EQ(parsed["segments"][0], Json({{"id", 3},
                                         {"state", "sealed"},
                                         {"points", 59000},
                                         {"deleted", 10},
                                         {"index", "HNSW32"}}));
  EXPECT_EQ(parsed["model_versions"], Json({{"", 5}, {"v3", 59995}}));
  EXPECT_EQ(parsed["coverage"], Json({{"label", 59990}}));
  EXPECT_EQ(parsed["rejected_missing_required"], 2);
  EXPECT_EQ(parsed["pending_background_jobs"], 1);

  // dim, metric, index and schema are what PUT /collections/{name} takes.
  Json body = {{"dim", parsed["dim"]},
               {"metric", parsed["metric"]},
               {"index", parsed["index"]},
               {"schema", parsed["schema"]}};
  auto config = parse_collection_config("fashion", body.dump());
  ASSERT_THAT(config, IsOk()) << body.dump();
  EXPECT_EQ(config->metric, Metric::kCosine);
  ASSERT_EQ(config->schema.fields.size(), 2u);
  EXPECT_EQ(config->schema.fields[0].name, "label");  // schema order is kept
  EXPECT_TRUE(config->schema.fields[0].required);
  EXPECT_EQ(config->schema.fields[1].type, FieldType::kKeywords);
  EXPECT_FALSE(config->schema.fields[1].indexed);
  EXPECT_EQ(config->schema.on_missing_required, PayloadSchema::MissingRequired::kCount);
}

}  // namespace
}  // namespace vecdex::server
