// split_vector_field: the fast path for a search body's vector. What it takes it must read
// exactly as simdjson does (each number compared bit for bit with simdjson's get_double and a
// cast); everything else it must decline, so that the general parser words the error.
#include "server/json_vector_field.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <simdjson.h>

namespace vecdex::server::json {
namespace {

struct Split {
  bool taken = false;
  std::vector<float> vector;
  std::string rest;
};

Split split(const std::string& body, size_t dim) {
  Split out;
  out.taken = split_vector_field(body, dim, out.vector, out.rest);
  return out;
}

uint32_t bits(float value) {
  uint32_t out;
  std::memcpy(&out, &value, sizeof(out));
  return out;
}

// simdjson's reading of one number, as the general path reads it (On-Demand's get_double, which
// keeps the sign of "-0", unlike the DOM's), narrowed as it does.
float simdjson_float(const std::string& number) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string text("[" + number + "]");
  simdjson::ondemand::document document;
  EXPECT_FALSE(parser.iterate(text).get(document)) << number;
  double value = 0;
  for (auto element : document.get_array()) {
    EXPECT_FALSE(element.get_double().get(value)) << number;
  }
  return static_cast<float>(value);
}

TEST(JsonVectorField, SplitsTheVectorFromTheOtherFields) {
  const Split s = split(R"({"vector":[0.5,-1,3e2],"k":10,"params":"ef=24"})", 3);
  ASSERT_TRUE(s.taken);
  EXPECT_EQ(s.vector, (std::vector<float>{0.5f, -1.0f, 300.0f}));
  EXPECT_EQ(s.rest, R"({"k":10,"params":"ef=24"})");
}

TEST(JsonVectorField, TheOtherFieldsStayVerbatimAndInOrder) {
  const std::string filter =
      R"({"must":[{"key":"a]}\"b","match":{"value":"x,}]"}}],"must_not":[]})";
  const Split s = split(R"({"k" : 3,"filter":)" + filter + R"(,"vector":[1,2],"with_payload":true})",
                        2);
  ASSERT_TRUE(s.taken);
  EXPECT_EQ(s.rest, R"({"k" : 3,"filter":)" + filter + R"(,"with_payload":true})");
}

TEST(JsonVectorField, AVectorAloneLeavesAnEmptyObject) {
  const Split s = split(R"({"vector":[7]})", 1);
  ASSERT_TRUE(s.taken);
  EXPECT_EQ(s.vector, std::vector<float>{7.0f});
  EXPECT_EQ(s.rest, "{}");
}

TEST(JsonVectorField, WhitespaceBetweenAnyTokens) {
  const Split s = split(" \r\n{ \"vector\"\t:\n[ 1 ,\t2\r\n, -0.25 ] , \"k\" : 4 }\n ", 3);
  ASSERT_TRUE(s.taken);
  EXPECT_EQ(s.vector, (std::vector<float>{1.0f, 2.0f, -0.25f}));
  EXPECT_EQ(s.rest, R"({"k" : 4})");
}

TEST(JsonVectorField, DeclinesAnythingButExactlyDimPlainNumbers) {
  const char* const declined[] = {
      R"([1,2])",                               // not an object
      R"({"k":10})",                            // no vector
      R"({})",                                  //
      R"({"vector":[1,2],"vector":[1,2]})",     // two vectors
      R"({"vect\u006fr":[1,2]})",               // an escaped key
      R"({"vector":[1]})",                      // too few
      R"({"vector":[1,2,3]})",                  // too many
      R"({"vector":[]})",                       //
      R"({"vector":null})",                     // not an array
      R"({"vector":"1,2"})",                    //
      R"({"vector":[1,null]})",                 // not numbers
      R"({"vector":[1,"2"]})",                  //
      R"({"vector":[1,true]})",                 //
      R"({"vector":[1,[2]]})",                  //
      R"({"vector":[1,NaN]})",                  //
      R"({"vector":[1,Infinity]})",             //
      R"({"vector":[1,-Infinity]})",            //
      R"({"vector":[1,01]})",                   // not JSON numbers
      R"({"vector":[1,+1]})",                   //
      R"({"vector":[1,.5]})",                   //
      R"({"vector":[1,1.]})",                   //
      R"({"vector":[1,1e]})",                   //
      R"({"vector":[1,1e+]})",                  //
      R"({"vector":[1,-]})",                    //
      R"({"vector":[1,0x10]})",                 //
      R"({"vector":[1,1,]})",                   // trailing comma
      R"({"vector":[1 2]})",                    // missing comma
      R"({"vector":[1,2})",                     // unclosed
      R"({"vector":[1,1e39]})",                 // beyond float32
      R"({"vector":[1,-1e39]})",                //
      R"({"vector":[1,1e400]})",                // beyond double
      R"({"vector":[1,2]} x)",                  // content after the object
      R"({"vector":[1,2]}})",                   //
      R"({"vector":[1,2],})",                   // trailing comma
      R"({"vector":[1,2] "k":1})",              // missing comma
      R"({"vector" [1,2]})",                    // missing colon
      R"({"vector":[1,2],"k":"unterminated})",  // an unterminated string
      R"({"vector":[1,2],"k":})",               // a missing value
      R"({"vector":[1,2],"filter":{"must":[})",  // an unclosed object
      R"({vector:[1,2]})",                      // an unquoted key
      "{\"vec\ttor\":[1,2]}",                   // a control character in a key
      "",
      "   ",
      "{",
      "}",
  };
  for (const char* body : declined) {
    const Split s = split(body, 2);
    EXPECT_FALSE(s.taken) << body;
  }
  EXPECT_FALSE(split(R"({"vector":[]})", 0).taken);
}

TEST(JsonVectorField, NumbersRoundAsSimdjsonReadsThem) {
  std::vector<std::string> numbers = {
      "0",       "-0",         "1",         "-1",        "255",
      "0.1",     "-0.1",       "0.5",       "1e22",      "1e23",
      "1E5",     "1e+5",       "1e-5",      "2.5e-3",    "-7.25E+2",
      "123456789012345",       "1234567890123456",       "9007199254740993",
      "123456789012345.6",     "0.000000000000000000000000000001",
      "3.4028234e38",          "-3.4028234e38",          "1.17549435e-38",
      "1e-45",   "1e-46",      "1e-300",    "0e999999999",
      "12345678901234567890123456789",  "1.00000000000000000000000000001",
      "0.30000000000000004",   "2.2250738585072014e-308",
  };
  std::mt19937_64 rng(11);
  std::normal_distribution<double> component(0.0, 0.05);
  std::uniform_int_distribution<int> pixel(0, 255);
  char text[64];
  for (int i = 0; i < 300; ++i) {
    std::snprintf(text, sizeof(text), "%.9g", component(rng));
    numbers.emplace_back(text);
    std::snprintf(text, sizeof(text), "%.17g", component(rng) * 1e6);
    numbers.emplace_back(text);
    std::snprintf(text, sizeof(text), "%d", pixel(rng));
    numbers.emplace_back(text);
  }
  for (const std::string& number : numbers) {
    const Split s = split(R"({"vector":[)" + number + "]}", 1);
    ASSERT_TRUE(s.taken) << number;
    EXPECT_EQ(bits(s.vector[0]), bits(simdjson_float(number))) << number;
  }
  // Underflow below the double range: the fast path may leave it to simdjson (which reads 0),
  // but what it takes must agree.
  for (const std::string number : {"1e-400", "-1e-400", "-0.0e-999"}) {
    const Split s = split(R"({"vector":[)" + number + "]}", 1);
    if (s.taken) {
      EXPECT_EQ(bits(s.vector[0]), bits(simdjson_float(number))) << number;
    }
  }
}

TEST(JsonVectorField, SplitsAListOfVectorObjects) {
  std::vector<VectorObject> objects;
  ASSERT_TRUE(split_vector_list(
      R"( { "searches" : [ {"vector":[1]} , {"k":2,"vector":[-2e1],"filter":{"must":[{"key":"}"}]}} ] } )",
      "searches", 1, 2, objects));
  ASSERT_EQ(objects.size(), 2u);
  EXPECT_EQ(objects[0].vector, std::vector<float>{1.0f});
  EXPECT_EQ(objects[0].rest, "{}");
  EXPECT_EQ(objects[1].vector, std::vector<float>{-20.0f});
  EXPECT_EQ(objects[1].rest, R"({"k":2,"filter":{"must":[{"key":"}"}]}})");
  const char* const declined[] = {
      R"({"searches":[]})",                              // empty
      R"({"searches":[{"vector":[1]},{"vector":[2]},{"vector":[3]}]})",  // more than 2
      R"({"searches":[{"vector":[1]},[1]]})",             // an element that is not an object
      R"({"searches":[{"vector":[1]},{"k":1}]})",         // an element without a vector
      R"({"searches":[{"vector":[1]},{"vector":[1,2]}]})",  // a vector of another length
      R"({"searches":[{"vector":[1]},]})",                // trailing comma
      R"({"searches":[{"vector":[1]}]} x)",               // content after the body
      R"({"searches":[{"vector":[1]}],"k":1})",           // another field
      R"({"search\u0065s":[{"vector":[1]}]})",           // an escaped key
      R"({"vectors":[{"vector":[1]}]})",                  // another key
      R"({"searches":[{"vector":[1]})",                   // unclosed
      R"({"searches":[{"vector":[1]}})",                  //
      R"({"searches":{"vector":[1]}})",                   // not an array
      R"([{"vector":[1]}])",                              // not an object
  };
  for (const char* body : declined) {
    EXPECT_FALSE(split_vector_list(body, "searches", 1, 2, objects)) << body;
  }
}

}  // namespace
}  // namespace vecdex::server::json
