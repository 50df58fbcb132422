// VisitedTable (epoch-tagged marks, including the wipe when the 16-bit epoch wraps) and
// ObjectPool (objects are reused, handles give them back once).
#include "core/visited_pool.h"

#include <gtest/gtest.h>

#include <vector>

namespace vecdex {
namespace {

TEST(VisitedTableTest, MarksLastOneQueryAndSurviveGrowth) {
  VisitedTable table;
  table.ensure(10);
  table.next_epoch();
  EXPECT_FALSE(table.test_and_mark(3));
  EXPECT_TRUE(table.test_and_mark(3));
  EXPECT_TRUE(table.visited(3));
  EXPECT_FALSE(table.visited(4));
  table.ensure(1000);  // growing keeps the marks of the current query
  EXPECT_TRUE(table.visited(3));
  EXPECT_FALSE(table.visited(999));
  table.next_epoch();
  EXPECT_FALSE(table.visited(3));
}

TEST(VisitedTableTest, EpochWrapClearsOldMarks) {
  VisitedTable table;
  table.ensure(4);
  table.next_epoch();
  table.mark(1);  // epoch 1
  // 65535 more queries bring the epoch back to 1 after a wrap; the mark of the first query
  // must not read as visited then.
  for (int i = 0; i < 65535; ++i) table.next_epoch();
  EXPECT_FALSE(table.visited(1));
  table.mark(2);
  EXPECT_TRUE(table.visited(2));
}

TEST(ObjectPoolTest, HandsBackAndReusesObjects) {
  ObjectPool<std::vector<int>> pool;
  const std::vector<int>* first = nullptr;
  {
    auto a = pool.acquire();
    ASSERT_TRUE(a);
    a->push_back(7);
    first = &*a;
    auto b = pool.acquire();  // a is taken: a second object
    EXPECT_NE(&*b, first);
  }
  auto again = pool.acquire();
  auto other = pool.acquire();
  // Both objects came back; the pool hands them out again instead of allocating.
  EXPECT_TRUE(&*again == first || &*other == first);
  ObjectPool<std::vector<int>>::Handle moved = std::move(again);
  EXPECT_TRUE(moved);
}

}  // namespace
}  // namespace vecdex
