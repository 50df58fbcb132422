// parse_search and parse_search_batch: defaults, every field, k and params checks, limits, and
// the ParsedSearch contract (request.vector points into the parsed vector, also after a move).
#include <bit>
#include <cstdint>
#include <random>
#include <string>
#include <utility>

#include <gtest/gtest.h>

#include "server/json_codec.h"
#include "testing/status_matchers.h"

namespace vecdex::server {
namespace {

using ::testing::Eq;
using ::testing::HasSubstr;
using ::testing::StartsWith;

Status search_error(const std::string& body, size_t dim = 2, JsonLimits limits = {}) {
  return parse_search(body, dim, limits).status();
}

TEST(JsonParseSearch, DefaultsWithOnlyAVector) {
  auto search = parse_search(R"({"vector":[0.5,-1]})", 2, JsonLimits{});
  ASSERT_THAT(search, IsOk());
  EXPECT_EQ(search->vector, (std::vector<float>{0.5f, -1.0f}));
  EXPECT_EQ(search->request.vector.data(), search->vector.data());
  EXPECT_EQ(search->request.vector.size(), 2u);
  EXPECT_EQ(search->request.k, 10u);
  EXPECT_FALSE(search->request.params.any_set());
  EXPECT_FALSE(search->request.filter.has_value());
  EXPECT_FALSE(search->request.with_payload);
  EXPECT_FALSE(search->request.with_vector);
  EXPECT_FALSE(search->request.model_version.has_value());
  EXPECT_FALSE(search->request.restrict_to_version);
}

TEST(JsonParseSearch, EveryField) {
  auto search = parse_search(
      R"({"k":3,"params":"ef=64","filter":{"must":[{"key":"c","match":{"value":1}}]},
          "with_payload":true,"with_vector":true,"model_version":"v3",
          "restrict_to_version":true,"vector":[1,2]})",
      2, JsonLimits{});
  ASSERT_THAT(search, IsOk());
  const SearchRequest& r = search->request;
  EXPECT_EQ(r.k, 3u);
  EXPECT_EQ(r.params.ef, 64u);
  ASSERT_TRUE(r.filter.has_value());
  EXPECT_EQ(r.filter->must.size(), 1u);
  EXPECT_TRUE(r.with_payload);
  EXPECT_TRUE(r.with_vector);
  EXPECT_EQ(r.model_version, "v3");
  EXPECT_TRUE(r.restrict_to_version);
  EXPECT_EQ(r.vector.data(), search->vector.data());
}

TEST(JsonParseSearch, EmptyFilterMeansUnfiltered) {
  auto search = parse_search(R"({"vector":[1,2],"filter":{}})", 2, JsonLimits{});
  ASSERT_THAT(search, IsOk());
  EXPECT_FALSE(search->request.filter.has_value());
}

TEST(JsonParseSearch, KMustBeAnIntegerInRange) {
  JsonLimits limits;
  limits.max_k = 100;
  auto max = parse_search(R"({"vector":[1,2],"k":100})", 2, limits);
  ASSERT_THAT(max, IsOk());
  EXPECT_EQ(max->request.k, 100u);
  const std::pair<std::string, std::string> cases[] = {
      {"0", "k: must be 1..100, got 0"},
      {"-1", "k: must be 1..100, got -1"},
      {"101", "k: must be 1..100, got 101"},
      {"10.5", "k: must be 1..100, got 10.5"},
      {"1e1", "k: must be 1..100, got 1e1"},
      {R"("10")", R"(k: must be 1..100, got "10")"},
      {"null", "k: must be 1..100, got null"},
      {"99999999999999999999999", "k: must be 1..100, got 99999999999999999999999"},
  };
  for (const auto& [k, message] : cases) {
    EXPECT_THAT(search_error(R"({"vector":[1,2],"k":)" + k + "}", 2, limits),
                StatusIs(StatusCode::kInvalidArgument, Eq(message)))
        << k;
  }
  EXPECT_THAT(search_error(R"({"vector":[1,2],"k":0})"),
              StatusIs(StatusCode::kInvalidArgument, Eq("k: must be 1..10000, got 0")));
}

TEST(JsonParseSearch, FieldErrorsNameTheField) {
  EXPECT_THAT(search_error(R"({"vector":[1,2],"params":"ef=0"})"),
              StatusIs(StatusCode::kInvalidArgument, StartsWith("params: ")));
  EXPECT_THAT(search_error(R"({"vector":[1,2],"params":64})"),
              StatusIs(StatusCode::kInvalidArgument, Eq("params: expected a string, got 64")));
  EXPECT_THAT(
      search_error(R"({"vector":[1,2],"with_payload":1})"),
      StatusIs(StatusCode::kInvalidArgument, Eq("with_payload: expected true or false, got 1")));
  EXPECT_THAT(
      search_error(R"({"vector":[1,2],"filter":[]})"),
      StatusIs(StatusCode::kInvalidArgument, Eq("filter: expected an object, got an array")));
  EXPECT_THAT(search_error(R"({"vector":[1,2],"restrict_to_version":true})"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("restrict_to_version: needs model_version")));
  EXPECT_THAT(search_error(R"({"vector":[1,2,3]})"),
              StatusIs(StatusCode::kInvalidArgument, Eq("vector: expected 2 numbers, got 3")));
  EXPECT_THAT(
      search_error(R"({"vector":[1,null]})"),
      StatusIs(StatusCode::kInvalidArgument, Eq("vector[1]: expected a finite number, got null")));
}

TEST(JsonParseSearch, UnknownMissingAndRepeatedFields) {
  EXPECT_THAT(search_error(R"({"vectr":[1,2]})"),
              StatusIs(StatusCode::kInvalidArgument,
                       StartsWith("unknown field 'vectr' at top level (expected vector, k, "
                                  "params, filter, with_payload, with_vector, model_version, "
                                  "restrict_to_version)")));
  EXPECT_THAT(search_error(R"({"k":1})"),
              StatusIs(StatusCode::kInvalidArgument, Eq("body: missing field 'vector'")));
  EXPECT_THAT(search_error(R"({"vector":[1,2],"k":1,"k":2})"),
              StatusIs(StatusCode::kInvalidArgument, Eq("body: field 'k' appears twice")));
}

// `body` with 1..3 random single-byte edits (replace, insert, delete) from JSON's alphabet.
std::string mutated(std::string body, std::mt19937_64& rng) {
  const std::string_view alphabet = "{}[],:\"\\ 0123456789-+.eEavtrunl";
  const int edits = 1 + static_cast<int>(rng() % 3);
  for (int e = 0; e < edits && !body.empty(); ++e) {
    const size_t at = rng() % body.size();
    const char c = alphabet[rng() % alphabet.size()];
    switch (rng() % 3) {
      case 0: body[at] = c; break;
      case 1: body.insert(body.begin() + static_cast<ptrdiff_t>(at), c); break;
      default: body.erase(at, 1); break;
    }
  }
  return body;
}

// The fast path's search must equal the general parser's, vector bit for bit.
void expect_same_search(const ParsedSearch& fast, const ParsedSearch& general) {
  ASSERT_EQ(fast.vector.size(), general.vector.size());
  for (size_t i = 0; i < fast.vector.size(); ++i) {
    EXPECT_EQ(std::bit_cast<uint32_t>(fast.vector[i]), std::bit_cast<uint32_t>(general.vector[i]));
  }
  const SearchRequest& a = fast.request;
  const SearchRequest& b = general.request;
  EXPECT_EQ(a.vector.data(), fast.vector.data());
  EXPECT_EQ(a.k, b.k);
  EXPECT_EQ(a.params.to_string(), b.params.to_string());
  EXPECT_EQ(a.filter.has_value(), b.filter.has_value());
  EXPECT_EQ(a.with_payload, b.with_payload);
  EXPECT_EQ(a.with_vector, b.with_vector);
  EXPECT_EQ(a.model_version, b.model_version);
  EXPECT_EQ(a.restrict_to_version, b.restrict_to_version);
}

// parse_search reads the vector of most bodies without simdjson (json_vector_field.h), and
// parse_search_batch each search of most batches; whatever the body, they must return what the
// general parser returns, errors word for word.
template <typename Parsed>
bool expect_same_outcome(const Parsed& fast, const Parsed& general) {
  EXPECT_EQ(fast.ok(), general.ok());
  if (fast.ok() != general.ok()) return false;
  if (!fast.ok()) {
    EXPECT_EQ(fast.status().code(), general.status().code());
    EXPECT_EQ(fast.status().message(), general.status().message());
  }
  return fast.ok();
}

void expect_same_as_general_parser(const std::string& body) {
  SCOPED_TRACE(body);
  JsonLimits limits;
  limits.max_k = 100;
  const auto fast = parse_search(body, 2, limits);
  const auto general = parse_search_general(body, 2, limits);
  if (expect_same_outcome(fast, general)) expect_same_search(*fast, *general);
}

void expect_batch_same_as_general_parser(const std::string& body) {
  SCOPED_TRACE(body);
  JsonLimits limits;
  limits.max_k = 100;
  limits.max_searches = 3;
  const auto fast = parse_search_batch(body, 2, limits);
  const auto general = parse_search_batch_general(body, 2, limits);
  if (!expect_same_outcome(fast, general)) return;
  ASSERT_EQ(fast->size(), general->size());
  for (size_t i = 0; i < fast->size(); ++i) expect_same_search((*fast)[i], (*general)[i]);
}

TEST(JsonParseSearch, TheVectorFastPathAgreesWithTheGeneralParser) {
  const char* const bodies[] = {
      R"({"vector":[1,2]})",
      R"({"vector":[0.1,-2e-3],"k":3,"params":"ef=64","with_payload":true,"with_vector":false,
          "model_version":"v3","restrict_to_version":true})",
      R"({"k":3,"vector":[1,2]})",
      R"({"filter":{"must":[{"key":"c","match":{"value":1}}]},"vector":[1,2]})",
      R"({"vector":[1,2],"filter":{}})",
      R"({"vector":[1,2],"k":0})",
      R"({"vector":[1,2],"k":1,"k":2})",
      R"({"vector":[1,2],"vectr":1})",
      R"({"vector":[1,2],"vector":[3,4]})",
      R"({"vect\u006fr":[1,2]})",
      R"({"vector":[1,2],"vect\u006fr":[3,4]})",
      R"({"vector":[1,2,3]})",
      R"({"vector":[1]})",
      R"({"vector":[1,null]})",
      R"({"vector":[1e39,2]})",
      R"({"vector":[1,2],"params":"ef=abc"})",
      R"({"vector":[1,2],"restrict_to_version":true})",
      R"({"vector":[1,2],"filter":{"must":[}})",
      R"({"vector":[1,2],"filter":{"must":[{"key":"c","match":{"value":1}}]]}})",
      R"({"vector":[1,2]} x)",
      R"({"vector":[1,2])",
      R"({"vector":[1,2],"k":"\u0031"})",
      R"({"vector":[1,2],"model_version":"caf\u00e9"})",
      "{\"vector\":[1,2],\"model_version\":\"bad \xff utf-8\"}",
      "{\"vector\":[1,2],\"model_version\":\"tab\there\"}",
      R"({"vector":[1,2],"k":10,})",
      R"({"vector":[1,2],"k":1e1})",
      R"({"vector":[1,2],"with_payload":tru})",
      R"({"vector":[1,2],"with_payload":true false})",
      R"({"vector":[0.30000000000000004441,-0.121456890123456789012]})",
      R"({"vector":[1e-400,-1e-400]})",
      R"({"vector":[1e000000000000000001,1e0000000000000000000000000000001]})",
      R"({"vector":[1e000000000000000001,2]})",
  };
  for (const char* body : bodies) expect_same_as_general_parser(body);
}

TEST(JsonParseSearch, TheVectorFastPathAgreesOnMutatedBodies) {
  const std::string templates[] = {
      R"({"vector":[0.25,-3],"k":5,"params":"ef=32"})",
      R"({"k":7,"filter":{"must":[{"key":"c","match":{"any":[1,2]}}]},"vector":[1e-3,2E2]})",
      R"({"vector":[ 12 , 0 ],"model_version":"v\"2","with_payload":true})",
  };
  std::mt19937_64 rng(5);
  for (int round = 0; round < 3000 && !HasFailure(); ++round) {
    expect_same_as_general_parser(mutated(templates[rng() % std::size(templates)], rng));
  }
}

TEST(JsonParseSearchBatch, TheVectorFastPathAgreesWithTheGeneralParser) {
  const char* const bodies[] = {
      R"({"searches":[{"vector":[1,2]}]})",
      R"({"searches":[{"vector":[1,2],"k":3},{"k":4,"vector":[0.5,-1e-3],"params":"ef=8"},
                      {"vector":[3,4],"filter":{"must":[{"key":"c","match":{"value":1}}]}}]})",
      R"({"searches":[{"vector":[1,2]},{"vector":[1,2]},{"vector":[1,2]},{"vector":[1,2]}]})",
      R"({"searches":[{"vector":[1,2]},{"vector":[1,2],"k":0}]})",
      R"({"searches":[{"vector":[1,2]},{"vector":[1]}]})",
      R"({"searches":[{"vector":[1,2]},{"vectr":[1,2]}]})",
      R"({"searches":[{"vector":[1,2]},{}]})",
      R"({"searches":[{"vector":[1,2]},[1,2]]})",
      R"({"searches":[]})",
      R"({"searches":[{"vector":[0.30000000000000004441,1]}]})",
      R"({"searches":[{"vector":[1,2]}],"k":1})",
      R"({"searches":[{"vector":[1,2]}]}])",
  };
  for (const char* body : bodies) expect_batch_same_as_general_parser(body);
}

TEST(JsonParseSearchBatch, TheVectorFastPathAgreesOnMutatedBodies) {
  const std::string templates[] = {
      R"({"searches":[{"vector":[0.25,-3],"k":5},{"vector":[1,2],"params":"ef=32"}]})",
      R"({"searches":[{"k":7,"filter":{"must":[{"key":"c","match":{"any":[1,2]}}]},"vector":[1e-3,2E2]}]})",
  };
  std::mt19937_64 rng(9);
  for (int round = 0; round < 3000 && !HasFailure(); ++round) {
    expect_batch_same_as_general_parser(mutated(templates[rng() % std::size(templates)], rng));
  }
}

TEST(JsonParseSearchBatch, ParsesEverySearch) {
  auto batch = parse_search_batch(
      R"({"searches":[{"vector":[1,2]},{"vector":[3,4],"k":5,"with_payload":true}]})", 2,
      JsonLimits{});
  ASSERT_THAT(batch, IsOk());
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[1].vector, (std::vector<float>{3, 4}));
  EXPECT_EQ((*batch)[1].request.k, 5u);
  EXPECT_TRUE((*batch)[1].request.with_payload);
  // Moving the searches keeps every request's span on its own vector.
  std::vector<ParsedSearch> moved = std::move(*batch);
  moved.emplace_back();
  for (const ParsedSearch& s : std::span(moved).first(2)) {
    EXPECT_EQ(s.request.vector.data(), s.vector.data());
  }
}

TEST(JsonParseSearchBatch, ErrorsAndLimits) {
  JsonLimits limits;
  limits.max_searches = 2;
  EXPECT_THAT(
      parse_search_batch(R"({"searches":[{"vector":[1,2]},{"vector":[1,2],"k":0}]})", 2, limits),
      StatusIs(StatusCode::kInvalidArgument, Eq("searches[1].k: must be 1..10000, got 0")));
  EXPECT_THAT(parse_search_batch(R"({"searches":[{"vector":[1,2]},{"vectr":[1,2]}]})", 2, limits),
              StatusIs(StatusCode::kInvalidArgument,
                       StartsWith("searches[1]: unknown field 'vectr' (expected vector,")));
  EXPECT_THAT(parse_search_batch(R"({"searches":[{}]})", 2, limits),
              StatusIs(StatusCode::kInvalidArgument, Eq("searches[0]: missing field 'vector'")));
  EXPECT_THAT(
      parse_search_batch(R"({"searches":[]})", 2, limits),
      StatusIs(StatusCode::kInvalidArgument, Eq("searches: expected 1..2 searches, got 0")));
  EXPECT_THAT(
      parse_search_batch(R"({"searches":[{"vector":[1,2]},{"vector":[1,2]},{"vector":[1,2]}]})", 2,
                         limits),
      StatusIs(StatusCode::kInvalidArgument, HasSubstr("got 3")));
  EXPECT_THAT(
      parse_search_batch(R"({"searches":[[1,2]]})", 2, limits),
      StatusIs(StatusCode::kInvalidArgument, Eq("searches[0]: expected an object, got an array")));
  EXPECT_THAT(parse_search_batch(R"({"vector":[1,2]})", 2, limits),
              StatusIs(StatusCode::kInvalidArgument,
                       Eq("unknown field 'vector' at top level (expected searches)")));
  EXPECT_THAT(parse_search_batch("{}", 2, limits),
              StatusIs(StatusCode::kInvalidArgument, Eq("body: missing field 'searches'")));
}

}  // namespace
}  // namespace vecdex::server
