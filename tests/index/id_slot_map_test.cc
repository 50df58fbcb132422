// IdSlotMap against a std::unordered_map oracle: dense, sparse, huge and mixed ids, erase and
// re-insert, overwrite, growth (including sparse entries moving into the dense window), reserve
// (exact sizing, a window based at a run of large ids), and that memory_bytes() reflects the
// layout.
#include "index/id_slot_map.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <unordered_map>
#include <vector>

#include "testing/status_matchers.h"

namespace vecdex {
namespace {

constexpr Slot kAbsent = IdSlotMap::kAbsent;

// Every oracle entry is found with its slot, the sizes agree, and `probes` absent ids miss.
void ExpectMatches(const IdSlotMap& map, const std::unordered_map<Id, Slot>& oracle,
                   const std::vector<Id>& probes = {}) {
  ASSERT_EQ(map.size(), oracle.size());
  for (const auto& [id, slot] : oracle) {
    ASSERT_EQ(map.find(id), slot) << "id " << id;
    ASSERT_TRUE(map.contains(id)) << "id " << id;
  }
  for (Id id : probes) {
    if (oracle.count(id) == 0) {
      EXPECT_EQ(map.find(id), kAbsent) << "id " << id;
      EXPECT_FALSE(map.contains(id)) << "id " << id;
    }
  }
}

TEST(IdSlotMapTest, EmptyMapFindsNothing) {
  IdSlotMap map;
  EXPECT_TRUE(map.empty());
  EXPECT_EQ(map.size(), 0u);
  EXPECT_EQ(map.find(0), kAbsent);
  EXPECT_EQ(map.find(kNoId), kAbsent);
  EXPECT_FALSE(map.erase(7));
  EXPECT_EQ(map.memory_bytes(), 0u);
}

TEST(IdSlotMapTest, DenseIdsLiveInTheArray) {
  IdSlotMap map;
  const size_t n = 100000;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(map.insert(i, static_cast<Slot>(n - 1 - i)));
  }
  EXPECT_EQ(map.size(), n);
  EXPECT_EQ(map.sparse_count(), 0u);
  EXPECT_GE(map.dense_length(), n);
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(map.find(i), n - 1 - i);
  EXPECT_EQ(map.find(n), kAbsent);
  EXPECT_EQ(map.find(Id{1} << 40), kAbsent);
}

TEST(IdSlotMapTest, DuplicateInsertIsRefusedAndKeepsTheFirstSlot) {
  IdSlotMap map;
  const Id huge = Id{1} << 63;
  ASSERT_TRUE(map.insert(5, 1));
  ASSERT_TRUE(map.insert(huge, 2));
  EXPECT_FALSE(map.insert(5, 9));
  EXPECT_FALSE(map.insert(huge, 9));
  EXPECT_EQ(map.find(5), 1u);
  EXPECT_EQ(map.find(huge), 2u);
  EXPECT_EQ(map.size(), 2u);
}

TEST(IdSlotMapTest, HugeIdsGoToTheHashMap) {
  IdSlotMap map;
  const std::vector<Id> ids = {Id{1} << 63, (Id{1} << 63) + 1, kNoId - 1, Id{1} << 32,
                               (Id{1} << 32) - 1, 1'000'000'007};
  std::unordered_map<Id, Slot> oracle;
  for (size_t i = 0; i < ids.size(); ++i) {
    ASSERT_TRUE(map.insert(ids[i], static_cast<Slot>(i)));
    oracle[ids[i]] = static_cast<Slot>(i);
  }
  ExpectMatches(map, oracle, {0, 1, (Id{1} << 63) - 1, kNoId, Id{1} << 62});
  EXPECT_EQ(map.sparse_count(), ids.size());
  EXPECT_EQ(map.dense_length(), 0u);  // none of them may grow the array
}

TEST(IdSlotMapTest, EraseThenReinsert) {
  IdSlotMap map;
  const Id huge = Id{1} << 63;
  for (Id id : {Id{0}, Id{1}, Id{2}, huge}) ASSERT_TRUE(map.insert(id, static_cast<Slot>(id & 7)));
  EXPECT_TRUE(map.erase(1));
  EXPECT_FALSE(map.erase(1));
  EXPECT_TRUE(map.erase(huge));
  EXPECT_FALSE(map.erase(huge));
  EXPECT_EQ(map.size(), 2u);
  EXPECT_EQ(map.find(1), kAbsent);
  EXPECT_EQ(map.find(huge), kAbsent);
  EXPECT_TRUE(map.insert(1, 42));
  EXPECT_TRUE(map.insert(huge, 43));
  EXPECT_EQ(map.find(1), 42u);
  EXPECT_EQ(map.find(huge), 43u);
  EXPECT_EQ(map.size(), 4u);
}

TEST(IdSlotMapTest, AssignOverwritesDenseAndSparseEntries) {
  IdSlotMap map;
  const Id huge = (Id{1} << 63) + 12345;
  ASSERT_TRUE(map.insert(3, 0));
  ASSERT_TRUE(map.insert(huge, 1));
  map.assign(3, 7);
  map.assign(huge, 8);
  EXPECT_EQ(map.find(3), 7u);
  EXPECT_EQ(map.find(huge), 8u);
  EXPECT_EQ(map.size(), 2u);
}

TEST(IdSlotMapTest, GrowthMovesCoveredSparseIdsIntoTheArray) {
  IdSlotMap map;
  // Descending ids: the first ones are too large for the array and land in the hash map; as
  // the map fills, the array grows over them and takes them in.
  const size_t n = 50000;
  std::unordered_map<Id, Slot> oracle;
  size_t most_sparse = 0;
  for (size_t i = 0; i < n; ++i) {
    const Id id = n - 1 - i;
    ASSERT_TRUE(map.insert(id, static_cast<Slot>(i)));
    oracle[id] = static_cast<Slot>(i);
    most_sparse = std::max(most_sparse, map.sparse_count());
  }
  EXPECT_GT(most_sparse, 0u);
  EXPECT_EQ(map.sparse_count(), 0u);
  ExpectMatches(map, oracle, {n, n + 1, Id{1} << 40});
}

TEST(IdSlotMapTest, ArrayStaysWithinTwiceTheEntriesPlusSlack) {
  IdSlotMap map;
  // Ascending ids with gaps of 3: denser than 1/2 only while the slack lasts, so the first
  // ones go to the array and the rest, beyond 2 * entries + slack, to the hash map; the array
  // must never outgrow twice that bound.
  const size_t n = 30000;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(map.insert(3 * i, static_cast<Slot>(i)));
    ASSERT_LE(map.dense_length(), 4 * map.size() + 2 * IdSlotMap::kDenseSlack);
  }
  size_t beyond = 0;
  for (size_t i = 0; i < n; ++i) beyond += 3 * i >= map.dense_length() ? 1 : 0;
  EXPECT_GT(beyond, 0u);
  EXPECT_EQ(map.sparse_count(), beyond);
  for (size_t i = 0; i < n; ++i) ASSERT_EQ(map.find(3 * i), i);
  EXPECT_EQ(map.find(1), kAbsent);
}

TEST(IdSlotMapTest, HalfDenseIdsStayInTheArray) {
  IdSlotMap map;
  // Even ids only: each is below 2 * entries + slack when it arrives, so none reaches the hash
  // map, and the array stays within 16 bytes per entry.
  const size_t n = 100000;
  for (size_t i = 0; i < n; ++i) ASSERT_TRUE(map.insert(2 * i, static_cast<Slot>(i)));
  EXPECT_EQ(map.sparse_count(), 0u);
  EXPECT_LE(map.memory_bytes(), 16 * n + 2 * IdSlotMap::kDenseSlack * sizeof(Slot));
  for (size_t i = 0; i < n; ++i) {
    ASSERT_EQ(map.find(2 * i), i);
    ASSERT_EQ(map.find(2 * i + 1), kAbsent);
  }
}

TEST(IdSlotMapTest, RandomMixedOperationsMatchAnUnorderedMap) {
  std::mt19937_64 rng(7);
  IdSlotMap map;
  std::unordered_map<Id, Slot> oracle;
  std::vector<Id> probes;
  // Half small ids (dense range), a quarter mid-range, a quarter anywhere in 64 bits.
  auto draw = [&]() -> Id {
    const uint64_t r = rng();
    switch (r % 4) {
      case 0:
      case 1: return (r >> 2) % 20000;
      case 2: return 100000 + (r >> 2) % 100000;
      default: return (r >> 2) | (Id{1} << 62);
    }
  };
  for (int step = 0; step < 200000; ++step) {
    const Id id = draw();
    probes.push_back(id);
    switch (rng() % 5) {
      case 0:
      case 1:
      case 2: {
        const Slot slot = static_cast<Slot>(rng() % 1000000);
        const bool inserted = oracle.emplace(id, slot).second;
        ASSERT_EQ(map.insert(id, slot), inserted) << "step " << step;
        break;
      }
      case 3:
        ASSERT_EQ(map.erase(id), oracle.erase(id) != 0) << "step " << step;
        break;
      default:
        if (oracle.count(id) != 0) {
          oracle[id] = static_cast<Slot>(step);
          map.assign(id, static_cast<Slot>(step));
        }
        break;
    }
  }
  ExpectMatches(map, oracle, probes);
}

TEST(IdSlotMapTest, ReserveSizesADenseBatchExactly) {
  IdSlotMap map;
  std::vector<Id> ids(1000000);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = ids.size() - 1 - i;
  ASSERT_THAT(map.reserve(ids), IsOk());
  EXPECT_EQ(map.dense_length(), ids.size());
  EXPECT_TRUE(map.empty());
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_TRUE(map.insert(ids[i], static_cast<Slot>(i)));
  EXPECT_EQ(map.dense_length(), ids.size());  // no growth beyond the reservation
  EXPECT_EQ(map.sparse_count(), 0u);
  // 4 bytes per id, against ~40 for a hash map node plus bucket.
  EXPECT_EQ(map.memory_bytes(), ids.size() * sizeof(Slot));
}

TEST(IdSlotMapTest, ReserveCoversAnOffsetBatchAndSkipsFreeSlots) {
  IdSlotMap map;
  // A batch of ids 5000..9999 is within the bound the map will have after it (2 * 5000 +
  // slack), so it goes dense at once; kNoId (a file's free slot) is not an id to map.
  std::vector<Id> ids;
  for (Id id = 5000; id < 10000; ++id) ids.push_back(id);
  ids.push_back(kNoId);
  ASSERT_THAT(map.reserve(ids), IsOk());
  EXPECT_EQ(map.dense_length(), 10000u);
  for (size_t i = 0; i + 1 < ids.size(); ++i) ASSERT_TRUE(map.insert(ids[i], static_cast<Slot>(i)));
  EXPECT_EQ(map.sparse_count(), 0u);
  EXPECT_EQ(map.find(4999), kAbsent);
  EXPECT_EQ(map.find(7000), 2000u);
}

TEST(IdSlotMapTest, ReserveAfterSparseEntriesMovesThemIn) {
  IdSlotMap map;
  ASSERT_TRUE(map.insert(10000, 1));  // beyond 2 * 1 + slack: sparse for now
  EXPECT_EQ(map.sparse_count(), 1u);
  std::vector<Id> ids;
  for (Id id = 0; id < 20000; ++id) ids.push_back(id);
  ASSERT_THAT(map.reserve(ids), IsOk());
  EXPECT_EQ(map.sparse_count(), 0u);
  EXPECT_EQ(map.find(10000), 1u);
  EXPECT_EQ(map.size(), 1u);
}

TEST(IdSlotMapTest, ReserveOfScatteredHugeIdsOnlyReservesBuckets) {
  IdSlotMap map;
  std::vector<Id> ids;
  for (Id i = 0; i < 1000; ++i) ids.push_back((Id{1} << 63) + i * 977);
  ASSERT_THAT(map.reserve(ids), IsOk());
  EXPECT_EQ(map.dense_length(), 0u);  // mostly far apart: not worth a window
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_TRUE(map.insert(ids[i], static_cast<Slot>(i)));
  EXPECT_EQ(map.sparse_count(), ids.size());
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(map.find(ids[i]), i);
}

TEST(IdSlotMapTest, ARunOfLargeIdsGetsAWindowAtItsStart) {
  // A segment of a collection: pids 500000..599999 (plus one stray huge id), bulk-added.
  IdSlotMap map;
  const Id first = 500000;
  const size_t n = 100000;
  std::vector<Id> ids;
  for (size_t i = 0; i < n; ++i) ids.push_back(first + n - 1 - i);
  ids.push_back(Id{1} << 63);
  ASSERT_THAT(map.reserve(ids), IsOk());
  EXPECT_EQ(map.dense_base(), first);
  EXPECT_EQ(map.dense_length(), n);
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_TRUE(map.insert(ids[i], static_cast<Slot>(i)));
  EXPECT_EQ(map.sparse_count(), 1u);
  EXPECT_EQ(map.dense_length(), n);
  for (size_t i = 0; i < ids.size(); ++i) ASSERT_EQ(map.find(ids[i]), i);
  // Ids below the window (0, first - 1) and just past it are absent, and go to the hash map.
  EXPECT_EQ(map.find(0), kAbsent);
  EXPECT_EQ(map.find(first - 1), kAbsent);
  EXPECT_EQ(map.find(first + n), kAbsent);
  EXPECT_TRUE(map.insert(first - 1, 7));
  EXPECT_TRUE(map.insert(3, 8));
  EXPECT_EQ(map.find(first - 1), 7u);
  EXPECT_EQ(map.find(3), 8u);
  EXPECT_TRUE(map.erase(first + 5));
  EXPECT_FALSE(map.contains(first + 5));
  // Later pids (a mutable segment's next batch) extend the window upwards.
  std::vector<Id> more;
  for (size_t i = 0; i < 1000; ++i) more.push_back(first + n + i);
  ASSERT_THAT(map.reserve(more), IsOk());
  for (size_t i = 0; i < more.size(); ++i) ASSERT_TRUE(map.insert(more[i], static_cast<Slot>(i)));
  EXPECT_EQ(map.sparse_count(), 3u);
  EXPECT_EQ(map.size(), n + 1 + 2 - 1 + 1000);
  EXPECT_EQ(map.find(first + n + 999), 999u);
}

TEST(IdSlotMapTest, MemoryBytesIsSmallForDenseAndRealisticForSparse) {
  const size_t n = 200000;
  IdSlotMap dense;
  IdSlotMap sparse;
  for (size_t i = 0; i < n; ++i) {
    ASSERT_TRUE(dense.insert(i, static_cast<Slot>(i)));
    ASSERT_TRUE(sparse.insert((Id{1} << 40) + i * 7919, static_cast<Slot>(i)));
  }
  // Grown one id at a time: at most ~2x the ids (geometric growth), 4 bytes each.
  EXPECT_GE(dense.memory_bytes(), n * sizeof(Slot));
  EXPECT_LE(dense.memory_bytes(), 2 * n * sizeof(Slot) + IdSlotMap::kDenseSlack * sizeof(Slot));
  // Hash map: a node (>= 24 bytes) and a bucket pointer per entry at least.
  EXPECT_GE(sparse.memory_bytes(), n * (24 + sizeof(void*)));
  EXPECT_LE(sparse.memory_bytes(), n * 128);
}

}  // namespace
}  // namespace vecdex
