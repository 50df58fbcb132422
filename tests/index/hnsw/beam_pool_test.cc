// BeamPool (the merged candidate / result list of the HNSW walk) and the walk's prefetch
// lookahead: ordering, ties, overflow, expansion order.
#include <gtest/gtest.h>

#include <vector>

#include "index/hnsw/search.h"

namespace vecdex::hnsw {
namespace {

std::vector<Slot> slots_of(const BeamPool& pool) {
  std::vector<Slot> out;
  for (size_t i = 0; i < pool.size(); ++i) out.push_back(pool.slot(i));
  return out;
}

TEST(BeamPoolTest, KeepsEntriesAscendingAndTiesInInsertionOrder) {
  BeamPool pool;
  pool.reset(8);
  pool.insert(3.0f, 30);
  pool.insert(1.0f, 10);
  pool.insert(2.0f, 20);
  pool.insert(2.0f, 21);  // tie: after the earlier 2.0
  pool.insert(0.5f, 5);
  EXPECT_EQ(slots_of(pool), (std::vector<Slot>{5, 10, 20, 21, 30}));
  EXPECT_FALSE(pool.full());
  EXPECT_TRUE(pool.accepts(100.0f));
}

TEST(BeamPoolTest, DropsTheWorstWhenFull) {
  BeamPool pool;
  pool.reset(3);
  pool.insert(1.0f, 1);
  pool.insert(2.0f, 2);
  pool.insert(3.0f, 3);
  ASSERT_TRUE(pool.full());
  EXPECT_FALSE(pool.accepts(3.0f));  // equal to the worst kept: rejected
  EXPECT_TRUE(pool.accepts(2.5f));
  pool.insert(2.5f, 25);
  EXPECT_EQ(slots_of(pool), (std::vector<Slot>{1, 2, 25}));
  pool.insert(0.0f, 0);
  EXPECT_EQ(slots_of(pool), (std::vector<Slot>{0, 1, 2}));
  EXPECT_FLOAT_EQ(pool.dist(2), 2.0f);
}

TEST(BeamPoolTest, ExpandsBestUnexpandedFirstIncludingLaterBetterEntries) {
  BeamPool pool;
  pool.reset(4);
  pool.insert(2.0f, 2);
  pool.insert(4.0f, 4);
  ASSERT_TRUE(pool.has_next());
  EXPECT_EQ(pool.pop_next(), 2u);
  pool.insert(1.0f, 1);  // better than the expanded entry: expanded next
  pool.insert(3.0f, 3);
  EXPECT_EQ(pool.pop_next(), 1u);
  EXPECT_EQ(pool.pop_next(), 3u);
  EXPECT_EQ(pool.pop_next(), 4u);
  EXPECT_FALSE(pool.has_next());
  // Expanded flags do not leak into slot().
  EXPECT_EQ(slots_of(pool), (std::vector<Slot>{1, 2, 3, 4}));
}

TEST(BeamPoolTest, ResetEmptiesAndChangesCapacity) {
  BeamPool pool;
  pool.reset(2);
  pool.insert(1.0f, 1);
  pool.insert(2.0f, 2);
  pool.reset(5);
  EXPECT_EQ(pool.size(), 0u);
  EXPECT_FALSE(pool.has_next());
  for (Slot s = 0; s < 5; ++s) pool.insert(float(5 - s), s);
  EXPECT_EQ(slots_of(pool), (std::vector<Slot>{4, 3, 2, 1, 0}));
}

TEST(SearchLookaheadTest, KeepsAboutTwoKibInFlightWithinOneToThree) {
  EXPECT_EQ(lookahead(784 * 4), 1u);  // f32, 784-d
  EXPECT_EQ(lookahead(784), 2u);      // SQ8, 784-d
  EXPECT_EQ(lookahead(128), 3u);      // short codes: capped
  EXPECT_EQ(lookahead(0), 3u);
  EXPECT_EQ(lookahead(1 << 20), 1u);
}

}  // namespace
}  // namespace vecdex::hnsw
