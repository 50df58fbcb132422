// HNSW updates: removed ids never come back, churn keeps recall, slots are reused, and searches
// run concurrently with adds and removes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <random>
#include <thread>

#include "index/hnsw/hnsw_test_util.h"
#include "vecdex/filter.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace vecdex {
namespace {

using testing::HnswData;

TEST(HnswUpdateTest, RemovedIdsAreNeverReturned) {
  HnswData d = testing::clustered(3000, 50, 16);
  auto index = testing::build("HNSW16,efc=64", d, 0);
  ASSERT_NE(index, nullptr);
  std::vector<Id> gone;
  for (size_t i = 0; i < d.ids.size(); i += 3) gone.push_back(d.ids[i]);
  auto n = index->remove(gone);
  VECDEX_ASSERT_OK(n);
  EXPECT_EQ(*n, gone.size());
  EXPECT_EQ(index->size(), d.ids.size() - gone.size());
  auto again = index->remove(gone);
  VECDEX_ASSERT_OK(again);
  EXPECT_EQ(*again, 0u);
  std::set<Id> removed(gone.begin(), gone.end());
  // Query with the removed vectors themselves: their own ids would be the nearest.
  auto r = index->search(MatrixView{d.base.data.data(), 300, 16}, 10);
  VECDEX_ASSERT_OK(r);
  for (Id id : r->ids) EXPECT_EQ(removed.count(id), 0u) << id;
  std::vector<Id> live;
  for (Id id : d.ids) {
    if (!removed.count(id)) live.push_back(id);
  }
  std::set<Id> live_set(live.begin(), live.end());
  auto truth = testing::exact_topk(d.base, d.ids, d.queries, 10,
                                   [&](Id id) { return live_set.count(id) != 0; });
  auto rq = index->search(d.queries.view(), 10);
  VECDEX_ASSERT_OK(rq);
  EXPECT_GE(testing::recall(*rq, truth), 0.95);
}

TEST(HnswUpdateTest, RemovingEverythingThenAddingWorks) {
  HnswData d = testing::clustered(500, 5, 8);
  auto index = testing::build("HNSW8,efc=32", d, 0);
  ASSERT_NE(index, nullptr);
  VECDEX_ASSERT_OK(index->remove(d.ids));
  EXPECT_EQ(index->size(), 0u);
  auto r = index->search(d.queries.view(), 3);
  VECDEX_ASSERT_OK(r);
  for (Id id : r->ids) EXPECT_EQ(id, kNoId);
  VECDEX_ASSERT_OK(index->add(d.ids, d.base.view()));
  EXPECT_EQ(index->size(), 500u);
  auto r2 = index->search(MatrixView{d.base.data.data(), 1, 8}, 1);
  VECDEX_ASSERT_OK(r2);
  EXPECT_EQ(r2->ids[0], d.ids[0]);
}

// Three rounds of deleting 20% and inserting as many fresh points: recall at a fixed ef stays
// close to a fresh build over the final set.
TEST(HnswUpdateTest, ChurnKeepsRecallCloseToFreshBuild) {
  const size_t n = 6000, dim = 24;
  HnswData pool = testing::clustered(n * 2, 100, dim, 9);  // rows [n, 2n) feed the inserts
  std::vector<Id> all_ids = pool.ids;
  HnswData start;
  start.base = FloatMatrix{std::vector<float>(pool.base.data.begin(),
                                              pool.base.data.begin() + n * dim), n, dim};
  start.ids.assign(all_ids.begin(), all_ids.begin() + n);
  auto index = testing::build("HNSW16,efc=100", start, 0);
  ASSERT_NE(index, nullptr);
  std::vector<size_t> live_rows(n);
  for (size_t i = 0; i < n; ++i) live_rows[i] = i;
  size_t next = n;
  std::mt19937_64 rng(3);
  for (int round = 0; round < 3; ++round) {
    std::shuffle(live_rows.begin(), live_rows.end(), rng);
    const size_t churn = n / 5;
    std::vector<Id> gone;
    for (size_t i = 0; i < churn; ++i) gone.push_back(all_ids[live_rows[i]]);
    VECDEX_ASSERT_OK(index->remove(gone));
    std::vector<Id> fresh;
    for (size_t i = 0; i < churn; ++i) {
      live_rows[i] = next + i;
      fresh.push_back(all_ids[next + i]);
    }
    VECDEX_ASSERT_OK(index->add(fresh, MatrixView{pool.base.row(next), churn, dim}));
    next += churn;
  }
  EXPECT_EQ(index->size(), n);
  // The final set, rebuilt from scratch.
  std::sort(live_rows.begin(), live_rows.end());
  HnswData final_set;
  final_set.base.rows = n;
  final_set.base.dim = dim;
  for (size_t r : live_rows) {
    final_set.base.data.insert(final_set.base.data.end(), pool.base.row(r), pool.base.row(r) + dim);
    final_set.ids.push_back(all_ids[r]);
  }
  auto fresh_index = testing::build("HNSW16,efc=100", final_set, 0);
  ASSERT_NE(fresh_index, nullptr);
  auto truth = testing::exact_topk(final_set.base, final_set.ids, pool.queries, 10);
  SearchParams p;
  p.ef = 32;
  auto churned = index->search(pool.queries.view(), 10, p);
  auto fresh = fresh_index->search(pool.queries.view(), 10, p);
  VECDEX_ASSERT_OK(churned);
  VECDEX_ASSERT_OK(fresh);
  double rc = testing::recall(*churned, truth), rf = testing::recall(*fresh, truth);
  EXPECT_GE(rc, rf - 0.02) << "churned " << rc << " fresh " << rf;
  // Freed slots were reused: no growth beyond the peak.
  for (auto& [k, v] : index->stats().extra) {
    if (k == "free_slots") {
      EXPECT_EQ(v, "0");
    }
  }
}

// Searches in several threads while another thread adds and removes. Run under ASan (and TSan
// when built with -DVECDEX_SANITIZE=thread): no crash, no race, results only hold ids that
// were live at some point during the search.
TEST(HnswUpdateTest, SearchesRunConcurrentlyWithAddsAndRemoves) {
  const size_t dim = 16;
  HnswData d = testing::clustered(6000, 64, dim, 11);
  HnswData first;
  first.base = FloatMatrix{std::vector<float>(d.base.data.begin(),
                                              d.base.data.begin() + 2000 * dim), 2000, dim};
  first.ids.assign(d.ids.begin(), d.ids.begin() + 2000);
  auto index = testing::build("HNSW12,efc=40", first, 2);
  ASSERT_NE(index, nullptr);
  std::atomic<bool> stop{false};
  std::atomic<size_t> searches{0};
  std::atomic<bool> bad{false};
  std::set<Id> known(d.ids.begin(), d.ids.end());
  // Every other search is filtered to a few ids: that plan (brute force) reads the id map,
  // which add() and remove() change.
  const Filter few = Filter::from_range(d.ids[0], d.ids[40]);
  auto searcher = [&](int seed) {
    std::mt19937_64 rng(seed);
    while (!stop.load()) {
      size_t q = rng() % 60;
      SearchParams p;
      p.threads = 1;
      const Filter* filter = rng() % 2 == 0 ? &few : nullptr;
      auto r = index->search(MatrixView{d.queries.row(q), 4, dim}, 10, p, filter);
      if (!r.ok()) {
        bad = true;
        return;
      }
      for (Id id : r->ids) {
        if (id != kNoId && known.count(id) == 0) bad = true;
      }
      searches.fetch_add(1);
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) threads.emplace_back(searcher, t);
  size_t next = 2000;
  std::deque<Id> live(first.ids.begin(), first.ids.end());
  for (int round = 0; round < 8; ++round) {
    const size_t add = 400;
    std::vector<Id> ids(d.ids.begin() + next, d.ids.begin() + next + add);
    ASSERT_THAT(index->add(ids, MatrixView{d.base.row(next), add, dim}, BuildOptions{2}), IsOk());
    live.insert(live.end(), ids.begin(), ids.end());
    next += add;
    std::vector<Id> gone(live.begin(), live.begin() + 300);
    live.erase(live.begin(), live.begin() + 300);
    auto n = index->remove(gone);
    ASSERT_THAT(n, IsOk());
    EXPECT_EQ(*n, 300u);
  }
  while (searches.load() < 50) std::this_thread::yield();
  stop = true;
  for (auto& t : threads) t.join();
  EXPECT_FALSE(bad.load());
  EXPECT_EQ(index->size(), live.size());
  // Removed ids are gone for good once remove() returned.
  std::set<Id> live_set(live.begin(), live.end());
  auto r = index->search(d.queries.view(), 10);
  VECDEX_ASSERT_OK(r);
  for (Id id : r->ids) EXPECT_TRUE(id == kNoId || live_set.count(id)) << id;
}

}  // namespace
}  // namespace vecdex

namespace vecdex {
namespace {

std::string stat(const Index& index, const std::string& key) {
  for (auto& [k, v] : index.stats().extra) {
    if (k == key) return v;
  }
  return "";
}

// Removals gather as tombstones (searches skip them as results) and one repair scan serves a
// whole batch; only repaired slots are reused, also after a save / load round trip.
TEST(HnswUpdateTest, RemovalsAreRepairedInBatchesAndOnlyRepairedSlotsAreReused) {
  HnswData d = testing::clustered(2000, 20, 16, 5);
  auto index = testing::build("HNSW16,efc=64", d, 0);
  ASSERT_NE(index, nullptr);
  // Fewer than a batch (128): tombstones, nothing freed yet, and never returned.
  std::vector<Id> few(d.ids.begin(), d.ids.begin() + 50);
  VECDEX_ASSERT_OK(index->remove(few));
  EXPECT_EQ(stat(*index, "unrepaired_slots"), "50");
  EXPECT_EQ(stat(*index, "free_slots"), "0");
  std::set<Id> gone(few.begin(), few.end());
  auto r = index->search(MatrixView{d.base.data.data(), 50, 16}, 10);
  VECDEX_ASSERT_OK(r);
  for (Id id : r->ids) EXPECT_EQ(gone.count(id), 0u) << id;

  // Saved with tombstones and loaded again: they stay unrepaired (a file's lists may point at
  // them), so an add appends new slots instead of reusing them.
  testing::TempDir dir;
  VECDEX_ASSERT_OK(index->save(dir.file("t.vdx")));
  auto loaded = load_index(dir.file("t.vdx"));
  VECDEX_ASSERT_OK(loaded);
  Index& li = **loaded;
  EXPECT_EQ(stat(li, "unrepaired_slots"), "50");
  VECDEX_ASSERT_OK(li.add(few, MatrixView{d.base.data.data(), 50, 16}));
  EXPECT_EQ(stat(li, "unrepaired_slots"), "50");
  EXPECT_EQ(li.size(), d.ids.size());

  // Crossing the batch size repairs every tombstone in one scan and frees their slots.
  std::vector<Id> more(d.ids.begin() + 50, d.ids.begin() + 200);
  VECDEX_ASSERT_OK(li.remove(more));
  EXPECT_EQ(stat(li, "unrepaired_slots"), "0");
  EXPECT_EQ(stat(li, "free_slots"), "200");
  VECDEX_ASSERT_OK(li.add(more, MatrixView{d.base.row(50), 150, 16}));
  EXPECT_EQ(stat(li, "free_slots"), "50");
  auto truth = testing::exact_topk(d.base, d.ids, d.queries, 10);
  auto rq = li.search(d.queries.view(), 10);
  VECDEX_ASSERT_OK(rq);
  EXPECT_GE(testing::recall(*rq, truth), 0.95);
}

}  // namespace
}  // namespace vecdex
