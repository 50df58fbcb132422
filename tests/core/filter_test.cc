// Filter: membership, count and enumeration for the bitset, roaring and range forms.
#include "vecdex/filter.h"

#include <gtest/gtest.h>

#include <vector>

namespace vecdex {
namespace {

TEST(FilterTest, FromIdsAllowsExactlyThoseIds) {
  std::vector<Id> ids = {5, 1, 1ull << 40, 5, 77};
  Filter f = Filter::from_ids(ids);
  EXPECT_TRUE(f.allows(1));
  EXPECT_TRUE(f.allows(5));
  EXPECT_TRUE(f.allows(77));
  EXPECT_TRUE(f.allows(1ull << 40));
  EXPECT_FALSE(f.allows(0));
  EXPECT_FALSE(f.allows(6));
  EXPECT_EQ(f.count(), 4u);  // duplicates collapse
  EXPECT_EQ(f.to_vector(), (std::vector<Id>{1, 5, 77, 1ull << 40}));
}

TEST(FilterTest, FromBitsetUsesLittleEndianBitOrder) {
  std::vector<uint64_t> words = {0b1010, 1ull << 63};
  Filter f = Filter::from_bitset(words);
  EXPECT_FALSE(f.allows(0));
  EXPECT_TRUE(f.allows(1));
  EXPECT_TRUE(f.allows(3));
  EXPECT_TRUE(f.allows(127));
  EXPECT_FALSE(f.allows(128));  // beyond the words: not allowed
  EXPECT_FALSE(f.allows(~0ull));
  EXPECT_EQ(f.count(), 3u);
  EXPECT_EQ(f.to_vector(), (std::vector<Id>{1, 3, 127}));
}

TEST(FilterTest, FromRangeIsHalfOpen) {
  Filter f = Filter::from_range(10, 13);
  EXPECT_FALSE(f.allows(9));
  EXPECT_TRUE(f.allows(10));
  EXPECT_TRUE(f.allows(12));
  EXPECT_FALSE(f.allows(13));
  EXPECT_EQ(f.count(), 3u);
  EXPECT_EQ(f.to_vector(), (std::vector<Id>{10, 11, 12}));
}

TEST(FilterTest, WideRangeCountsWithoutMaterialising) {
  Filter f = Filter::from_range(0, 1ull << 50);
  EXPECT_EQ(f.count(), 1ull << 50);
  EXPECT_TRUE(f.allows((1ull << 50) - 1));
}

TEST(FilterTest, EmptyFiltersAllowNothing) {
  EXPECT_EQ(Filter::from_ids({}).count(), 0u);
  EXPECT_FALSE(Filter::from_ids({}).allows(0));
  EXPECT_EQ(Filter::from_bitset({}).count(), 0u);
  EXPECT_FALSE(Filter::from_bitset({}).allows(0));
  EXPECT_EQ(Filter::from_range(7, 3).count(), 0u);
}

TEST(FilterTest, MovedFilterKeepsItsSet) {
  Filter a = Filter::from_bitset({0b100});
  Filter b = std::move(a);
  EXPECT_TRUE(b.allows(2));
  Filter c = Filter::from_ids(std::vector<Id>{9});
  c = std::move(b);
  EXPECT_TRUE(c.allows(2));
  EXPECT_FALSE(c.allows(9));
}

TEST(FilterTest, ForEachVisitsAscending) {
  Filter f = Filter::from_ids(std::vector<Id>{30, 10, 20});
  std::vector<Id> seen;
  f.for_each([&](Id id) { seen.push_back(id); });
  EXPECT_EQ(seen, (std::vector<Id>{10, 20, 30}));
}

}  // namespace
}  // namespace vecdex
