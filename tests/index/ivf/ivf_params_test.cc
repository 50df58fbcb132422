// IVF factory strings: what builds, and errors that name the token and its position.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "index/factory/spec_parser.h"
#include "index/ivf/ivf_params.h"
#include "testing/status_matchers.h"
#include "vecdex/index_factory.h"

namespace vecdex::ivf {
namespace {

using ::testing::HasSubstr;

IvfParams parse(const char* text) {
  auto spec = factory::parse_spec(text);
  EXPECT_THAT(spec, IsOk());
  auto p = parse_ivf_spec(*spec);
  EXPECT_THAT(p, IsOk()) << text;
  return p.ok() ? *p : IvfParams{};
}

TEST(IvfParamsTest, ParsesStagesAndOptions) {
  IvfParams p = parse("IVF1024,Flat");
  EXPECT_EQ(p.nlist, 1024u);
  EXPECT_EQ(p.storage, IvfStorage::kFlat);
  EXPECT_FALSE(p.refine);
  EXPECT_EQ(parse("IVF7").storage, IvfStorage::kFlat);
  EXPECT_EQ(parse("IVF8,SQ8").storage, IvfStorage::kSQ8);
  EXPECT_EQ(parse("IVF8,FP16").storage, IvfStorage::kFP16);
  EXPECT_EQ(parse("IVF8,BF16,Refine").storage, IvfStorage::kBF16);
  p = parse("IVF64,PQ32");
  EXPECT_EQ(p.storage, IvfStorage::kPQ);
  EXPECT_EQ(p.pq_m, 32u);
  EXPECT_EQ(p.pq_nbits, 8u);
  p = parse("IVF64,PQ16x4");
  EXPECT_EQ(p.storage, IvfStorage::kPQ);
  EXPECT_EQ(p.pq_nbits, 4u);
  p = parse("IVF64,PQ392x4fs,Refine,seed=7,niter=3,opq=1");
  EXPECT_EQ(p.storage, IvfStorage::kPQFastScan);
  EXPECT_EQ(p.pq_m, 392u);
  EXPECT_TRUE(p.refine);
  EXPECT_EQ(p.seed, 7u);
  EXPECT_EQ(p.niter, 3u);
  EXPECT_TRUE(p.opq);
  EXPECT_FLOAT_EQ(parse("IVF64,PQ8,aq=0.2").aq, 0.2f);
}

TEST(IvfParamsTest, ParseFloatAcceptsWholeFiniteNumbersOnly) {
  float f = 0;
  EXPECT_TRUE(parse_float("0.25", &f));
  EXPECT_FLOAT_EQ(f, 0.25f);
  EXPECT_TRUE(parse_float("1e-3", &f));
  EXPECT_FALSE(parse_float("", &f));
  EXPECT_FALSE(parse_float("0.2x", &f));
  EXPECT_FALSE(parse_float("inf", &f));
  EXPECT_FALSE(parse_float("nan", &f));
}

struct BadSpec {
  const char* spec;
  const char* message;
};

TEST(IvfParamsTest, BadSpecsNameTheTokenAndPosition) {
  const BadSpec cases[] = {
      {"IVF", "stage 'IVF' at position 0 in \"IVF\": expected IVF<nlist>"},
      {"IVF0,Flat", "nlist must be in [1, 1048576]"},
      {"IVF16x,Flat", "expected IVF<nlist>"},
      {"IVF16,Foo", "unknown storage stage 'Foo' at position 6"},
      {"IVF16,Flat,Refine", "needs a lossy storage stage"},
      {"IVF16,SQ8,Refine,Refine", "stage 'Refine' repeated at position 17"},
      {"IVF16,SQ8,PQ8", "unexpected stage 'PQ8' at position 10"},
      {"IVF16,PQ", "stage 'PQ' at position 6"},
      {"IVF16,PQ8x5", "unknown PQ suffix 'x5'"},
      {"IVF16,PQ8x4fsx", "unknown PQ suffix"},
      {"IVF16,Flat,bogus=1", "unknown build option 'bogus' at position 11"},
      {"IVF16,PQ8,aq=2", "build option 'aq=2' at position 10 in \"IVF16,PQ8,aq=2\": expected a number in (0, 1)"},
      {"IVF16,PQ8,aq=abc", "expected a number in (0, 1)"},
      {"IVF16,SQ8,aq=0.2", "needs a PQ storage stage"},
      {"IVF16,Flat,opq=1", "build option 'opq=1' at position 11 in \"IVF16,Flat,opq=1\" needs a PQ stage"},
      {"IVF16,PQ8,opq=2", "build option 'opq=2' at position 10 in \"IVF16,PQ8,opq=2\": expected 0 or 1"},
      {"IVF16,niter=0", "build option 'niter=0'"},
  };
  for (const BadSpec& c : cases) {
    EXPECT_THAT(make_index(c.spec, 32, Metric::kL2),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.spec;
  }
}

TEST(IvfParamsTest, BuilderChecksDimAndMetric) {
  EXPECT_THAT(make_index("IVF16,PQ7", 32, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("PQ7 needs a dim divisible by 7")));
  EXPECT_THAT(make_index("IVF16,PQ8,aq=0.2", 32, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("aq")));
  EXPECT_THAT(make_index("IVF16,PQ8,aq=0.2", 32, Metric::kInnerProduct), IsOk());
  EXPECT_THAT(make_index("IVF16,PQ8x4fs,Refine", 32, Metric::kCosine), IsOk());
}

}  // namespace
}  // namespace vecdex::ivf
