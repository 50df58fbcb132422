// parse_search_params: accepted keys, canonical text form, and every rejection.
#include "vecdex/search_params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/status_matchers.h"

namespace vecdex {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

TEST(SearchParamsTest, ParsesEveryKey) {
  auto p = parse_search_params("ef=64,nprobe=16,rerank=100,search_k=500,threads=0");
  VECDEX_ASSERT_OK(p);
  EXPECT_EQ(p->ef, 64u);
  EXPECT_EQ(p->nprobe, 16u);
  EXPECT_EQ(p->rerank, 100u);
  EXPECT_EQ(p->search_k, 500u);
  EXPECT_EQ(p->threads, 0u);
}

TEST(SearchParamsTest, EmptyTextSetsNothing) {
  auto p = parse_search_params("");
  VECDEX_ASSERT_OK(p);
  EXPECT_TRUE(p->keys_set().empty());
  EXPECT_EQ(p->to_string(), "");
}

TEST(SearchParamsTest, ToStringIsCanonicalAndRoundTrips) {
  auto p = parse_search_params(" threads=2 , ef=8");
  VECDEX_ASSERT_OK(p);
  EXPECT_EQ(p->to_string(), "ef=8,threads=2");
  EXPECT_THAT(p->keys_set(), ElementsAre("ef", "threads"));
  auto again = parse_search_params(p->to_string());
  VECDEX_ASSERT_OK(again);
  EXPECT_EQ(again->to_string(), p->to_string());
}

TEST(SearchParamsTest, RejectsUnknownKeyListingKnownOnes) {
  EXPECT_THAT(parse_search_params("ef=4,efx=3"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("unknown key 'efx' at position 5 in \"ef=4,efx=3\"; expected one "
                                 "of: ef, nprobe, rerank, search_k, threads")));
}

TEST(SearchParamsTest, RejectsRepeatedKey) {
  EXPECT_THAT(parse_search_params("ef=4,ef=5"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'ef' repeated at position 5")));
}

TEST(SearchParamsTest, RejectsEmptyTokens) {
  EXPECT_THAT(parse_search_params("ef=4,,nprobe=2"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty token at position 5")));
  EXPECT_THAT(parse_search_params("ef=4,"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty token")));
}

TEST(SearchParamsTest, RejectsBadValues) {
  EXPECT_THAT(parse_search_params("ef=abc"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid value 'abc' for 'ef' at position 3")));
  EXPECT_THAT(parse_search_params("ef=-1"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid value '-1'")));
  EXPECT_THAT(parse_search_params("ef=0"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("[1, 4294967295]")));
  EXPECT_THAT(parse_search_params("nprobe=4294967296"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("invalid value '4294967296'")));
  EXPECT_THAT(parse_search_params("ef=1.5"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("1.5")));
  EXPECT_THAT(parse_search_params("ef="), StatusIs(StatusCode::kInvalidArgument, HasSubstr("malformed")));
}

TEST(SearchParamsTest, RejectsTokenWithoutValue) {
  EXPECT_THAT(parse_search_params("ef"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'ef' at position 0")));
}

TEST(SearchParamsTest, ThreadsMayBeZeroButOthersMayNot) {
  VECDEX_EXPECT_OK(parse_search_params("threads=0"));
  EXPECT_THAT(parse_search_params("nprobe=0"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("nprobe")));
}

}  // namespace
}  // namespace vecdex
