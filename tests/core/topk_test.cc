// TopK: keeps the k smallest, sorted ascending, ties by smaller id, independent of push order.
#include "core/topk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <random>
#include <utility>
#include <vector>

namespace vecdex {
namespace {

std::vector<std::pair<float, uint32_t>> extract(TopK<uint32_t>& heap) {
  std::vector<float> d(heap.k());
  std::vector<uint32_t> ids(heap.k());
  size_t n = heap.extract_sorted(d.data(), ids.data());
  std::vector<std::pair<float, uint32_t>> out;
  for (size_t i = 0; i < n; ++i) out.emplace_back(d[i], ids[i]);
  return out;
}

TEST(TopKTest, KeepsSmallestSortedAscending) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(0, 1);
  std::vector<std::pair<float, uint32_t>> all;
  TopK<uint32_t> heap(10);
  for (uint32_t i = 0; i < 1000; ++i) {
    float d = dist(rng);
    all.emplace_back(d, i);
    heap.push(d, i);
  }
  std::sort(all.begin(), all.end());
  all.resize(10);
  EXPECT_EQ(extract(heap), all);
}

TEST(TopKTest, FewerThanKReturnsAllAndThresholdStaysInfinite) {
  TopK<uint32_t> heap(5);
  heap.push(3.0f, 1);
  heap.push(1.0f, 2);
  EXPECT_EQ(heap.threshold(), std::numeric_limits<float>::infinity());
  auto got = extract(heap);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0], std::make_pair(1.0f, 2u));
  EXPECT_EQ(got[1], std::make_pair(3.0f, 1u));
}

TEST(TopKTest, ThresholdIsWorstKeptOnceFull) {
  TopK<uint32_t> heap(2);
  heap.push(5.0f, 0);
  heap.push(2.0f, 1);
  EXPECT_EQ(heap.threshold(), 5.0f);
  heap.push(1.0f, 2);
  EXPECT_EQ(heap.threshold(), 2.0f);
  heap.push(9.0f, 3);  // rejected
  EXPECT_EQ(heap.threshold(), 2.0f);
}

TEST(TopKTest, TiesBreakBySmallerIdWhateverThePushOrder) {
  for (int order = 0; order < 2; ++order) {
    TopK<uint32_t> heap(3);
    std::vector<uint32_t> ids = {9, 4, 7, 1, 3};
    if (order == 1) std::reverse(ids.begin(), ids.end());
    for (uint32_t id : ids) heap.push(1.0f, id);
    auto got = extract(heap);
    ASSERT_EQ(got.size(), 3u);
    EXPECT_EQ(got[0].second, 1u);
    EXPECT_EQ(got[1].second, 3u);
    EXPECT_EQ(got[2].second, 4u);
  }
}

TEST(TopKTest, ResetReusesStorageForANewK) {
  TopK<uint32_t> heap(4);
  for (uint32_t i = 0; i < 10; ++i) heap.push(static_cast<float>(i), i);
  heap.reset(2);
  heap.push(8.0f, 8);
  heap.push(7.0f, 7);
  heap.push(9.0f, 9);
  auto got = extract(heap);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0].second, 7u);
  EXPECT_EQ(got[1].second, 8u);
}

TEST(TopKTest, ZeroKKeepsNothing) {
  TopK<uint32_t> heap(0);
  heap.push(1.0f, 1);
  EXPECT_EQ(heap.size(), 0u);
  EXPECT_LT(heap.threshold(), 0.0f);
}

}  // namespace
}  // namespace vecdex
