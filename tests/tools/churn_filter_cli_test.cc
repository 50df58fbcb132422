// End-to-end tests of the CLI's issue-3 measurements on tiny generated data: `vecdex bench
// --filter-fraction` (filtered search; ground truth exact over the allowed ids) and `vecdex
// churn` (rounds of remove + add, then a fresh build). Exact search must score recall 1.0 in
// both. Runs the real binary ($VECDEX_CLI).
#include <cstdlib>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/temp_dir.h"
#include "tools/cli_runner.h"

namespace vecdex::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Every number following `"key": ` in a flat JSON text, in order.
std::vector<double> json_numbers(const std::string& json, const std::string& key) {
  std::vector<double> out;
  std::string needle = "\"" + key + "\": ";
  for (size_t pos = json.find(needle); pos != std::string::npos; pos = json.find(needle, pos + 1)) {
    out.push_back(std::strtod(json.c_str() + pos + needle.size(), nullptr));
  }
  return out;
}

class ChurnFilterCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CliOutput r =
        run({"gen", "--n", "3000", "--dim", "16", "--queries", "30", "--clusters", "6", "--seed",
             "5", "--out-base", file("base.fvecs"), "--out-queries", file("q.fvecs")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CliOutput run(const std::vector<std::string>& args) { return run_cli(dir_.path(), args); }
  std::string file(const std::string& name) { return dir_.file(name).string(); }

  void expect_failure(const CliOutput& r, const std::string& cmd, const std::string& needle) {
    EXPECT_GT(r.exit_code, 0) << r.out;
    EXPECT_LT(r.exit_code, 128) << "killed by a signal: " << r.err;
    EXPECT_THAT(r.err, StartsWith("vecdex " + cmd + ": ")) << r.err;
    EXPECT_THAT(r.err, HasSubstr(needle)) << r.err;
  }

  TempDir dir_;
};

TEST_F(ChurnFilterCliTest, FilteredFlatBenchHasPerfectRecallAtEverySelectivity) {
  for (const char* fraction : {"0.001", "0.01", "0.1", "0.5", "1"}) {
    CliOutput r = run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"), "--k",
                       "10", "--index", "Flat", "--filter-fraction", fraction, "--filter-seed", "3",
                       "--latency-queries", "5", "--json", file("bench.json")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("filter: ")) << fraction;
    std::vector<double> recall = json_numbers(slurp(file("bench.json")), "recall");
    ASSERT_EQ(recall.size(), 1u) << fraction;
    EXPECT_EQ(recall[0], 1.0) << fraction;
  }
  // 0.1% of 3000 rounds to 3 allowed ids: fewer than k, so rows are padded and still exact.
  CliOutput r = run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"), "--k",
                     "10", "--index", "Flat", "--filter-fraction", "0.001"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("filter: 3 of 3000 ids allowed"));
}

TEST_F(ChurnFilterCliTest, BenchBuildThreadsIsAccepted) {
  CliOutput r = run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"), "--index",
                     "Flat", "--threads", "1", "--build-threads", "2", "--latency-queries", "5"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("threads=1"));
}

TEST_F(ChurnFilterCliTest, FilterFractionErrors) {
  expect_failure(run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--index", "Flat", "--filter-fraction", "0"}),
                 "bench", "--filter-fraction must be in (0, 1]");
  expect_failure(run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--index", "Flat", "--filter-fraction", "1.5"}),
                 "bench", "--filter-fraction must be in (0, 1]");
  expect_failure(run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"), "--gt",
                      file("q.fvecs"), "--index", "Flat", "--filter-fraction", "0.5"}),
                 "bench", "--gt cannot be combined with --filter-fraction");
}

TEST_F(ChurnFilterCliTest, FlatChurnKeepsPerfectRecallAndMatchesFreshBuild) {
  CliOutput r = run({"churn", "--base", file("base.fvecs"), "--queries", file("q.fvecs"), "--index",
                     "Flat", "--k", "10", "--rounds", "5", "--fraction", "0.2", "--seed", "9",
                     "--threads", "2", "--json", file("churn.json")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("fresh"));
  // 3000 rows feed 1500 initial points plus 5 rounds of 300 new ones.
  EXPECT_THAT(r.out, HasSubstr("1500 initial points of 3000, 5 rounds of -300 / +300"));
  std::string json = slurp(file("churn.json"));
  std::vector<double> recall = json_numbers(json, "recall");
  ASSERT_EQ(recall.size(), 7u) << json;  // round 0..5, then the fresh build
  for (double v : recall)
    EXPECT_EQ(v, 1.0) << json;
  std::vector<double> live = json_numbers(json, "live");
  ASSERT_EQ(live.size(), 6u);
  for (double v : live)
    EXPECT_EQ(v, 1500);
  EXPECT_EQ(json_numbers(json, "recall_drop_points"), std::vector<double>{0.0});
}

TEST_F(ChurnFilterCliTest, ChurnWithExplicitInitialSize) {
  CliOutput r =
      run({"churn", "--base", file("base.fvecs"), "--queries", file("q.fvecs"), "--index", "Flat",
           "--rounds", "2", "--fraction", "0.5", "--initial", "1000", "--max-queries", "10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("1000 initial points of 3000, 2 rounds of -500 / +500"));
}

TEST_F(ChurnFilterCliTest, ChurnErrors) {
  expect_failure(run({"churn", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--index", "Flat", "--initial", "2900"}),
                 "churn", "cannot feed");
  expect_failure(run({"churn", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--index", "Flat", "--fraction", "0"}),
                 "churn", "--fraction must be in (0, 1]");
  expect_failure(run({"churn", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--index", "Flat", "--params", "bogus=1"}),
                 "churn", "--params");
  expect_failure(run({"churn", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--index", "NoSuchIndex"}),
                 "churn", "NoSuchIndex");
}

}  // namespace
}  // namespace vecdex::testing
