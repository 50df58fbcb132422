// NumericColumn and PidSet: ranges against brute force through inserts, removals, re-inserts and
// merges; set algebra across the sparse and dense forms.
#include "engine/payload_numeric_column.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>
#include <random>
#include <vector>

#include "engine/payload_pid_set.h"

namespace vecdex::engine {
namespace {

std::vector<Id> brute_range(const std::map<Pid, int64_t>& keys, const KeyRange<int64_t>& r) {
  std::vector<Id> out;
  if (r.empty) return out;
  for (const auto& [pid, k] : keys) {
    bool above_lo = r.lo_open ? k > r.lo : k >= r.lo;
    bool below_hi = r.hi_open ? k < r.hi : k <= r.hi;
    if (above_lo && below_hi) out.push_back(pid);
  }
  return out;
}

TEST(NumericColumnTest, RangesMatchBruteForceThroughChurnAndMerges) {
  std::mt19937_64 rng(3);
  NumericColumn<int64_t> column;
  std::map<Pid, int64_t> keys;
  PidBitmap members;  // lets wide ranges take the "members minus the rest" path
  const size_t universe_words = (30000 + 63) / 64;
  auto check = [&](int queries) {
    for (int q = 0; q < queries; ++q) {
      KeyRange<int64_t> r;
      r.lo = static_cast<int64_t>(rng() % 220) - 110;
      r.hi = r.lo + static_cast<int64_t>(rng() % 220);
      r.lo_open = (rng() & 1) != 0;
      r.hi_open = (rng() & 1) != 0;
      if (rng() % 10 == 0) r.lo = KeyRange<int64_t>::kLowest;
      std::vector<Id> want = brute_range(keys, r);
      ASSERT_EQ(column.collect(r, universe_words).to_filter().to_vector(), want)
          << "[" << r.lo << ", " << r.hi << "]";
      ASSERT_EQ(column.collect(r, universe_words, &members).to_filter().to_vector(), want)
          << "[" << r.lo << ", " << r.hi << "] with members";
    }
  };
  for (Pid pid = 0; pid < 12000; ++pid) {  // merges at 4097 and later
    int64_t k = static_cast<int64_t>(rng() % 200) - 100;
    column.add(pid, k);
    members.add(pid);
    keys[pid] = k;
  }
  check(50);
  for (Pid pid = 0; pid < 12000; pid += 2) {  // 6000 removals: merges that drop dead entries
    column.remove(pid, keys[pid]);
    members.remove(pid);
    keys.erase(pid);
  }
  EXPECT_EQ(column.size(), keys.size());
  check(50);
  for (Pid pid = 0; pid < 12000; pid += 4) {  // re-insert some removed pids with new keys
    int64_t k = static_cast<int64_t>(rng() % 200) - 100;
    column.add(pid, k);
    members.add(pid);
    keys[pid] = k;
  }
  for (Pid pid = 1; pid < 600; pid += 2) {  // remove a few without triggering a merge
    column.remove(pid, keys[pid]);
    members.remove(pid);
    keys.erase(pid);
  }
  EXPECT_EQ(column.size(), keys.size());
  check(50);
}

// Wide ranges ("members minus the rest") walk only the recent inserts outside the range; a
// pid removed from the merged array and added again with another key must still come out
// right on both sides of the range, and after it is removed once more.
TEST(NumericColumnTest, WideRangesSeeReaddedPidsOnBothSidesOfTheRange) {
  std::mt19937_64 rng(5);
  NumericColumn<int64_t> column;
  std::map<Pid, int64_t> keys;
  PidBitmap members;
  const Pid n = 5000;  // the 4097th insert merges: 4097 array entries, the rest recent
  const size_t universe_words = (n + 63) / 64;
  for (Pid pid = 0; pid < n; ++pid) {
    int64_t k = static_cast<int64_t>(rng() % 100);
    column.add(pid, k);
    members.add(pid);
    keys[pid] = k;
  }
  auto check = [&](const char* when) {
    for (int lo : {-1, 0, 3, 10, 50}) {
      for (int hi : {89, 95, 99, 100}) {
        for (int open = 0; open < 4; ++open) {
          KeyRange<int64_t> r;
          r.lo = lo;
          r.hi = hi;
          r.lo_open = (open & 1) != 0;
          r.hi_open = (open & 2) != 0;
          ASSERT_EQ(column.collect(r, universe_words, &members).to_filter().to_vector(),
                    brute_range(keys, r))
              << when << " [" << lo << ", " << hi << "] open " << open;
        }
      }
    }
  };
  check("after the merge");
  // Array pids re-added with a key on the other side of the ranges (in <-> out).
  std::vector<Pid> readded;
  for (Pid pid = 0; pid < 1000; pid += 7) {
    column.remove(pid, keys[pid]);
    int64_t k = keys[pid] < 50 ? 99 - keys[pid] % 5 : static_cast<int64_t>(keys[pid] % 5);
    column.add(pid, k);
    keys[pid] = k;
    readded.push_back(pid);
  }
  // Recent pids moved too, and some array pids just removed (dead, not re-added).
  for (Pid pid = 4500; pid < n; pid += 5) {
    column.remove(pid, keys[pid]);
    keys[pid] = (keys[pid] + 50) % 100;
    column.add(pid, keys[pid]);
  }
  for (Pid pid = 1001; pid < 2000; pid += 11) {
    column.remove(pid, keys[pid]);
    members.remove(pid);
    keys.erase(pid);
  }
  check("after re-adds");
  // The re-added pids go again (from the recent part): nothing of them may remain.
  for (Pid pid : readded) {
    column.remove(pid, keys[pid]);
    members.remove(pid);
    keys.erase(pid);
  }
  EXPECT_EQ(column.size(), keys.size());
  check("after removing the re-added pids");
}

TEST(CountBitsTest, AgreesWithAPlainCount) {
  std::mt19937_64 rng(9);
  std::vector<uint64_t> words(1000);
  for (uint64_t& w : words) w = rng() & rng();
  words[3] = 0;
  words[4] = ~uint64_t{0};
  for (size_t n : {size_t{0}, size_t{1}, size_t{5}, size_t{1000}}) {
    uint64_t want = 0;
    for (size_t i = 0; i < n; ++i) {
      for (uint64_t w = words[i]; w != 0; w &= w - 1) ++want;
    }
    EXPECT_EQ(count_bits(words.data(), n), want) << n;
  }
}

TEST(NumericColumnTest, DoubleRangesWithInfiniteDefaultsIncludeInfiniteKeys) {
  NumericColumn<double> column;
  column.add(1, -std::numeric_limits<double>::infinity());
  column.add(2, 0.5);
  column.add(3, std::numeric_limits<double>::infinity());
  KeyRange<double> all;
  EXPECT_EQ(column.collect(all, 1).to_filter().count(), 3u);
  KeyRange<double> open;
  open.lo = 0.5;
  open.lo_open = true;
  EXPECT_EQ(column.collect(open, 1).to_filter().to_vector(), std::vector<Id>{3});
}

PidSet make(const std::vector<Pid>& pids, bool dense, size_t universe_words) {
  if (!dense) {
    PidBitmap bits;
    bits.add_sorted(pids);
    return PidSet::sparse(std::move(bits), universe_words);
  }
  PidSet s = PidSet::empty_dense(universe_words);
  for (Pid p : pids) s.set(p);
  return s;
}

TEST(PidSetTest, AlgebraAgreesAcrossSparseAndDenseForms) {
  const std::vector<Pid> a = {0, 1, 5, 64, 65, 130, 199};
  const std::vector<Pid> b = {1, 2, 64, 128, 130, 190};
  const std::vector<Id> both = {1, 64, 130};
  const std::vector<Id> either = {0, 1, 2, 5, 64, 65, 128, 130, 190, 199};
  const std::vector<Id> a_only = {0, 5, 65, 199};
  for (int mode = 0; mode < 4; ++mode) {
    bool da = (mode & 1) != 0;
    bool db = (mode & 2) != 0;
    PidSet i = make(a, da, 4);
    i.intersect(make(b, db, 4));
    EXPECT_EQ(std::move(i).to_filter().to_vector(), both) << mode;
    PidSet u = make(a, da, 4);
    u.unite(make(b, db, 4));
    EXPECT_EQ(u.count(), either.size());
    EXPECT_TRUE(u.contains(190));
    EXPECT_FALSE(u.contains(3));
    EXPECT_EQ(std::move(u).to_filter().to_vector(), either) << mode;
    PidSet d = make(a, da, 4);
    d.subtract(make(b, db, 4));
    EXPECT_EQ(std::move(d).to_filter().to_vector(), a_only) << mode;
    PidSet f = make(a, da, 4);
    std::vector<Id> allowed = {5, 65, 77};
    f.intersect(Filter::from_ids(allowed));
    EXPECT_EQ(std::move(f).to_filter().to_vector(), (std::vector<Id>{5, 65})) << mode;
  }
}

TEST(PidBitmapTest, OperationsAcrossThe32BitChunks) {
  const Pid hi = uint64_t{1} << 32;
  PidBitmap a;
  a.add_sorted(std::vector<Pid>{1, 2, hi - 1, hi, hi + 5, 3 * hi});
  EXPECT_EQ(a.count(), 6u);
  EXPECT_TRUE(a.contains(hi + 5));
  EXPECT_FALSE(a.contains(hi + 4));
  EXPECT_TRUE(a.remove(3 * hi));
  EXPECT_FALSE(a.remove(3 * hi));
  EXPECT_EQ(a.to_vector(), (std::vector<Pid>{1, 2, hi - 1, hi, hi + 5}));
  PidBitmap b;
  b.add(2);
  b.add(hi + 5);
  b.add(7 * hi);
  PidBitmap i = a;
  i &= b;
  EXPECT_EQ(i.to_vector(), (std::vector<Pid>{2, hi + 5}));
  PidBitmap u = a;
  u |= b;
  EXPECT_EQ(u.count(), 6u);
  PidBitmap d = a;
  d -= b;
  EXPECT_EQ(d.to_vector(), (std::vector<Pid>{1, hi - 1, hi}));
  d -= a;
  EXPECT_TRUE(d.empty());
  PidBitmap none;
  none &= a;
  EXPECT_TRUE(none.empty());
}

TEST(PidBitmapTest, SetAndClearBitsAgreeWithMembersForEveryContainerKind) {
  // Array (sparse), bitset (dense, > 4096 per 64K span) and run containers, and a universe
  // that ends inside a container's span.
  std::vector<Pid> pids = {3, 70, 65535};
  for (Pid p = 65536; p < 65536 + 30000; p += 3) pids.push_back(p);  // bitset container
  for (Pid p = 200000; p < 210000; ++p) pids.push_back(p);           // one long run
  for (bool runs : {false, true}) {
    PidBitmap bits;
    bits.add_sorted(pids);
    if (runs) bits.run_optimize();
    const size_t n_words = (209000 + 63) / 64;  // cuts the run short
    std::vector<uint64_t> words(n_words, 0);
    bits.set_bits(words);
    std::vector<Pid> got;
    for (size_t w = 0; w < n_words; ++w) {
      for (int b = 0; b < 64; ++b) {
        if ((words[w] >> b) & 1) got.push_back(w * 64 + b);
      }
    }
    std::vector<Pid> want;
    for (Pid p : pids) {
      if (p < n_words * 64) want.push_back(p);
    }
    EXPECT_EQ(got, want) << "runs=" << runs;
    bits.clear_bits(words);
    EXPECT_TRUE(std::all_of(words.begin(), words.end(), [](uint64_t w) { return w == 0; }));
  }
}

TEST(PidSetTest, FromPidsPicksDenseOnlyForDenseSetsAndNeverWithoutUniverse) {
  std::vector<Pid> many;
  for (Pid p = 0; p < 1000; p += 3) many.push_back(p);
  EXPECT_TRUE(PidSet::from_pids(many, 16).is_dense());
  EXPECT_FALSE(PidSet::from_pids({7, 900}, 16).is_dense());
  EXPECT_FALSE(PidSet::from_pids(many, 0).is_dense());
  EXPECT_EQ(PidSet::from_pids(many, 0).count(), many.size());
}

}  // namespace
}  // namespace vecdex::engine
