// Unit tests of the --filter-fraction pieces (tools/vecdex/filter_option.h): the seeded random
// allowed-id set and exact ground truth restricted to it.
#include "tools/vecdex/filter_option.h"

#include <algorithm>
#include <cstdint>
#include <limits>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "testing/random_data.h"
#include "testing/status_matchers.h"

namespace vecdex::cli {
namespace {

using ::testing::HasSubstr;

TEST(FilterOptionTest, AllowsExactlyTheRoundedFraction) {
  for (double fraction : {0.001, 0.01, 0.1, 0.5, 1.0}) {
    Result<Filter> f = make_fraction_filter(10000, fraction, 42);
    VECDEX_ASSERT_OK(f.status());
    EXPECT_EQ(f->count(), allowed_count(10000, fraction)) << fraction;
    std::vector<Id> ids = f->to_vector();
    ASSERT_FALSE(ids.empty());
    EXPECT_LT(ids.back(), 10000u);
  }
  EXPECT_EQ(allowed_count(10000, 0.001), 10u);
  EXPECT_EQ(allowed_count(10000, 0.5), 5000u);
  EXPECT_EQ(allowed_count(10, 0.001), 1u);  // never an empty set
  EXPECT_EQ(allowed_count(10, 1.0), 10u);
}

TEST(FilterOptionTest, SameSeedSameSetOtherSeedOtherSet) {
  Result<Filter> a = make_fraction_filter(5000, 0.1, 7);
  Result<Filter> b = make_fraction_filter(5000, 0.1, 7);
  Result<Filter> c = make_fraction_filter(5000, 0.1, 8);
  VECDEX_ASSERT_OK(a.status());
  VECDEX_ASSERT_OK(b.status());
  VECDEX_ASSERT_OK(c.status());
  EXPECT_EQ(a->to_vector(), b->to_vector());
  EXPECT_NE(a->to_vector(), c->to_vector());
}

TEST(FilterOptionTest, SpreadsOverTheWholeIdRange) {
  // A uniform sample of 10% of 100000 ids: each tenth of the range holds about 1000 of them.
  Result<Filter> f = make_fraction_filter(100000, 0.1, 3);
  VECDEX_ASSERT_OK(f.status());
  std::vector<size_t> per_tenth(10, 0);
  for (Id id : f->to_vector())
    ++per_tenth[id / 10000];
  for (size_t count : per_tenth) {
    EXPECT_GT(count, 800u);
    EXPECT_LT(count, 1200u);
  }
}

TEST(FilterOptionTest, RejectsFractionsOutsideZeroOne) {
  for (double bad : {0.0, -0.5, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    EXPECT_THAT(make_fraction_filter(100, bad, 1).status(),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("--filter-fraction")))
        << bad;
  }
  EXPECT_THAT(make_fraction_filter(0, 0.5, 1).status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no vectors")));
}

// Brute force: the k allowed rows nearest to `q` by squared L2, nearest first.
std::vector<int32_t> brute_force(const FloatMatrix& base, const float* q, size_t k,
                                 const Filter& filter) {
  std::vector<std::pair<float, int32_t>> all;
  for (size_t i = 0; i < base.rows; ++i) {
    if (!filter.allows(i))
      continue;
    float d = 0;
    for (size_t j = 0; j < base.dim; ++j) {
      float t = base.row(i)[j] - q[j];
      d += t * t;
    }
    all.emplace_back(d, static_cast<int32_t>(i));
  }
  std::sort(all.begin(), all.end());
  std::vector<int32_t> out;
  for (size_t i = 0; i < k; ++i)
    out.push_back(i < all.size() ? all[i].second : -1);
  return out;
}

TEST(FilterOptionTest, FilteredGroundTruthIsBruteForceOverAllowedIds) {
  FloatMatrix base{vecdex::testing::random_floats(2000, 12, 5), 2000, 12};
  FloatMatrix queries{vecdex::testing::random_floats(20, 12, 6), 20, 12};
  for (double fraction : {0.004, 0.05, 1.0}) {  // 8 allowed (fewer than k), 100, all
    Result<Filter> f = make_fraction_filter(base.rows, fraction, 11);
    VECDEX_ASSERT_OK(f.status());
    Result<IdMatrix> gt = filtered_exact_neighbours(base, queries, 10, Metric::kL2, *f, 1);
    VECDEX_ASSERT_OK(gt.status());
    ASSERT_EQ(gt->rows, 20u);
    ASSERT_EQ(gt->cols, 10u);
    for (size_t q = 0; q < queries.rows; ++q) {
      std::vector<int32_t> want = brute_force(base, queries.row(q), 10, *f);
      std::vector<int32_t> got(gt->row(q), gt->row(q) + 10);
      EXPECT_EQ(got, want) << "fraction " << fraction << " query " << q;
    }
  }
}

TEST(FilterOptionTest, FilteredGroundTruthRejectsDimensionMismatch) {
  FloatMatrix base{vecdex::testing::random_floats(10, 4, 1), 10, 4};
  FloatMatrix queries{vecdex::testing::random_floats(2, 5, 2), 2, 5};
  Result<Filter> f = make_fraction_filter(base.rows, 0.5, 1);
  VECDEX_ASSERT_OK(f.status());
  EXPECT_THAT(filtered_exact_neighbours(base, queries, 3, Metric::kL2, *f, 1).status(),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim")));
}

}  // namespace
}  // namespace vecdex::cli
