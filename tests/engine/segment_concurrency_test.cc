// SegmentSet under concurrent writers, searchers and background seals/compactions: every search
// succeeds, sees each point at most once, never returns a point removed before it started, and
// the final state reaches high recall. Also meant to run under TSan.
#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "engine/segment_fixture.h"

namespace vecdex::engine {
namespace {

using namespace vecdex::engine::testing;

constexpr size_t kDim = 8;

TEST(SegmentConcurrencyTest, SearchesRunDuringAddsRemovesSealsAndCompactions) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = small_options(dir.path(), kDim, Metric::kL2, "HNSW16");
  o.segment_max_points = 100;
  o.compaction_min_points = 250;  // merges happen while searches run
  o.background_threads = 1;
  auto opened = open_and_readd(o, storage);
  ASSERT_THAT(opened, IsOk());
  SegmentSet& set = **opened;

  constexpr size_t kBatch = 20;
  constexpr size_t kBatches = 60;
  // Pids divisible by 10 are removed once their batch is followed by another; `removed_below`
  // publishes how far that has gone.
  std::atomic<Pid> removed_below{0};
  std::atomic<bool> done{false};
  std::atomic<size_t> searches{0};
  std::atomic<size_t> failures{0};

  std::thread writer([&] {
    for (size_t b = 0; b < kBatches; ++b) {
      if (!add_random(set, storage, b * kBatch, kBatch, kDim, b + 1).ok()) ++failures;
      if (b == 0) continue;
      std::vector<Pid> gone;
      for (Pid p = (b - 1) * kBatch; p < b * kBatch; p += 10) gone.push_back(p);
      set.remove(gone);
      storage.erase(gone);
      removed_below.store(b * kBatch);
    }
    done.store(true);
  });
  auto searcher = [&](uint64_t seed) {
    std::vector<float> q = vecdex::testing::random_floats(4, kDim, seed);
    while (!done.load()) {
      Pid limit = removed_below.load();
      Result<SearchResults> got = set.search(MatrixView{q.data(), 4, kDim}, 10, {}, nullptr);
      if (!got.ok()) {
        ++failures;
        continue;
      }
      for (size_t r = 0; r < got->n; ++r) {
        std::set<Id> row;
        for (size_t j = 0; j < got->k; ++j) {
          Id id = got->ids_row(r)[j];
          if (id == kNoId) continue;
          if (!row.insert(id).second) ++failures;         // seen in two segments
          if (id % 10 == 0 && id < limit) ++failures;     // removed before the search began
        }
      }
      ++searches;
    }
  };
  std::thread s1(searcher, 101);
  std::thread s2(searcher, 202);
  writer.join();
  s1.join();
  s2.join();
  EXPECT_EQ(failures.load(), 0u);
  EXPECT_GT(searches.load(), 0u);
  VECDEX_ASSERT_OK(set.wait_idle());

  std::vector<float> queries = vecdex::testing::random_floats(20, kDim, 303);
  Result<SearchResults> got = set.search(MatrixView{queries.data(), 20, kDim}, 10, {}, nullptr);
  ASSERT_THAT(got, IsOk());
  EXPECT_GE(recall_at_k(storage, *got, queries, kDim, Metric::kL2), 0.9);
  size_t live = 0;
  for (const SegmentInfo& s : set.info()) live += s.points;
  EXPECT_EQ(live, storage.all().size());
}

}  // namespace
}  // namespace vecdex::engine
