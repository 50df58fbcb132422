// Tests of the bench JSON writer and table (tools/vecdex/bench_report.cc).
#include "tools/vecdex/bench_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace vecdex::cli {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

TEST(BenchReportTest, QuoteEscapesJsonSpecials) {
  EXPECT_EQ(json_quote("plain"), "\"plain\"");
  EXPECT_EQ(json_quote("a\"b\\c"), "\"a\\\"b\\\\c\"");
  EXPECT_EQ(json_quote("x\ny\tz\r"), "\"x\\ny\\tz\\r\"");
  EXPECT_EQ(json_quote(std::string("\x01", 1)), "\"\\u0001\"");
  EXPECT_EQ(json_quote("caf\xc3\xa9"), "\"caf\xc3\xa9\"");
}

BenchReport sample() {
  BenchReport r;
  r.dataset = "fashion-mnist";
  r.n = 60000;
  r.dim = 784;
  r.metric = "l2";
  r.k = 10;
  r.index = "HNSW32,efc=200";
  r.threads = 1;
  r.build_s = 1.5;
  r.index_bytes = 123456789;
  r.simd = "AVX3";
  r.runs.push_back({"ef=16", 0.93, 12345.5, 80.25, 150});
  r.runs.push_back({"ef=32", 0.97, 9000, 100, 200});
  return r;
}

TEST(BenchReportTest, JsonHasContractKeysInOrder) {
  std::string json = to_json(sample());
  const char* keys[] = {"\"dataset\": \"fashion-mnist\"", "\"n\": 60000", "\"dim\": 784",
                        "\"metric\": \"l2\"", "\"k\": 10", "\"index\": \"HNSW32,efc=200\"",
                        "\"threads\": 1", "\"build_s\": 1.5", "\"index_bytes\": 123456789",
                        "\"simd\": \"AVX3\"", "\"runs\": [",
                        "{\"params\": \"ef=16\", \"recall\": 0.93, \"qps\": 12345.5, "
                        "\"p50_us\": 80.25, \"p99_us\": 150}",
                        "\"params\": \"ef=32\""};
  size_t pos = 0;
  for (const char* key : keys) {
    size_t found = json.find(key, pos);
    ASSERT_NE(found, std::string::npos) << key << " in\n" << json;
    pos = found;
  }
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.substr(json.size() - 2), "}\n");
}

TEST(BenchReportTest, NonFiniteNumbersBecomeNull) {
  BenchReport r = sample();
  r.runs[0].qps = std::numeric_limits<double>::infinity();
  r.runs[1].recall = std::nan("");
  std::string json = to_json(r);
  EXPECT_THAT(json, HasSubstr("\"qps\": null"));
  EXPECT_THAT(json, HasSubstr("\"recall\": null"));
  EXPECT_THAT(json, Not(HasSubstr("inf")));
  EXPECT_THAT(json, Not(HasSubstr("nan")));
}

TEST(BenchReportTest, EmptyRunsIsAnEmptyArray) {
  BenchReport r = sample();
  r.runs.clear();
  EXPECT_THAT(to_json(r), HasSubstr("\"runs\": []}"));
}

TEST(BenchReportTest, TableHasHeaderAndOneLinePerRun) {
  BenchReport r = sample();
  r.runs.push_back({"", 1.0, 10, 1, 2});
  std::string table = format_table(r);
  EXPECT_THAT(table, HasSubstr("params"));
  EXPECT_THAT(table, HasSubstr("ef=16"));
  EXPECT_THAT(table, HasSubstr("0.9300"));
  EXPECT_THAT(table, HasSubstr("(default)"));
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 4);
}

}  // namespace
}  // namespace vecdex::cli
