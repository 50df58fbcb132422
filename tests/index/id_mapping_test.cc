// Every family maps external ids through IdSlotMap: dense small ids (the array), mid-range and
// huge ids like 2^63 + i (the hash map) must behave the same for add, duplicate add, remove
// (including the swap-with-last moves), re-add, filters on both of their paths, and save/load,
// and a file whose id section repeats an id is Corruption.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <iterator>
#include <memory>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "index/index_file.h"
#include "testing/random_data.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vecdex/filter.h"
#include "vecdex/index_factory.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;

struct FamilyCase {
  const char* spec;
  const char* ids_section;  // where the file keeps the per-slot ids
};
void PrintTo(const FamilyCase& c, std::ostream* os) { *os << c.spec; }

const FamilyCase kFamilies[] = {
    {"Flat", "flat.ids"},
    {"HNSW16,efc=100", "hnsw.ids"},
    {"IVF8,Flat", "ivf.ids"},
    {"RPForest10", "rpf.ids"},
};

// Every section name a family writes (index_file.h has no listing; absent ones are skipped).
const char* const kSectionNames[] = {
    "index.spec",    "flat.ids",      "flat.vectors",  "flat.norms",     "flat.pca",
    "flat.proj",     "flat.pnorms",   "hnsw.params",   "hnsw.level0",    "hnsw.levels",
    "hnsw.upper",    "hnsw.ids",      "hnsw.codec",    "hnsw.originals", "ivf.params",
    "ivf.centroids", "ivf.quantizer", "ivf.list_sizes", "ivf.slots",     "ivf.codes",
    "ivf.norms",     "ivf.ids",       "ivf.originals", "rpf.params",     "rpf.roots",
    "rpf.nodes",     "rpf.normals",   "rpf.entries",   "rpf.vectors",    "rpf.ids",
};

constexpr size_t kDim = 16;
constexpr size_t kN = 600;

// Slot i's id: dense for the first third, mid-range (1e6 + 7i) next, then 2^63 + 7919 i.
Id mixed_id(size_t i) {
  if (i < kN / 3) return i;
  if (i < 2 * kN / 3) return 1'000'000 + 7 * i;
  return (Id{1} << 63) + 7919 * i;
}

class IdMappingTest : public ::testing::TestWithParam<FamilyCase> {
 protected:
  void SetUp() override {
    data_ = testing::random_floats(kN, kDim, 31);
    for (size_t i = 0; i < kN; ++i) ids_.push_back(mixed_id(i));
    auto made = make_index(GetParam().spec, kDim, Metric::kL2);
    ASSERT_THAT(made, IsOk());
    index_ = std::move(made).value();
    ASSERT_THAT(index_->train(all()), IsOk());
    ASSERT_THAT(index_->add(ids_, all()), IsOk());
  }
  MatrixView all() const { return MatrixView{data_.data(), kN, kDim}; }
  MatrixView rows(size_t first, size_t count) const {
    return MatrixView{data_.data() + first * kDim, count, kDim};
  }
  // Wide enough to be exhaustive on this small set, so every family answers exactly; only the
  // family's own key (a foreign one is an error).
  SearchParams family_params() const {
    SearchParams p;
    const std::string spec = GetParam().spec;
    if (spec.rfind("HNSW", 0) == 0) p.ef = 256;
    if (spec.rfind("IVF", 0) == 0) p.nprobe = 8;
    if (spec.rfind("RPForest", 0) == 0) p.search_k = 20 * kN;
    return p;
  }
  // Top-1 id of searching with stored row i (its own id, the vector being at distance 0).
  std::vector<Id> self_top1(const Index& index, const Filter* filter = nullptr) const {
    auto r = index.search(all(), 1, family_params(), filter);
    EXPECT_THAT(r, IsOk());
    return r.ok() ? r->ids : std::vector<Id>();
  }

  // The mapping itself, row by row: a filter allowing only ids[i] (resolved to a slot through
  // the id map: the families' short-list / brute-force path) must return ids[i] at distance 0
  // for a live row, and nothing for a removed one (`live` says which).
  void expect_mapping(const Index& index, const std::vector<Id>& ids,
                      const std::vector<bool>& live) const {
    for (size_t i = 0; i < ids.size(); ++i) {
      const std::vector<Id> one = {ids[i]};
      const Filter filter = Filter::from_ids(one);
      auto r = index.search(rows(i, 1), 1, family_params(), &filter);
      ASSERT_THAT(r, IsOk());
      if (live[i]) {
        ASSERT_EQ(r->ids[0], ids[i]) << "row " << i;
        ASSERT_EQ(r->distances[0], 0.0f) << "row " << i;
      } else {
        ASSERT_EQ(r->ids[0], kNoId) << "removed row " << i;
      }
    }
  }
  // Rows (live ones) whose unfiltered top-1 is not their own id. Exact families: none; graph
  // and tree families may miss the odd node (parallel builds are not deterministic).
  size_t self_misses(const std::vector<Id>& top, const std::vector<Id>& ids,
                     const std::vector<bool>& live) const {
    size_t misses = 0;
    for (size_t i = 0; i < ids.size(); ++i) misses += live[i] && top[i] != ids[i] ? 1 : 0;
    return misses;
  }
  size_t max_misses() const {
    const std::string spec = GetParam().spec;
    return spec == "Flat" || spec.rfind("IVF", 0) == 0 ? 0 : kN / 100;
  }

  std::vector<float> data_;
  std::vector<Id> ids_;
  std::unique_ptr<Index> index_;
};

TEST_P(IdMappingTest, EveryRowFindsItsOwnMixedId) {
  EXPECT_EQ(index_->size(), kN);
  const std::vector<bool> live(kN, true);
  expect_mapping(*index_, ids_, live);
  EXPECT_LE(self_misses(self_top1(*index_), ids_, live), max_misses());
}

TEST_P(IdMappingTest, AddingAStoredDenseOrHugeIdIsAlreadyExists) {
  for (size_t i : {size_t{5}, kN / 2, kN - 1}) {
    std::vector<Id> again = {ids_[i]};
    EXPECT_THAT(index_->add(again, rows(i, 1)),
                StatusIs(StatusCode::kAlreadyExists,
                         HasSubstr("id " + std::to_string(ids_[i]) + " (row 0) is already")));
  }
  EXPECT_EQ(index_->size(), kN);
}

TEST_P(IdMappingTest, RemoveThenReaddKeepsEveryMappingRight) {
  std::vector<Id> gone;
  std::vector<bool> live(kN, true);
  for (size_t i = 0; i < kN; i += 3) {
    gone.push_back(ids_[i]);
    live[i] = false;
  }
  gone.push_back(42'424'242);  // unknown: ignored
  auto removed = index_->remove(gone);
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(*removed, gone.size() - 1);
  EXPECT_EQ(index_->size(), kN - (gone.size() - 1));
  auto again = index_->remove(gone);
  ASSERT_THAT(again, IsOk());
  EXPECT_EQ(*again, 0u);

  expect_mapping(*index_, ids_, live);
  std::vector<Id> top = self_top1(*index_);
  ASSERT_EQ(top.size(), kN);
  const std::set<Id> gone_set(gone.begin(), gone.end());
  for (size_t i = 0; i < kN; ++i) {
    EXPECT_EQ(gone_set.count(top[i]), 0u) << "removed id returned for row " << i;
  }
  EXPECT_LE(self_misses(top, ids_, live), max_misses());

  // Re-add the removed rows under their old ids (mixed dense and huge).
  std::vector<float> back;
  std::vector<Id> back_ids;
  for (size_t i = 0; i < kN; i += 3) {
    back.insert(back.end(), data_.begin() + i * kDim, data_.begin() + (i + 1) * kDim);
    back_ids.push_back(ids_[i]);
  }
  ASSERT_THAT(index_->add(back_ids, MatrixView{back.data(), back_ids.size(), kDim}), IsOk());
  EXPECT_EQ(index_->size(), kN);
  const std::vector<bool> all_live(kN, true);
  expect_mapping(*index_, ids_, all_live);
  EXPECT_LE(self_misses(self_top1(*index_), ids_, all_live), max_misses());
}

TEST_P(IdMappingTest, FiltersOverMixedIdsOnBothPaths) {
  // 20 ids (a list of slots in the scanning families) and half of them (a mask).
  for (size_t step : {size_t{30}, size_t{2}}) {
    std::vector<Id> allowed;
    std::vector<bool> is_allowed(kN, false);
    for (size_t i = 1; i < kN; i += step) {
      allowed.push_back(ids_[i]);
      is_allowed[i] = true;
    }
    allowed.push_back(77);  // not in the index (a dense-range hole): must not match anything
    allowed.push_back((Id{1} << 63) + 1);
    const Filter filter = Filter::from_ids(allowed);
    std::vector<Id> top = self_top1(*index_, &filter);
    ASSERT_EQ(top.size(), kN);
    const std::set<Id> allowed_set(allowed.begin(), allowed.end());
    for (size_t i = 0; i < kN; ++i) {
      ASSERT_EQ(allowed_set.count(top[i]), 1u) << "step " << step << " row " << i;
    }
    EXPECT_LE(self_misses(top, ids_, is_allowed), max_misses()) << "step " << step;
  }
}

TEST_P(IdMappingTest, ARunOfLargePidsLikeASegmentWorksThroughRemoveAndReload) {
  // A collection segment holds a contiguous run of pids far above 0 (the map's dense window
  // then starts at the run, not at 0).
  auto made = make_index(GetParam().spec, kDim, Metric::kL2);
  ASSERT_THAT(made, IsOk());
  std::unique_ptr<Index> index = std::move(made).value();
  std::vector<Id> run(kN);
  for (size_t i = 0; i < kN; ++i) run[i] = 5'000'000 + i;
  ASSERT_THAT(index->train(all()), IsOk());
  ASSERT_THAT(index->add(run, all()), IsOk());
  std::vector<bool> live(kN, true);
  expect_mapping(*index, run, live);
  std::vector<Id> gone;
  for (size_t i = 0; i < kN; i += 4) {
    gone.push_back(run[i]);
    live[i] = false;
  }
  auto removed = index->remove(gone);
  ASSERT_THAT(removed, IsOk());
  EXPECT_EQ(*removed, gone.size());
  expect_mapping(*index, run, live);
  EXPECT_LE(self_misses(self_top1(*index), run, live), max_misses());
  std::vector<Id> again = {run[1], run[kN - 1]};
  EXPECT_THAT(index->add(again, rows(0, 2)),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("already")));
  testing::TempDir dir;
  ASSERT_THAT(index->save(dir.file("run.vdx")), IsOk());
  auto loaded = load_index(dir.file("run.vdx"));
  ASSERT_THAT(loaded, IsOk());
  EXPECT_EQ((*loaded)->size(), kN - gone.size());
  expect_mapping(**loaded, run, live);
  EXPECT_EQ(self_top1(**loaded), self_top1(*index));
}

// Rewrites `name`'s bytes with `edit`, copying every other section as it is.
void rewrite_section(const std::filesystem::path& in, const std::filesystem::path& out,
                     const std::string& name, void (*edit)(std::vector<uint8_t>&)) {
  auto reader = IndexFileReader::open(in, false);
  ASSERT_THAT(reader, IsOk());
  IndexFileWriter writer(reader->info());
  std::vector<std::vector<uint8_t>> copies;  // the writer references, not copies, the bytes
  copies.reserve(std::size(kSectionNames));
  bool found = false;
  for (const char* n : kSectionNames) {
    if (!reader->has_section(n)) continue;
    auto s = reader->section(n);
    ASSERT_THAT(s, IsOk());
    copies.emplace_back(s->begin(), s->end());
    if (name == n) {
      edit(copies.back());
      found = true;
    }
    ASSERT_THAT(writer.add_section(n, copies.back()), IsOk());
  }
  ASSERT_TRUE(found) << name;
  ASSERT_THAT(writer.write(out), IsOk());
}

TEST_P(IdMappingTest, SaveLoadKeepsMixedIdsAndRepeatedIdsAreCorruption) {
  testing::TempDir dir;
  ASSERT_THAT(index_->save(dir.file("i.vdx")), IsOk());
  for (bool use_mmap : {false, true}) {
    auto loaded = load_index(dir.file("i.vdx"), LoadOptions{use_mmap});
    ASSERT_THAT(loaded, IsOk());
    EXPECT_EQ((*loaded)->size(), kN);
    expect_mapping(**loaded, ids_, std::vector<bool>(kN, true));
    EXPECT_EQ(self_top1(**loaded), self_top1(*index_));
    std::vector<Id> again = {ids_[kN - 1]};
    EXPECT_THAT((*loaded)->add(again, rows(kN - 1, 1)),
                StatusIs(StatusCode::kAlreadyExists, HasSubstr("already")));
  }
  // Slot 1 repeats slot 0's (dense) id; the last slot repeats the one before it (huge).
  rewrite_section(dir.file("i.vdx"), dir.file("dense.vdx"), GetParam().ids_section,
                  [](std::vector<uint8_t>& b) { std::memcpy(b.data() + 8, b.data(), 8); });
  EXPECT_THAT(load_index(dir.file("dense.vdx")),
              StatusIs(StatusCode::kCorruption, HasSubstr("id 0 appears twice")));
  rewrite_section(dir.file("i.vdx"), dir.file("huge.vdx"), GetParam().ids_section,
                  [](std::vector<uint8_t>& b) {
                    std::memcpy(b.data() + b.size() - 8, b.data() + b.size() - 16, 8);
                  });
  EXPECT_THAT(load_index(dir.file("huge.vdx")),
              StatusIs(StatusCode::kCorruption,
                       HasSubstr("id " + std::to_string(mixed_id(kN - 2)) + " appears twice")));
}

INSTANTIATE_TEST_SUITE_P(Families, IdMappingTest, ::testing::ValuesIn(kFamilies));

}  // namespace
}  // namespace vecdex
