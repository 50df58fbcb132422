// IdMap: the dense pid -> entry table against a std::map model through adds, removals, re-adds
// (slots reused), pids across and far beyond page boundaries, freed pages, versions and the
// ascending live walk.
#include "engine/id_map.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace vecdex::engine {
namespace {

struct Model {
  std::string key;
  std::string version;
};

// Checks every observable of `ids` against `model` (pid -> key, version), probing pids up to
// `probe_end` and the given extra ones.
void expect_matches(const IdMap& ids, const std::map<Pid, Model>& model, Pid probe_end,
                    const std::vector<Pid>& extra_probes = {}) {
  ASSERT_EQ(ids.size(), model.size());
  std::vector<Pid> probes = extra_probes;
  for (Pid p = 0; p < probe_end; ++p) probes.push_back(p);
  for (Pid p : probes) {
    const IdMap::Entry* e = ids.entry(p);
    auto it = model.find(p);
    if (it == model.end()) {
      EXPECT_EQ(e, nullptr) << "pid " << p;
      continue;
    }
    ASSERT_NE(e, nullptr) << "pid " << p;
    EXPECT_EQ(e->id_key, it->second.key) << "pid " << p;
    EXPECT_EQ(ids.version_name(e->version), it->second.version) << "pid " << p;
    ASSERT_EQ(ids.find(it->second.key), p);
  }
  std::vector<Pid> live;
  ids.for_each_live([&](Pid p) { live.push_back(p); });
  std::vector<Pid> want;
  for (const auto& [p, m] : model) want.push_back(p);
  EXPECT_EQ(live, want);  // every live pid once, ascending
  std::map<std::string, size_t> counts;
  for (const auto& [p, m] : model) ++counts[m.version];
  EXPECT_EQ(ids.version_counts(), counts);
}

TEST(IdMapTest, AddFindRemoveAndEntryOfAbsentPids) {
  IdMap ids;
  EXPECT_EQ(ids.entry(0), nullptr);
  EXPECT_EQ(ids.entry(kNoId), nullptr);
  ids.add(0, "a", "v1");
  ids.add(1, "b", "v2");
  ids.add(2, "c", "v1");
  ASSERT_NE(ids.entry(1), nullptr);
  EXPECT_EQ(ids.entry(1)->id_key, "b");
  EXPECT_EQ(ids.version_name(ids.entry(1)->version), "v2");
  EXPECT_EQ(ids.find("c"), Pid{2});
  EXPECT_EQ(ids.find("zz"), std::nullopt);
  EXPECT_EQ(ids.entry(3), nullptr);
  EXPECT_EQ(ids.entry(Pid{1} << 40), nullptr);  // far beyond every page

  ids.remove(1);
  ids.remove(1);     // again: a no-op
  ids.remove(7);     // never added, in an existing page
  ids.remove(1u << 30);  // never added, beyond the pages
  EXPECT_EQ(ids.entry(1), nullptr);
  EXPECT_EQ(ids.find("b"), std::nullopt);
  EXPECT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids.version_counts(), (std::map<std::string, size_t>{{"v1", 2}}));
  ASSERT_TRUE(ids.version_index("v2").has_value());  // known, though without live points
  EXPECT_EQ(ids.version_name(*ids.version_index("v2")), "v2");
  EXPECT_EQ(ids.version_index("v9"), std::nullopt);
  EXPECT_EQ(ids.version_words("v9"), nullptr);
  const std::vector<uint64_t>& live = ids.live_words();
  ASSERT_FALSE(live.empty());
  EXPECT_EQ(live[0], 0b101u);
  EXPECT_EQ((*ids.version_words("v2"))[0], 0u);
}

TEST(IdMapTest, ReaddedKeysTakeNewPidsAndReuseSlotsWithoutDisturbingOthers) {
  IdMap ids;
  std::map<Pid, Model> model;
  Pid next = 0;
  // Keys past 15 bytes live on the heap, shorter ones inline: both kinds go through reuse.
  auto key_of = [](int i) {
    std::string key = i % 2 == 0 ? "k" : "a-long-external-id-";
    key += std::to_string(i);
    return key;
  };
  for (int i = 0; i < 100; ++i) {
    ids.add(next, key_of(i), "v1");
    model[next++] = {key_of(i), "v1"};
  }
  // An upsert of an existing id: the old pid goes, a new one comes (pids are never reused).
  for (int round = 0; round < 3; ++round) {
    for (int i = round; i < 100; i += 3) {
      Pid old = *ids.find(key_of(i));
      ids.remove(old);
      model.erase(old);
      ids.add(next, key_of(i), round == 1 ? "v2" : "v1");
      model[next++] = {key_of(i), round == 1 ? "v2" : "v1"};
    }
    expect_matches(ids, model, next + 10);
  }
}

TEST(IdMapTest, PidsAcrossPagesAndFarOnesAndPagesThatEmpty) {
  IdMap ids;
  std::map<Pid, Model> model;
  const std::vector<Pid> pids = {0, 1, 4095, 4096, 4097, 8191, 8192, 100000, 1u << 20,
                                 (1u << 22) + 3};
  for (Pid p : pids) {
    std::string key = "id";
    key += std::to_string(p);
    ids.add(p, key, p % 2 ? "odd" : "even");
    model[p] = {key, p % 2 ? "odd" : "even"};
  }
  std::vector<Pid> probes = pids;
  for (Pid p : pids) {
    probes.push_back(p + 1);
    if (p > 0) probes.push_back(p - 1);
  }
  expect_matches(ids, model, 0, probes);
  // Empty the page of 4096..8191 entirely, then use it again.
  for (Pid p : {Pid{4096}, Pid{4097}, Pid{8191}}) {
    ids.remove(p);
    model.erase(p);
  }
  expect_matches(ids, model, 0, probes);
  ids.add(5000, "again", "even");
  model[5000] = {"again", "even"};
  expect_matches(ids, model, 0, probes);
  EXPECT_EQ(ids.find("again"), Pid{5000});
}

TEST(IdMapTest, RandomChurnAgreesWithAModel) {
  std::mt19937_64 rng(11);
  IdMap ids;
  std::map<Pid, Model> model;
  std::map<std::string, Pid> pid_of;
  Pid next = 0;
  for (int step = 0; step < 20000; ++step) {
    std::string key = "p";
    key += std::to_string(rng() % 3000);
    std::string version = "v";
    version += std::to_string(rng() % 3);
    auto it = pid_of.find(key);
    const uint64_t action = rng() % 4;
    if (it != pid_of.end() && action == 0) {  // delete
      ids.remove(it->second);
      model.erase(it->second);
      pid_of.erase(it);
      continue;
    }
    if (it != pid_of.end()) {  // upsert of an existing id
      ids.remove(it->second);
      model.erase(it->second);
    }
    next += 1 + rng() % 3;  // gaps: pids of failed or other writes
    ids.add(next, key, version);
    model[next] = {key, version};
    pid_of[key] = next;
  }
  expect_matches(ids, model, next + 100);
}

}  // namespace
}  // namespace vecdex::engine
