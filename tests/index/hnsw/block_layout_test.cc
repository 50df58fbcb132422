// BlockLayout: level-0 blocks are padded to cache lines only when the padding is cheap.
#include <gtest/gtest.h>

#include "index/hnsw/graph.h"

namespace vecdex::hnsw {
namespace {

TEST(BlockLayoutTest, PadsToCacheLinesWhenCheap) {
  // 784-d f32, M0 32: 3136 + 132 = 3268 bytes -> 3328 (60 bytes, under 2%).
  BlockLayout l = BlockLayout::make(784 * 4, 32);
  EXPECT_EQ(l.links_offset, 3136u);
  EXPECT_EQ(l.stride, 3328u);
  EXPECT_EQ(l.stride % 64, 0u);
}

TEST(BlockLayoutTest, StaysPackedWhenPaddingIsExpensive) {
  // 128-d f32, M0 32: 512 + 132 = 644 bytes; padding to 704 would waste 9%.
  BlockLayout l = BlockLayout::make(128 * 4, 32);
  EXPECT_EQ(l.stride, 644u);
  // Odd code sizes still give 4-byte aligned link words.
  BlockLayout odd = BlockLayout::make(13, 8);
  EXPECT_EQ(odd.links_offset, 16u);
  EXPECT_EQ(odd.stride % 4, 0u);
  EXPECT_GE(odd.stride, 16u + 4 * 9);
}

}  // namespace
}  // namespace vecdex::hnsw
