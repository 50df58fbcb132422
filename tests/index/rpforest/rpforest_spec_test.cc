// RPForest factory specs and search parameters: valid forms, and errors that name the token.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "index/factory/spec_parser.h"
#include "index/rpforest/rpforest_params.h"
#include "testing/status_matchers.h"
#include "vecdex/index_factory.h"

namespace vecdex {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

Result<rpforest::RpForestParams> parse(const std::string& text) {
  VECDEX_ASSIGN_OR_RETURN(factory::ParsedSpec spec, factory::parse_spec(text));
  return rpforest::parse_rpforest_spec(spec);
}

TEST(RpForestSpecTest, ParsesTreesLeafAndSeed) {
  auto p = parse("RPForest20,leaf=16,seed=7");
  VECDEX_ASSERT_OK(p);
  EXPECT_EQ(p->ntrees, 20u);
  EXPECT_EQ(p->leaf, 16u);
  EXPECT_EQ(p->seed, 7u);
  auto d = parse("RPForest1");
  VECDEX_ASSERT_OK(d);
  EXPECT_EQ(d->leaf, rpforest::RpForestParams{}.leaf);
  EXPECT_EQ(d->seed, 42u);
}

TEST(RpForestSpecTest, MakeIndexBuildsTheFamily) {
  auto index = make_index("RPForest5", 8, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  EXPECT_EQ((*index)->stats().family, "RPForest");
  EXPECT_EQ((*index)->spec(), "RPForest5");
}

TEST(RpForestSpecTest, ErrorsNameTheTokenAndPosition) {
  EXPECT_THAT(parse("RPForest"), StatusIs(StatusCode::kInvalidArgument,
                                          AllOf(HasSubstr("'RPForest'"), HasSubstr("position 0"),
                                                HasSubstr("RPForest<ntrees>"))));
  EXPECT_THAT(parse("RPForest0"),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'RPForest0'"), HasSubstr("ntrees must be in [1, 4096]"))));
  EXPECT_THAT(parse("RPForest5000"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'RPForest5000'")));
  EXPECT_THAT(parse("RPForest10x"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'RPForest10x'")));
  EXPECT_THAT(parse("RPForest10,SQ8"),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("unexpected stage 'SQ8'"), HasSubstr("position 11"))));
  EXPECT_THAT(parse("RPForest10,leaf=0"),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'leaf=0'"), HasSubstr("position 11"))));
  EXPECT_THAT(parse("RPForest10,leaf=abc"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'leaf=abc'")));
  EXPECT_THAT(parse("RPForest10,efc=3"),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'efc'"), HasSubstr("position 11"))));
  EXPECT_THAT(make_index("RPForest10,leaf=2000000", 4, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("leaf")));
}

TEST(RpForestSpecTest, SearchAcceptsSearchKAndThreadsOnly) {
  auto index = make_index("RPForest3", 4, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  std::vector<float> q(4, 0.5f);
  MatrixView qv{q.data(), 1, 4};
  auto ok = parse_search_params("search_k=50,threads=2");
  VECDEX_ASSERT_OK(ok);
  VECDEX_EXPECT_OK((*index)->search(qv, 3, *ok));
  auto ef = parse_search_params("ef=10");
  VECDEX_ASSERT_OK(ef);
  EXPECT_THAT((*index)->search(qv, 3, *ef),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("'ef'"), HasSubstr("search_k, threads"))));
  EXPECT_THAT(parse_search_params("search_k=0"), StatusIs(StatusCode::kInvalidArgument,
                                                          HasSubstr("search_k")));
}

}  // namespace
}  // namespace vecdex
