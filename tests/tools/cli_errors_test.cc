// Error paths of the vecdex CLI: every bad input ends with a non-zero exit, a
// "vecdex <cmd>: <message>" line on stderr that names what was wrong, and no crash.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "testing/temp_dir.h"
#include "tools/cli_runner.h"

namespace vecdex::testing {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class CliErrorsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CliOutput r = run({"gen", "--n", "200", "--dim", "16", "--queries", "10", "--clusters", "3",
                       "--out-base", file("base.fvecs"), "--out-queries", file("q.fvecs")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    r = run({"build", "--data", file("base.fvecs"), "--index", "Flat", "--out", file("idx.vdx")});
    ASSERT_EQ(r.exit_code, 0) << r.err;
  }
  CliOutput run(const std::vector<std::string>& args) { return run_cli(dir_.path(), args); }
  std::string file(const std::string& name) { return dir_.file(name).string(); }

  // A clean failure of `cmd`: non-zero, no signal, one prefixed message naming `needle`.
  void expect_failure(const CliOutput& r, const std::string& cmd, const std::string& needle) {
    EXPECT_NE(r.exit_code, 0) << r.out;
    EXPECT_GT(r.exit_code, 0) << "did not exit normally: " << r.err;
    EXPECT_LT(r.exit_code, 128) << "killed by a signal: " << r.err;
    std::string prefix = "vecdex ";
    prefix += cmd;
    prefix += ": ";
    EXPECT_THAT(r.err, StartsWith(prefix)) << r.err;
    EXPECT_THAT(r.err, HasSubstr(needle)) << r.err;
  }

  TempDir dir_;
};

TEST_F(CliErrorsTest, MissingInputFileNamesThePath) {
  expect_failure(run({"build", "--data", file("nope.fvecs"), "--index", "Flat", "--out",
                      file("x.vdx")}),
                 "build", "nope.fvecs");
  expect_failure(run({"search", "--index", file("nope.vdx"), "--queries", file("q.fvecs"),
                      "--out", file("ids.ivecs")}),
                 "search", "nope.vdx");
  expect_failure(run({"info", file("nope.vdx")}), "info", "nope.vdx");
  expect_failure(run({"bench", "--base", file("base.fvecs"), "--queries", file("nope.fvecs")}),
                 "bench", "nope.fvecs");
}

TEST_F(CliErrorsTest, UnknownIndexSpecNamesTheToken) {
  expect_failure(run({"build", "--data", file("base.fvecs"), "--index", "HNSWx,Flat", "--out",
                      file("x.vdx")}),
                 "build", "HNSWx");
  expect_failure(run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--index", "Bogus7"}),
                 "bench", "Bogus7");
  EXPECT_FALSE(std::filesystem::exists(file("x.vdx")));
}

TEST_F(CliErrorsTest, BadMetricNamesTheInput) {
  expect_failure(run({"build", "--data", file("base.fvecs"), "--index", "Flat", "--metric", "l3",
                      "--out", file("x.vdx")}),
                 "build", "l3");
  expect_failure(run({"gt", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--metric", "hamming", "--out", file("gt.ivecs")}),
                 "gt", "hamming");
}

TEST_F(CliErrorsTest, BadSweepNamesTheToken) {
  expect_failure(run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--sweep", "ef16"}),
                 "bench", "ef16");
  expect_failure(run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--sweep", "threads=1,,2"}),
                 "bench", "threads");
  // Shape is fine, but the key is not a search parameter at all.
  expect_failure(run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--sweep", "warp=1,2"}),
                 "bench", "warp");
}

TEST_F(CliErrorsTest, KZeroIsRejected) {
  expect_failure(run({"search", "--index", file("idx.vdx"), "--queries", file("q.fvecs"), "--k",
                      "0", "--out", file("ids.ivecs")}),
                 "search", "--k");
  expect_failure(run({"gt", "--base", file("base.fvecs"), "--queries", file("q.fvecs"), "--k",
                      "0", "--out", file("gt.ivecs")}),
                 "gt", "--k");
  expect_failure(run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--k", "0"}),
                 "bench", "--k");
}

TEST_F(CliErrorsTest, QueryDimensionMismatchNamesBothDims) {
  CliOutput r = run({"gen", "--n", "5", "--dim", "8", "--queries", "5", "--clusters", "2",
                     "--out-base",
                     file("b8.fvecs"), "--out-queries", file("q8.fvecs")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = run({"search", "--index", file("idx.vdx"), "--queries", file("q8.fvecs"), "--out",
           file("ids.ivecs")});
  expect_failure(r, "search", "dim 8");
  EXPECT_THAT(r.err, HasSubstr("16"));
  expect_failure(run({"gt", "--base", file("base.fvecs"), "--queries", file("q8.fvecs"), "--out",
                      file("gt.ivecs")}),
                 "gt", "dim 8");
  expect_failure(run({"bench", "--base", file("base.fvecs"), "--queries", file("q8.fvecs")}),
                 "bench", "dim 8");
}

TEST_F(CliErrorsTest, TruncatedIndexFileIsAnErrorNotACrash) {
  std::filesystem::path idx = file("idx.vdx");
  auto size = std::filesystem::file_size(idx);
  std::filesystem::copy_file(idx, file("cut.vdx"));
  std::filesystem::resize_file(file("cut.vdx"), size / 2);
  expect_failure(run({"info", file("cut.vdx")}), "info", "cut.vdx");
  expect_failure(run({"search", "--index", file("cut.vdx"), "--queries", file("q.fvecs"),
                      "--out", file("ids.ivecs")}),
                 "search", "cut.vdx");
  std::filesystem::resize_file(file("cut.vdx"), 10);
  expect_failure(run({"info", file("cut.vdx"), "--mmap"}), "info", "cut.vdx");
}

TEST_F(CliErrorsTest, GroundTruthTooNarrowForK) {
  CliOutput r = run({"gt", "--base", file("base.fvecs"), "--queries", file("q.fvecs"), "--k", "3",
                     "--out", file("gt3.ivecs")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  expect_failure(run({"bench", "--base", file("base.fvecs"), "--queries", file("q.fvecs"),
                      "--gt", file("gt3.ivecs"), "--k", "10"}),
                 "bench", "--gt");
}

TEST_F(CliErrorsTest, CommandLineMistakesArePrefixedToo) {
  expect_failure(run({"build", "--data", file("base.fvecs"), "--index", "Flat"}), "build",
                 "--out");
  expect_failure(run({"search", "--index", file("idx.vdx"), "--queries", file("q.fvecs"), "--out",
                      file("ids.ivecs"), "--bogus-flag"}),
                 "search", "--bogus-flag");
  expect_failure(run({"search", "--index", file("idx.vdx"), "--queries", file("q.fvecs"), "--out",
                      file("ids.ivecs"), "--k", "ten"}),
                 "search", "ten");
  CliOutput r = run({"frobnicate"});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, StartsWith("vecdex: "));
  r = run({});
  EXPECT_NE(r.exit_code, 0);
  EXPECT_THAT(r.err, StartsWith("vecdex: "));
}

}  // namespace
}  // namespace vecdex::testing
