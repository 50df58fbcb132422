// Factory-string lexing and parsing, and make_index's use of the registry.
#include "index/factory/spec_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "vecdex/index_factory.h"
#include "testing/status_matchers.h"

namespace vecdex::factory {
namespace {

using ::testing::HasSubstr;

TEST(SpecParserTest, ParsesStagesWithNumbersAndSuffixes) {
  auto spec = parse_spec("IVF1024,PQ32x4fs,Refine");
  VECDEX_ASSERT_OK(spec);
  ASSERT_EQ(spec->stages.size(), 3u);
  EXPECT_EQ(spec->stages[0].name, "IVF");
  EXPECT_EQ(spec->stages[0].number, 1024u);
  EXPECT_EQ(spec->stages[1].name, "PQ");
  EXPECT_EQ(spec->stages[1].number, 32u);
  EXPECT_EQ(spec->stages[1].suffix, "x4fs");
  EXPECT_EQ(spec->stages[1].position, 8u);
  EXPECT_EQ(spec->stages[2].name, "Refine");
  EXPECT_FALSE(spec->stages[2].number.has_value());
}

TEST(SpecParserTest, ParsesBuildOptionsAfterStages) {
  auto spec = parse_spec("HNSW32, efc=200");
  VECDEX_ASSERT_OK(spec);
  ASSERT_EQ(spec->options.size(), 1u);
  EXPECT_EQ(spec->options[0].key, "efc");
  EXPECT_EQ(spec->options[0].value, "200");
  EXPECT_EQ(spec->options[0].position, 8u);
  auto efc = spec->uint_option("efc", 1, 100000);
  VECDEX_ASSERT_OK(efc);
  EXPECT_EQ(*efc, 200u);
}

TEST(SpecParserTest, ParseUintRespectsSmallMaxima) {
  uint64_t v = 0;
  EXPECT_TRUE(parse_uint("1", 1, &v));
  EXPECT_EQ(v, 1u);
  EXPECT_FALSE(parse_uint("2", 1, &v));  // a digit above max once wrapped (max - digit)
  EXPECT_FALSE(parse_uint("9", 0, &v));
  EXPECT_TRUE(parse_uint("0", 0, &v));
  EXPECT_TRUE(parse_uint("18446744073709551615", UINT64_MAX, &v));
  EXPECT_FALSE(parse_uint("18446744073709551616", UINT64_MAX, &v));
}

TEST(SpecParserTest, RejectsEmptySpec) {
  EXPECT_THAT(parse_spec(""), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty index spec")));
  EXPECT_THAT(parse_spec("   "), StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty")));
}

TEST(SpecParserTest, RejectsEmptyTokenNamingPosition) {
  EXPECT_THAT(parse_spec("Flat,,x"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty token at position 5")));
  EXPECT_THAT(parse_spec("Flat,"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("empty token at position 5")));
}

TEST(SpecParserTest, RejectsStrayCharacter) {
  EXPECT_THAT(parse_spec("Fl@t"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("unexpected character '@' in 'Fl@t' at position 2")));
}

TEST(SpecParserTest, RejectsStageAfterOption) {
  EXPECT_THAT(parse_spec("HNSW32,efc=10,Flat"),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("stage 'Flat' at position 14 in \"HNSW32,efc=10,Flat\" follows")));
}

TEST(SpecParserTest, RejectsRepeatedOptionAndMalformedOption) {
  EXPECT_THAT(parse_spec("HNSW32,efc=1,efc=2"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'efc' repeated at position 13")));
  EXPECT_THAT(parse_spec("HNSW32,efc="),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("malformed option 'efc='")));
  EXPECT_THAT(parse_spec("HNSW32,=3"), StatusIs(StatusCode::kInvalidArgument, HasSubstr("malformed")));
  EXPECT_THAT(parse_spec("HNSW32,a=b=c"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("second '='")));
}

TEST(SpecParserTest, RejectsStageStartingWithDigitAndOverflow) {
  EXPECT_THAT(parse_spec("32HNSW"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("must start with a letter")));
  EXPECT_THAT(parse_spec("IVF99999999999"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("too large")));
}

TEST(SpecParserTest, UintOptionRejectsNonNumbers) {
  auto spec = parse_spec("HNSW32,efc=-3");
  VECDEX_ASSERT_OK(spec);
  EXPECT_THAT(spec->uint_option("efc", 1, 100),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'efc=-3' at position 7")));
}

TEST(MakeIndexTest, UnknownStageListsKnownFamilies) {
  EXPECT_THAT(make_index("HNSWx,Flat", 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("unknown stage 'HNSWx' at position 0 in \"HNSWx,Flat\"; expected "
                                 "one of: Flat")));
}

TEST(MakeIndexTest, FlatRejectsParametersStagesAndOptions) {
  EXPECT_THAT(make_index("Flat32", 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("Flat takes no parameters")));
  EXPECT_THAT(make_index("Flat,PQ8", 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unexpected stage 'PQ8' at position 5")));
  EXPECT_THAT(make_index("Flat,efc=3", 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("unknown build option 'efc' at position 5")));
}

TEST(MakeIndexTest, RejectsDimOutOfRange) {
  EXPECT_THAT(make_index("Flat", 0, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim must be in [1, 65536], got 0")));
  EXPECT_THAT(make_index("Flat", 65537, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("got 65537")));
}

TEST(MakeIndexTest, BuildsFlatAndKeepsSpec) {
  auto index = make_index("Flat", 16, Metric::kCosine);
  VECDEX_ASSERT_OK(index);
  EXPECT_EQ((*index)->dim(), 16u);
  EXPECT_EQ((*index)->metric(), Metric::kCosine);
  EXPECT_EQ((*index)->spec(), "Flat");
  EXPECT_EQ((*index)->stats().family, "Flat");
}

}  // namespace
}  // namespace vecdex::factory
