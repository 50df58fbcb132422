// End-to-end tests of the vecdex CLI on tiny generated data: gen -> build -> info -> search ->
// gt -> bench (JSON, sweep, plot), and --help / --version. Runs the real binary ($VECDEX_CLI).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "testing/temp_dir.h"
#include "tools/cli_runner.h"
#include "vecdex/dataset.h"

namespace vecdex::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// Reads the number after `"key": ` in a flat JSON text (first occurrence after `from`).
double json_number_after(const std::string& json, const std::string& key, size_t from = 0) {
  size_t pos = json.find("\"" + key + "\": ", from);
  if (pos == std::string::npos) return -1;
  return std::strtod(json.c_str() + pos + key.size() + 4, nullptr);
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CliOutput r = run({"gen", "--n", "400", "--dim", "16", "--queries", "25", "--clusters", "4",
                       "--seed", "7", "--out-base", file("base.fvecs"), "--out-queries",
                       file("q.fvecs")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CliOutput run(const std::vector<std::string>& args) { return run_cli(dir_.path(), args); }
  std::string file(const std::string& name) { return dir_.file(name).string(); }

  TempDir dir_;
};

TEST_F(CliTest, GenWritesRequestedShapes) {
  Result<FloatMatrix> base = read_vectors(file("base.fvecs"));
  Result<FloatMatrix> queries = read_vectors(file("q.fvecs"));
  ASSERT_TRUE(base.ok()) << base.status().to_string();
  ASSERT_TRUE(queries.ok()) << queries.status().to_string();
  EXPECT_EQ(base->rows, 400u);
  EXPECT_EQ(base->dim, 16u);
  EXPECT_EQ(queries->rows, 25u);
}

TEST_F(CliTest, BuildInfoSearchAndGtAgreeForFlat) {
  CliOutput r = run({"build", "--data", file("base.fvecs"), "--index", "Flat", "--metric", "l2",
                     "--out", file("idx.vdx"), "--threads", "2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  r = run({"info", file("idx.vdx")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("family: Flat"));
  EXPECT_THAT(r.out, HasSubstr("dim: 16"));
  EXPECT_THAT(r.out, HasSubstr("metric: l2"));
  EXPECT_THAT(r.out, HasSubstr("count: 400"));
  EXPECT_THAT(r.out, HasSubstr("simd: "));
  EXPECT_THAT(r.out, HasSubstr("file_size: "));

  r = run({"search", "--index", file("idx.vdx"), "--queries", file("q.fvecs"), "--k", "5",
           "--out", file("ids.ivecs"), "--threads", "2", "--mmap"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run({"gt", "--base", file("base.fvecs"), "--queries", file("q.fvecs"), "--k", "10",
           "--metric", "l2", "--out", file("gt.ivecs")});
  ASSERT_EQ(r.exit_code, 0) << r.err;

  Result<IdMatrix> ids = read_ids(file("ids.ivecs"));
  Result<IdMatrix> gt = read_ids(file("gt.ivecs"));
  ASSERT_TRUE(ids.ok()) << ids.status().to_string();
  ASSERT_TRUE(gt.ok()) << gt.status().to_string();
  ASSERT_EQ(ids->rows, 25u);
  ASSERT_EQ(ids->cols, 5u);
  ASSERT_EQ(gt->rows, 25u);
  ASSERT_EQ(gt->cols, 10u);
  for (size_t i = 0; i < ids->rows; ++i) {
    for (size_t j = 0; j < 5; ++j) {
      EXPECT_EQ(ids->row(i)[j], gt->row(i)[j]) << "query " << i << " rank " << j;
      EXPECT_GE(ids->row(i)[j], 0);
      EXPECT_LT(ids->row(i)[j], 400);
    }
  }
}

TEST_F(CliTest, KLargerThanBasePadsWithMinusOne) {
  CliOutput r = run({"gen", "--n", "3", "--dim", "4", "--queries", "2", "--clusters", "1",
                     "--out-base", file("tiny.fvecs"), "--out-queries", file("tinyq.fvecs")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run({"gt", "--base", file("tiny.fvecs"), "--queries", file("tinyq.fvecs"), "--k", "5",
           "--out", file("tinygt.ivecs")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  Result<IdMatrix> gt = read_ids(file("tinygt.ivecs"));
  ASSERT_TRUE(gt.ok());
  ASSERT_EQ(gt->cols, 5u);
  EXPECT_EQ(gt->row(0)[3], -1);
  EXPECT_EQ(gt->row(1)[4], -1);
}

TEST_F(CliTest, BenchWritesJsonWithPerfectFlatRecall) {
  CliOutput r = run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"), "--k",
                     "10", "--metric", "l2", "--index", "Flat", "--threads", "1", "--json",
                     file("bench.json"), "--latency-queries", "10"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("recall"));
  EXPECT_THAT(r.out, HasSubstr("p99_us"));
  std::string json = slurp(file("bench.json"));
  for (const char* key : {"dataset", "n", "dim", "metric", "k", "index", "threads", "build_s",
                          "index_bytes", "simd", "runs", "params", "recall", "qps", "p50_us",
                          "p99_us"}) {
    EXPECT_THAT(json, HasSubstr(std::string("\"") + key + "\": ")) << key;
  }
  EXPECT_THAT(json, HasSubstr("\"dataset\": \"base\""));
  EXPECT_THAT(json, HasSubstr("\"index\": \"Flat\""));
  EXPECT_THAT(json, HasSubstr("\"metric\": \"l2\""));
  EXPECT_THAT(json, HasSubstr("\"params\": \"\""));
  EXPECT_EQ(json_number_after(json, "n"), 400);
  EXPECT_EQ(json_number_after(json, "dim"), 16);
  EXPECT_EQ(json_number_after(json, "k"), 10);
  EXPECT_EQ(json_number_after(json, "recall"), 1.0);
  EXPECT_GT(json_number_after(json, "qps"), 0);
  EXPECT_GT(json_number_after(json, "index_bytes"), 0);
}

TEST_F(CliTest, BenchUsesFirstKColumnsOfGivenGroundTruthAndRunsSweep) {
  CliOutput r = run({"gt", "--base", file("base.fvecs"), "--queries", file("q.fvecs"), "--k",
                     "20", "--out", file("gt.ivecs")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"), "--gt",
           file("gt.ivecs"), "--k", "5", "--index", "Flat", "--sweep", "threads=1,2", "--json",
           file("bench.json"), "--name", "tiny \"set\""});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string json = slurp(file("bench.json"));
  EXPECT_THAT(json, HasSubstr("\"dataset\": \"tiny \\\"set\\\"\""));
  size_t first = json.find("\"params\": \"threads=1\"");
  size_t second = json.find("\"params\": \"threads=2\"");
  ASSERT_NE(first, std::string::npos) << json;
  ASSERT_NE(second, std::string::npos) << json;
  EXPECT_LT(first, second);
  EXPECT_EQ(json_number_after(json, "recall", first), 1.0);
  EXPECT_EQ(json_number_after(json, "recall", second), 1.0);
}

TEST_F(CliTest, BenchPlotWritesPng) {
  if (!std::filesystem::exists("/usr/bin/python3") ||
      std::system("/usr/bin/python3 -c 'import matplotlib' >/dev/null 2>&1") != 0) {
    GTEST_SKIP() << "no /usr/bin/python3 with matplotlib";
  }
  CliOutput r = run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                     "--index", "Flat", "--latency-queries", "5", "--plot", file("plot.png")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_GT(std::filesystem::file_size(file("plot.png")), 1000u);
}

TEST_F(CliTest, HelpOfEverySubcommandExitsZero) {
  for (const char* cmd : {"build", "search", "gt", "bench", "info", "gen"}) {
    CliOutput r = run({cmd, "--help"});
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr(cmd)) << cmd;
  }
  CliOutput r = run({"--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, HasSubstr("bench"));
}

TEST_F(CliTest, VersionPrintsVersionAndSimdTarget) {
  CliOutput r = run({"--version"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_THAT(r.out, StartsWith("vecdex 0."));
  EXPECT_THAT(r.out, HasSubstr("SIMD"));
}

}  // namespace
}  // namespace vecdex::testing
