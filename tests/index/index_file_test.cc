// Index file container: round trip, and Corruption (never a crash) for truncated, flipped,
// foreign, empty, wrong-magic and future-version files.
#include "index/index_file.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/checksum.h"
#include "core/file_util.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;

std::vector<uint8_t> read_all(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

class IndexFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (int i = 0; i < 1000; ++i) floats_.push_back(static_cast<float>(i) * 0.5f);
    ids_ = {7, 8, 9};
    IndexFileInfo info;
    info.family = "Test";
    info.dim = 4;
    info.metric = Metric::kInnerProduct;
    info.count = 3;
    IndexFileWriter w(info);
    VECDEX_ASSERT_OK(w.add_array<float>("test.floats", floats_));
    VECDEX_ASSERT_OK(w.add_array<uint64_t>("test.ids", ids_));
    VECDEX_ASSERT_OK(w.add_section("test.empty", {}));
    VECDEX_ASSERT_OK(w.write(path()));
    bytes_ = read_all(path());
  }
  std::filesystem::path path() const { return dir_.file("idx.vdx"); }
  Result<IndexFileReader> parse(const std::vector<uint8_t>& b) {
    return IndexFileReader::from_bytes(b, "idx.vdx");
  }

  testing::TempDir dir_;
  std::vector<float> floats_;
  std::vector<uint64_t> ids_;
  std::vector<uint8_t> bytes_;
};

TEST_F(IndexFileTest, RoundTripsHeaderAndSections) {
  for (bool use_mmap : {false, true}) {
    auto r = IndexFileReader::open(path(), use_mmap);
    VECDEX_ASSERT_OK(r);
    EXPECT_EQ(r->info().family, "Test");
    EXPECT_EQ(r->info().dim, 4u);
    EXPECT_EQ(r->info().metric, Metric::kInnerProduct);
    EXPECT_EQ(r->info().count, 3u);
    auto f = r->array<float>("test.floats", floats_.size());
    VECDEX_ASSERT_OK(f);
    EXPECT_EQ(std::vector<float>(f->begin(), f->end()), floats_);
    EXPECT_EQ(reinterpret_cast<uintptr_t>(f->data()) % 64, 0u);
    auto ids = r->array<uint64_t>("test.ids", 3);
    VECDEX_ASSERT_OK(ids);
    EXPECT_EQ((*ids)[2], 9u);
    auto empty = r->section("test.empty");
    VECDEX_ASSERT_OK(empty);
    EXPECT_TRUE(empty->empty());
  }
}

TEST_F(IndexFileTest, MissingSectionAndWrongSizeAreCorruption) {
  auto r = parse(bytes_);
  VECDEX_ASSERT_OK(r);
  EXPECT_THAT(r->section("nope"),
              StatusIs(StatusCode::kCorruption, HasSubstr("load idx.vdx: missing section 'nope'")));
  EXPECT_THAT(r->array<float>("test.floats", 999),
              StatusIs(StatusCode::kCorruption, HasSubstr("has 4000 bytes, expected 3996")));
}

TEST_F(IndexFileTest, EmptyFileIsCorruption) {
  EXPECT_THAT(parse({}), StatusIs(StatusCode::kCorruption, HasSubstr("load idx.vdx: file is empty")));
}

TEST_F(IndexFileTest, ForeignFileIsCorruption) {
  std::string text = "This is a text file that happens to be longer than sixty-four bytes, certainly.";
  std::vector<uint8_t> foreign(text.begin(), text.end());
  EXPECT_THAT(parse(foreign), StatusIs(StatusCode::kCorruption, HasSubstr("bad magic")));
}

TEST_F(IndexFileTest, WrongMagicIsCorruption) {
  auto b = bytes_;
  b[0] = 'X';
  EXPECT_THAT(parse(b), StatusIs(StatusCode::kCorruption, HasSubstr("not a vecdex index file")));
}

TEST_F(IndexFileTest, FutureVersionIsCorruptionSayingSo) {
  auto b = bytes_;
  uint32_t v = IndexFileFormat::kVersion + 1;
  std::memcpy(b.data() + 8, &v, 4);
  EXPECT_THAT(parse(b), StatusIs(StatusCode::kCorruption,
                                 HasSubstr("format version 2 is newer than this build reads")));
}

TEST_F(IndexFileTest, TruncatedAtEveryCutPointIsCorruption) {
  for (size_t cut = 0; cut < bytes_.size(); cut += (cut < 512 ? 1 : 97)) {
    std::vector<uint8_t> b(bytes_.begin(), bytes_.begin() + static_cast<ptrdiff_t>(cut));
    auto r = parse(b);
    ASSERT_FALSE(r.ok()) << "cut at " << cut;
    EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().to_string();
  }
}

TEST_F(IndexFileTest, TruncatedSectionMessageSaysWhatWasNeeded) {
  std::vector<uint8_t> b(bytes_.begin(), bytes_.end() - 100);
  EXPECT_THAT(parse(b), StatusIs(StatusCode::kCorruption,
                                 HasSubstr("truncated section 'test.")));
  EXPECT_THAT(parse(b), StatusIs(StatusCode::kCorruption,
                                 HasSubstr(fmt::format("file has {})", b.size()))));
}

TEST_F(IndexFileTest, EveryFlippedByteIsCorruption) {
  // Header, table and section bytes are all covered by a check (magic, version, checksums).
  // Padding between sections is not covered; flips there are allowed to pass.
  auto r = parse(bytes_);
  VECDEX_ASSERT_OK(r);
  auto floats = r->section("test.floats");
  auto ids = r->section("test.ids");
  size_t floats_at = static_cast<size_t>(floats->data() - r->storage()->bytes.data());
  size_t ids_at = static_cast<size_t>(ids->data() - r->storage()->bytes.data());
  std::vector<size_t> covered;
  for (size_t i = 0; i < 64 + 3 * 48; ++i) covered.push_back(i);
  for (size_t i = floats_at; i < floats_at + floats->size(); i += 13) covered.push_back(i);
  for (size_t i = ids_at; i < ids_at + ids->size(); ++i) covered.push_back(i);
  for (size_t at : covered) {
    auto b = bytes_;
    b[at] ^= 0x20;
    auto bad = parse(b);
    ASSERT_FALSE(bad.ok()) << "flip at " << at;
    EXPECT_EQ(bad.status().code(), StatusCode::kCorruption) << bad.status().to_string();
  }
}

TEST_F(IndexFileTest, FlippedSectionByteNamesTheSection) {
  auto r = parse(bytes_);
  VECDEX_ASSERT_OK(r);
  auto ids = r->section("test.ids");
  VECDEX_ASSERT_OK(ids);
  auto b = bytes_;
  b[static_cast<size_t>(ids->data() - r->storage()->bytes.data()) + ids->size() - 1] ^= 1;
  EXPECT_THAT(parse(b), StatusIs(StatusCode::kCorruption,
                                 HasSubstr("checksum mismatch in section 'test.ids'")));
}

TEST_F(IndexFileTest, RandomGarbageNeverCrashes) {
  std::mt19937 rng(3);
  for (int trial = 0; trial < 300; ++trial) {
    auto b = bytes_;
    int flips = 1 + trial % 8;
    for (int f = 0; f < flips; ++f) b[rng() % 256] = static_cast<uint8_t>(rng());
    // Re-seal the header checksum so the deeper checks (table, bounds) run on garbage too.
    uint64_t h = checksum64(b.data(), 56);
    if (trial % 2 == 0) std::memcpy(b.data() + 56, &h, 8);
    auto r = parse(b);
    if (!r.ok()) {
      EXPECT_EQ(r.status().code(), StatusCode::kCorruption) << r.status().to_string();
    }
  }
}

TEST_F(IndexFileTest, WriterRejectsBadNames) {
  IndexFileWriter w(IndexFileInfo{});
  EXPECT_THAT(w.add_section("", {}), StatusIs(StatusCode::kInvalidArgument, HasSubstr("section name")));
  EXPECT_THAT(w.add_section(std::string(24, 'a'), {}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("1..23")));
  VECDEX_EXPECT_OK(w.add_section("a", {}));
  EXPECT_THAT(w.add_section("a", {}), StatusIs(StatusCode::kInvalidArgument, HasSubstr("duplicate")));
}

TEST_F(IndexFileTest, MissingFileIsIOError) {
  EXPECT_THAT(IndexFileReader::open(dir_.file("none.vdx"), false),
              StatusIs(StatusCode::kIOError, HasSubstr("none.vdx")));
}

}  // namespace
}  // namespace vecdex
