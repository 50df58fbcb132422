// generate_clustered: shape, determinism per seed, independence of queries from n, spec
// validation, and that the mixture has the spread the spec asks for.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "testing/status_matchers.h"
#include "vecdex/dataset.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;

SyntheticSpec small_spec() {
  SyntheticSpec s;
  s.n = 500;
  s.n_queries = 20;
  s.dim = 17;
  s.clusters = 8;
  s.seed = 7;
  return s;
}

TEST(SyntheticTest, ShapeMatchesSpec) {
  auto d = generate_clustered(small_spec());
  VECDEX_ASSERT_OK(d);
  EXPECT_EQ(d->base.rows, 500u);
  EXPECT_EQ(d->base.dim, 17u);
  EXPECT_EQ(d->base.data.size(), 500u * 17);
  EXPECT_EQ(d->queries.rows, 20u);
  EXPECT_EQ(d->queries.dim, 17u);
  for (float v : d->base.data) ASSERT_TRUE(std::isfinite(v));
}

TEST(SyntheticTest, SameSeedSameBytesDifferentSeedDifferent) {
  auto a = generate_clustered(small_spec());
  auto b = generate_clustered(small_spec());
  VECDEX_ASSERT_OK(a);
  VECDEX_ASSERT_OK(b);
  EXPECT_EQ(a->base.data, b->base.data);
  EXPECT_EQ(a->queries.data, b->queries.data);
  SyntheticSpec other = small_spec();
  other.seed = 8;
  auto c = generate_clustered(other);
  VECDEX_ASSERT_OK(c);
  EXPECT_NE(a->base.data, c->base.data);
  EXPECT_NE(a->queries.data, c->queries.data);
}

TEST(SyntheticTest, QueriesDoNotDependOnBaseSize) {
  SyntheticSpec s = small_spec();
  auto a = generate_clustered(s);
  s.n = 900;
  auto b = generate_clustered(s);
  VECDEX_ASSERT_OK(a);
  VECDEX_ASSERT_OK(b);
  EXPECT_EQ(a->queries.data, b->queries.data);
  EXPECT_EQ(std::vector<float>(b->base.data.begin(), b->base.data.begin() + 500 * 17),
            a->base.data);
}

TEST(SyntheticTest, ZeroSpreadIsStandardNormalNoise) {
  SyntheticSpec s = small_spec();
  s.spread = 0.0f;
  s.n = 4000;
  auto d = generate_clustered(s);
  VECDEX_ASSERT_OK(d);
  double sum = 0, sq = 0;
  for (float v : d->base.data) {
    sum += v;
    sq += double{v} * v;
  }
  double n = static_cast<double>(d->base.data.size());
  EXPECT_NEAR(sum / n, 0.0, 0.02);
  EXPECT_NEAR(sq / n, 1.0, 0.03);
}

TEST(SyntheticTest, PointsClusterAroundFewCentres) {
  // With a wide spread, every point is much closer to some other point of its cluster than the
  // centres are to each other: the variance across points greatly exceeds the noise variance.
  SyntheticSpec s = small_spec();
  s.spread = 10.0f;
  auto d = generate_clustered(s);
  VECDEX_ASSERT_OK(d);
  double sq = 0;
  for (float v : d->base.data) sq += double{v} * v;
  EXPECT_GT(sq / static_cast<double>(d->base.data.size()), 20.0);
}

TEST(SyntheticTest, RejectsBadSpecs) {
  auto check = [](SyntheticSpec s, const char* what) {
    EXPECT_THAT(generate_clustered(s), StatusIs(StatusCode::kInvalidArgument, HasSubstr(what)));
  };
  SyntheticSpec s = small_spec();
  s.n = 0;
  check(s, "n must be");
  s = small_spec();
  s.dim = 0;
  check(s, "dim 0");
  s.dim = (size_t{1} << 20) + 1;
  check(s, "dim 1048577");
  s = small_spec();
  s.clusters = 0;
  check(s, "clusters 0");
  s.clusters = 501;
  check(s, "clusters 501");
  s = small_spec();
  s.spread = -1.0f;
  check(s, "spread");
  s.spread = std::numeric_limits<float>::quiet_NaN();
  check(s, "spread");
  s = small_spec();
  s.n = std::numeric_limits<size_t>::max() / 2;
  check(s, "overflows");
}

}  // namespace
}  // namespace vecdex
