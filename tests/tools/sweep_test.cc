// Tests of the `--sweep` grammar (tools/vecdex/sweep.cc).
#include "tools/vecdex/sweep.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace vecdex::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SweepTest, BlankSweepIsOneDefaultRun) {
  EXPECT_THAT(*expand_sweep(""), ElementsAre(""));
  EXPECT_THAT(*expand_sweep("   "), ElementsAre(""));
}

TEST(SweepTest, SingleKeyListsValuesInOrder) {
  EXPECT_THAT(*expand_sweep("ef=16,32,64,128"), ElementsAre("ef=16", "ef=32", "ef=64", "ef=128"));
}

TEST(SweepTest, CrossProductFirstKeyVariesSlowest) {
  EXPECT_THAT(*expand_sweep("nprobe=4,8,16;rerank=20,100"),
              ElementsAre("nprobe=4,rerank=20", "nprobe=4,rerank=100", "nprobe=8,rerank=20",
                          "nprobe=8,rerank=100", "nprobe=16,rerank=20", "nprobe=16,rerank=100"));
}

TEST(SweepTest, WhitespaceAroundTokensIsIgnored) {
  EXPECT_THAT(*expand_sweep(" ef = 16 , 32 ; threads=1 "),
              ElementsAre("ef=16,threads=1", "ef=32,threads=1"));
}

TEST(SweepTest, GroupWithoutEqualsNamesTheToken) {
  EXPECT_THAT(expand_sweep("ef16"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("'ef16'")));
  EXPECT_THAT(expand_sweep("ef=16;nprobe"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'nprobe'")));
}

TEST(SweepTest, EmptyPiecesAreRejected) {
  EXPECT_THAT(expand_sweep("ef=16,,32"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("key 'ef'")));
  EXPECT_THAT(expand_sweep("ef="), StatusIs(StatusCode::kInvalidArgument, HasSubstr("'ef'")));
  EXPECT_THAT(expand_sweep("=16"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("key")));
  EXPECT_THAT(expand_sweep("ef=16;"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("group")));
}

TEST(SweepTest, BadKeyOrValueCharactersAreRejected) {
  EXPECT_THAT(expand_sweep("e f=16"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("'e f'")));
  EXPECT_THAT(expand_sweep("ef=1 6"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("'1 6'")));
  EXPECT_THAT(expand_sweep("ef=16=32"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'16=32'")));
}

TEST(SweepTest, RepeatedKeyIsRejected) {
  EXPECT_THAT(expand_sweep("ef=16;ef=32"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'ef' given twice")));
}

TEST(SweepTest, HugeCrossProductIsRejected) {
  std::string many = "a=1,2,3,4,5,6,7,8,9,10;b=1,2,3,4,5,6,7,8,9,10;c=1,2,3,4,5,6,7,8,9,10;"
                     "d=1,2,3,4,5,6,7,8,9,10;e=1,2";
  EXPECT_THAT(expand_sweep(many), StatusIs(StatusCode::kInvalidArgument, HasSubstr("10000")));
}

}  // namespace
}  // namespace vecdex::cli
