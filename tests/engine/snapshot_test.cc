// Snapshots: export / import round trips exactly, and every kind of damaged artifact is a
// Corruption naming the file, with nothing created.
#include <gtest/gtest.h>

#include <fstream>

#include "engine/database_fixture.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;
using testing::make_point;

class SnapshotTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = testing::open_db(dir_.file("db"));
    ASSERT_NE(db_, nullptr);
    auto c = db_->create_collection(testing::test_config("src", 8, "HNSW16"));
    ASSERT_THAT(c, IsOk());
    src_ = *c;
    for (uint64_t i = 0; i < 120; ++i) {
      points_.push_back(make_point(i, 8, i, Payload{{"color", std::string(i % 2 ? "a" : "b")},
                                                    {"price", double(i) / 4}},
                                   i < 60 ? "old" : "new"));
    }
    auto s = PointId::from_string("a string id");
    ASSERT_THAT(s, IsOk());
    points_[5].id = *s;
    ASSERT_THAT(src_->upsert(points_), IsOk());
    std::vector<PointId> gone = {PointId(9)};
    ASSERT_THAT(src_->remove(gone), IsOk());
    VECDEX_ASSERT_OK(db_->export_snapshot("src", snap()));
  }
  std::filesystem::path snap() const { return dir_.file("snap"); }
  void rewrite(const std::string& name, const std::function<void(std::string&)>& edit) {
    std::ifstream in(snap() / name, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), {});
    in.close();
    edit(bytes);
    std::ofstream(snap() / name, std::ios::binary | std::ios::trunc) << bytes;
  }
  void expect_corrupt(std::string_view what) {
    auto before = db_->collection_names();
    EXPECT_THAT(db_->import_snapshot(snap(), "copy"),
                StatusIs(StatusCode::kCorruption, HasSubstr(what)));
    EXPECT_EQ(db_->collection_names(), before);
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
  Collection* src_ = nullptr;
  std::vector<Point> points_;
};

TEST_F(SnapshotTest, ImportRoundTripsEveryPoint) {
  auto copy = db_->import_snapshot(snap(), "copy");
  ASSERT_THAT(copy, IsOk());
  EXPECT_EQ((*copy)->config().name, "copy");
  EXPECT_EQ((*copy)->config().index_spec, "HNSW16");
  EXPECT_EQ((*copy)->config().schema.fields.size(), 3u);
  auto a = src_->info(), b = (*copy)->info();
  EXPECT_EQ(b.points, 119u);
  EXPECT_EQ(a.model_versions, b.model_versions);
  for (const Point& p : points_) {
    auto got = (*copy)->get(p.id);
    if (p.id == PointId(9)) {
      EXPECT_THAT(got, StatusIs(StatusCode::kNotFound, HasSubstr("9")));
      continue;
    }
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(got->vector, p.vector);
    EXPECT_EQ(got->payload, p.payload);
    EXPECT_EQ(got->model_version, p.model_version);
  }
  // The artifact is reusable: another import, and one into a second database.
  EXPECT_THAT(db_->import_snapshot(snap(), "copy"),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("copy")));
  auto other = testing::open_db(dir_.file("db2"));
  ASSERT_NE(other, nullptr);
  auto there = other->import_snapshot(snap(), "replica");
  ASSERT_THAT(there, IsOk());
  EXPECT_EQ((*there)->info().points, 119u);
}

TEST_F(SnapshotTest, ExportErrors) {
  EXPECT_THAT(db_->export_snapshot("src", snap()),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("not empty")));
  EXPECT_THAT(db_->export_snapshot("nope", dir_.file("x")),
              StatusIs(StatusCode::kNotFound, HasSubstr("nope")));
  EXPECT_THAT(db_->import_snapshot(dir_.file("absent"), "copy"),
              StatusIs(StatusCode::kNotFound, HasSubstr("does not exist")));
}

TEST_F(SnapshotTest, FlippedByteInPointsIsCorruption) {
  rewrite("points.dat", [](std::string& b) { b[b.size() / 2] ^= 0x10; });
  expect_corrupt("points.dat fails its checksum");
}

TEST_F(SnapshotTest, TruncatedConfigIsCorruption) {
  rewrite("config.bin", [](std::string& b) { b.resize(b.size() - 3); });
  expect_corrupt("config.bin is");
}

TEST_F(SnapshotTest, MissingFilesAreCorruption) {
  std::filesystem::remove(snap() / "points.dat");
  expect_corrupt("points.dat is missing");
  std::filesystem::remove(snap() / "MANIFEST");
  expect_corrupt("MANIFEST is missing");
}

TEST_F(SnapshotTest, ExtraFileIsCorruption) {
  std::ofstream(snap() / "stray.bin") << "x";
  expect_corrupt("unexpected file stray.bin");
}

TEST_F(SnapshotTest, EditedManifestIsCorruption) {
  rewrite("MANIFEST", [](std::string& b) { b.replace(b.find("points "), 7, "points 9"); });
  expect_corrupt("MANIFEST checksum");
  rewrite("MANIFEST", [](std::string& b) { b.resize(b.size() / 2); });
  expect_corrupt("MANIFEST");
}

// points.dat is written in chunks of about 1 MiB: a collection several chunks large round
// trips, and its checksum (computed chunk by chunk) matches the whole file's.
TEST_F(SnapshotTest, ExportLargerThanOneChunkRoundTrips) {
  constexpr size_t kDim = 256;
  auto big = db_->create_collection(testing::test_config("big", kDim, "Flat"));
  ASSERT_THAT(big, IsOk());
  std::vector<Point> points;
  for (uint64_t i = 0; i < 3000; ++i) points.push_back(make_point(i, kDim, 7000 + i));
  ASSERT_THAT((*big)->upsert(points), IsOk());
  const std::filesystem::path out = dir_.file("big-snap");
  VECDEX_ASSERT_OK(db_->export_snapshot("big", out));
  EXPECT_GT(std::filesystem::file_size(out / "points.dat"), size_t{3} << 20);
  EXPECT_FALSE(std::filesystem::exists(out / "points.dat.tmp"));
  auto copy = db_->import_snapshot(out, "big-copy");
  ASSERT_THAT(copy, IsOk());
  EXPECT_EQ((*copy)->info().points, points.size());
  for (const Point& p : points) {
    auto got = (*copy)->get(p.id);
    ASSERT_THAT(got, IsOk());
    EXPECT_EQ(got->vector, p.vector);
  }
}

TEST_F(SnapshotTest, BadNameIsInvalidArgument) {
  EXPECT_THAT(db_->import_snapshot(snap(), "bad name"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("bad name")));
}

}  // namespace
}  // namespace vecdex
