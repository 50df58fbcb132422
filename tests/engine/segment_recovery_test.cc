// SegmentSet::open after a restart: the manifest and segment files come back, points deleted
// meanwhile are dropped, damaged or missing files are rebuilt from storage, stray files go.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "engine/segment_fixture.h"
#include "engine/segment_manifest.h"
#include "vecdex/index_factory.h"

namespace vecdex::engine {
namespace {

using ::testing::HasSubstr;
using namespace vecdex::engine::testing;

constexpr size_t kDim = 6;

SegmentOptions exact_options(const std::filesystem::path& dir) {
  SegmentOptions o = small_options(dir, kDim);
  o.mutable_spec = "Flat";
  return o;
}

SearchResults search_all(SegmentSet& set) {
  std::vector<float> queries = vecdex::testing::random_floats(12, kDim, 55);
  Result<SearchResults> got = set.search(MatrixView{queries.data(), 12, kDim}, 10, {}, nullptr);
  EXPECT_THAT(got, IsOk());
  return got.ok() ? std::move(*got) : SearchResults{};
}

void flip_byte(const std::filesystem::path& path, size_t offset) {
  std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
  f.seekg(static_cast<std::streamoff>(offset));
  char c = 0;
  f.read(&c, 1);
  c = static_cast<char>(c ^ 0x5a);
  f.seekp(static_cast<std::streamoff>(offset));
  f.write(&c, 1);
}

// 250 points (two sealed segments of 100, 50 in the mutable one), three of them removed.
struct Populated {
  vecdex::testing::TempDir dir;
  FakeStorage storage{kDim};
  SearchResults before;

  Populated() {
    auto set = open_and_readd(exact_options(dir.path()), storage);
    EXPECT_THAT(set, IsOk());
    EXPECT_THAT(add_random(**set, storage, 0, 250, kDim, 1), IsOk());
    std::vector<Pid> gone = {3, 120, 240};
    (*set)->remove(gone);
    storage.erase(gone);
    before = search_all(**set);
  }
};

TEST(SegmentRecoveryTest, ReopenLoadsSealedSegmentsAndReportsTheMutableOnesPoints) {
  Populated p;
  std::vector<Pid> missing;
  auto set = open_and_readd(exact_options(p.dir.path()), p.storage, &missing);
  ASSERT_THAT(set, IsOk());
  std::vector<Pid> expected = pid_range(200, 50);
  expected.erase(std::find(expected.begin(), expected.end(), 240));
  EXPECT_EQ(missing, expected);
  EXPECT_EQ(p.storage.fetch_calls(), 0u);  // loaded, not rebuilt
  std::vector<SegmentInfo> info = (*set)->info();
  ASSERT_EQ(info.size(), 3u);  // two sealed + the mutable one holding the re-added 49
  EXPECT_EQ(info[0].id, 0u);
  EXPECT_EQ(info[0].points, 99u);  // pid 3 is in the file but no longer live
  EXPECT_EQ(info[0].deleted, 1u);
  EXPECT_EQ(info[1].id, 1u);
  EXPECT_EQ(info[1].state, "sealed");
  EXPECT_EQ(info[2].state, "mutable");
  EXPECT_EQ(info[2].points, 49u);
  EXPECT_EQ(search_all(**set).ids, p.before.ids);
}

TEST(SegmentRecoveryTest, PointsDeletedWhileClosedAreDroppedOnOpen) {
  Populated p;
  std::vector<Pid> gone = {10, 11, 150};
  p.storage.erase(gone);  // the collection committed the delete, the segments never saw it
  auto set = open_and_readd(exact_options(p.dir.path()), p.storage);
  ASSERT_THAT(set, IsOk());
  std::vector<float> queries = vecdex::testing::random_floats(12, kDim, 55);
  Result<SearchResults> got = (*set)->search(MatrixView{queries.data(), 12, kDim}, 10, {},
                                             nullptr);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(recall_at_k(p.storage, *got, queries, kDim, Metric::kL2), 1.0);
  for (Id id : got->ids) EXPECT_TRUE(id != 10 && id != 11 && id != 150);
  EXPECT_EQ((*set)->info()[0].points, 97u);  // 3, 10, 11 dropped
}

TEST(SegmentRecoveryTest, DamagedSegmentFileIsRebuiltFromStorage) {
  Populated p;
  std::filesystem::path file = p.dir.file("seg-0.vdx");
  flip_byte(file, std::filesystem::file_size(file) / 2);
  ASSERT_FALSE(load_index(file).ok());
  auto set = open_and_readd(exact_options(p.dir.path()), p.storage);
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(p.storage.fetch_calls(), 1u);
  EXPECT_THAT(load_index(file), IsOk());  // rewritten
  SearchResults after = search_all(**set);
  EXPECT_EQ(after.ids, p.before.ids);
}

TEST(SegmentRecoveryTest, MissingSegmentFileIsRebuiltFromStorage) {
  Populated p;
  std::filesystem::remove(p.dir.file("seg-1.vdx"));
  auto set = open_and_readd(exact_options(p.dir.path()), p.storage);
  ASSERT_THAT(set, IsOk());
  EXPECT_TRUE(std::filesystem::exists(p.dir.file("seg-1.vdx")));
  EXPECT_EQ(search_all(**set).ids, p.before.ids);
}

TEST(SegmentRecoveryTest, UnrebuildableSegmentsPointsAreReportedMissing) {
  Populated p;
  std::filesystem::remove(p.dir.file("seg-0.vdx"));
  p.storage.fail_fetch = not_found("vectors gone");
  std::vector<Pid> missing;
  auto set = open_and_readd(exact_options(p.dir.path()), p.storage, &missing);
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(missing.size(), 99u + 49u);  // segment 0's live points and the mutable ones
  p.storage.fail_fetch = Status();
  EXPECT_EQ(search_all(**set).ids, p.before.ids);
}

TEST(SegmentRecoveryTest, DamagedManifestMakesEveryPointMissing) {
  Populated p;
  flip_byte(manifest_path(p.dir.path()), 20);
  std::vector<Pid> missing;
  auto set = open_and_readd(exact_options(p.dir.path()), p.storage, &missing);
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(missing.size(), 247u);
  EXPECT_THAT(read_manifest(p.dir.path()), IsOk());  // rewritten
  EXPECT_EQ(search_all(**set).ids, p.before.ids);
}

TEST(SegmentRecoveryTest, FilesTheManifestDoesNotNameAreDeleted) {
  Populated p;
  std::ofstream(p.dir.file("seg-77.vdx")) << "left by a crash";
  std::ofstream(p.dir.file("seg-0.vdx.tmp")) << "half written";
  std::ofstream(p.dir.file("unrelated.txt")) << "not ours";
  auto set = open_and_readd(exact_options(p.dir.path()), p.storage);
  ASSERT_THAT(set, IsOk());
  EXPECT_FALSE(std::filesystem::exists(p.dir.file("seg-77.vdx")));
  EXPECT_FALSE(std::filesystem::exists(p.dir.file("seg-0.vdx.tmp")));
  EXPECT_TRUE(std::filesystem::exists(p.dir.file("unrelated.txt")));
  EXPECT_TRUE(std::filesystem::exists(p.dir.file("seg-0.vdx")));
}

TEST(SegmentRecoveryTest, WrongDimSegmentFileIsRebuilt) {
  Populated p;
  auto other = make_index("Flat", kDim + 1, Metric::kL2);
  ASSERT_THAT(other, IsOk());
  VECDEX_ASSERT_OK((*other)->save(p.dir.file("seg-1.vdx")));
  auto set = open_and_readd(exact_options(p.dir.path()), p.storage);
  ASSERT_THAT(set, IsOk());
  EXPECT_EQ(p.storage.fetch_calls(), 1u);
  EXPECT_EQ(search_all(**set).ids, p.before.ids);
}

// Reopened segment files are read into memory, or mapped with map_files: both serve and take
// removals (a mapped file is rewritten).
class ReloadedSegmentsTest : public ::testing::TestWithParam<bool> {};

TEST_P(ReloadedSegmentsTest, ReloadedHnswSegmentsServeAndAcceptRemovals) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = small_options(dir.path(), kDim, Metric::kInnerProduct, "HNSW16");
  o.map_files = GetParam();
  {
    auto set = open_and_readd(o, storage);
    ASSERT_THAT(set, IsOk());
    VECDEX_ASSERT_OK(add_random(**set, storage, 0, 300, kDim, 9));
  }
  auto set = open_and_readd(o, storage);
  ASSERT_THAT(set, IsOk());
  std::vector<Pid> gone = pid_range(0, 300);
  gone.resize(150);  // half of every segment
  for (size_t i = 0; i < gone.size(); ++i) gone[i] = 2 * i;
  (*set)->remove(gone);
  storage.erase(gone);
  VECDEX_ASSERT_OK((*set)->wait_idle());
  std::vector<float> queries = vecdex::testing::random_floats(20, kDim, 10);
  Result<SearchResults> got = (*set)->search(MatrixView{queries.data(), 20, kDim}, 10, {},
                                             nullptr);
  ASSERT_THAT(got, IsOk());
  EXPECT_GE(recall_at_k(storage, *got, queries, kDim, Metric::kInnerProduct), 0.95);
  for (Id id : got->ids) EXPECT_EQ(id % 2, 1u);
  size_t live = 0;
  for (const SegmentInfo& s : (*set)->info()) live += s.points;
  EXPECT_EQ(live, 150u);
}

INSTANTIATE_TEST_SUITE_P(ReadOrMapped, ReloadedSegmentsTest, ::testing::Bool(),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "Mapped" : "InMemory";
                         });

}  // namespace
}  // namespace vecdex::engine
