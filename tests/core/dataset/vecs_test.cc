// .fvecs / .bvecs / .ivecs: round trips, max_rows, truncation at many cut points, dim
// mismatches, foreign files and writer validation.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/dataset/dataset_test_util.h"
#include "testing/random_data.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vecdex/dataset.h"

namespace vecdex {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::append_raw;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

// A well-formed .fvecs image: `rows` rows of `dim` floats with value r * 100 + j.
std::string make_fvecs(size_t rows, int32_t dim) {
  std::string out;
  for (size_t r = 0; r < rows; ++r) {
    append_raw(out, dim);
    for (int32_t j = 0; j < dim; ++j) append_raw(out, static_cast<float>(r * 100 + j));
  }
  return out;
}

TEST(VecsTest, FvecsRoundTripIsBitExact) {
  TempDir dir;
  std::vector<float> data = testing::random_floats(7, 13, 3);
  auto path = dir.file("base.fvecs");
  VECDEX_ASSERT_OK(write_vectors(path, MatrixView{data.data(), 7, 13}));
  EXPECT_EQ(std::filesystem::file_size(path), 7u * (4 + 13 * 4));
  auto m = read_vectors(path);
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->rows, 7u);
  EXPECT_EQ(m->dim, 13u);
  EXPECT_EQ(m->data, data);
  EXPECT_FALSE(std::filesystem::exists(dir.file("base.fvecs.tmp")));
}

TEST(VecsTest, BvecsRoundTripWidensToFloat) {
  TempDir dir;
  std::vector<float> data = {0, 1, 2, 255, 128, 7};
  auto path = dir.file("base.bvecs");
  VECDEX_ASSERT_OK(write_vectors(path, MatrixView{data.data(), 2, 3}));
  EXPECT_EQ(std::filesystem::file_size(path), 2u * (4 + 3));
  auto m = read_vectors(path);
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->rows, 2u);
  EXPECT_EQ(m->dim, 3u);
  EXPECT_EQ(m->data, data);
}

TEST(VecsTest, IvecsRoundTrip) {
  TempDir dir;
  IdMatrix ids{{1, -2, 3, 2147483647, 0, -2147483647 - 1}, 3, 2};
  auto path = dir.file("gt.ivecs");
  VECDEX_ASSERT_OK(write_ids(path, ids));
  auto m = read_ids(path);
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->rows, 3u);
  EXPECT_EQ(m->cols, 2u);
  EXPECT_EQ(m->data, ids.data);
}

TEST(VecsTest, BvecsWriterRejectsValuesOutsideByteRange) {
  TempDir dir;
  auto path = dir.file("bad.bvecs");
  for (float bad : {1.5f, -1.0f, 256.0f, std::numeric_limits<float>::quiet_NaN(),
                    std::numeric_limits<float>::infinity()}) {
    std::vector<float> data = {0, 1, 2, bad};
    EXPECT_THAT(write_vectors(path, MatrixView{data.data(), 2, 2}),
                StatusIs(StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("row 1 col 1"), HasSubstr("[0, 255]"))))
        << bad;
    EXPECT_FALSE(std::filesystem::exists(path));
    EXPECT_FALSE(std::filesystem::exists(dir.file("bad.bvecs.tmp")));
  }
}

TEST(VecsTest, WriterRejectsEmptyAndZeroDim) {
  TempDir dir;
  float x = 1;
  EXPECT_THAT(write_vectors(dir.file("a.fvecs"), MatrixView{&x, 0, 1}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("0 rows")));
  EXPECT_THAT(write_vectors(dir.file("a.fvecs"), MatrixView{&x, 1, 0}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim 0")));
  EXPECT_THAT(write_ids(dir.file("a.ivecs"), IdMatrix{{1, 2, 3}, 2, 2}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("holds 3 values")));
}

TEST(VecsTest, WriteIntoMissingDirectoryIsIoError) {
  TempDir dir;
  float x = 1;
  EXPECT_THAT(write_vectors(dir.file("no/such/dir/a.fvecs"), MatrixView{&x, 1, 1}),
              StatusIs(StatusCode::kIOError, HasSubstr("cannot create")));
}

TEST(VecsTest, MaxRowsReadsAPrefix) {
  TempDir dir;
  auto path = dir.file("base.fvecs");
  write_bytes(path, make_fvecs(10, 4));
  ReadOptions options;
  options.max_rows = 3;
  auto m = read_vectors(path, options);
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->rows, 3u);
  EXPECT_EQ(m->data.size(), 12u);
  EXPECT_EQ(m->row(2)[1], 201.0f);
  options.max_rows = 1000;
  auto all = read_vectors(path, options);
  VECDEX_ASSERT_OK(all);
  EXPECT_EQ(all->rows, 10u);
}

TEST(VecsTest, TruncatedFilesAreCorruptionAtEveryCutPoint) {
  TempDir dir;
  const std::string full = make_fvecs(3, 5);  // rows of 24 bytes
  auto path = dir.file("cut.fvecs");
  for (size_t cut : {1u, 3u, 5u, 23u, 25u, 30u, 47u, 49u, 71u}) {
    write_bytes(path, full.substr(0, cut));
    auto m = read_vectors(path);
    EXPECT_THAT(m, StatusIs(StatusCode::kCorruption, HasSubstr("truncated"))) << "cut " << cut;
  }
}

TEST(VecsTest, TruncatedLastRowNamesRowAndOffset) {
  TempDir dir;
  auto path = dir.file("cut.fvecs");
  write_bytes(path, make_fvecs(3, 5).substr(0, 24 * 2 + 10));
  EXPECT_THAT(read_vectors(path),
              StatusIs(StatusCode::kCorruption,
                       AllOf(HasSubstr("read " + path.string() + ": "),
                             HasSubstr("truncated last row 2 at byte offset 48"),
                             HasSubstr("10 of 24 bytes"))));
}

TEST(VecsTest, DimMismatchBetweenRowsIsCorruption) {
  TempDir dir;
  auto path = dir.file("mixed.fvecs");
  // Same total size as a valid file: row 1's header says 7 instead of 2.
  std::string bytes = make_fvecs(3, 2);
  int32_t seven = 7;
  std::memcpy(bytes.data() + 12, &seven, 4);
  write_bytes(path, bytes);
  EXPECT_THAT(read_vectors(path),
              StatusIs(StatusCode::kCorruption,
                       HasSubstr("row 1 (byte offset 12) has dim 7, row 0 has dim 2")));
  // A size that is not a multiple of the row size: the mismatch is still what is reported.
  write_bytes(path, make_fvecs(2, 4) + make_fvecs(1, 3));
  EXPECT_THAT(read_vectors(path),
              StatusIs(StatusCode::kCorruption, HasSubstr("row 2 (byte offset 40) has dim 3, "
                                                          "row 0 has dim 4")));
}

TEST(VecsTest, ImplausibleDimHeaderIsCorruption) {
  TempDir dir;
  auto path = dir.file("bad.ivecs");
  for (int32_t dim : {0, -1, (1 << 20) + 1, std::numeric_limits<int32_t>::max()}) {
    std::string bytes;
    append_raw(bytes, dim);
    bytes.append(64, '\0');
    write_bytes(path, bytes);
    EXPECT_THAT(read_ids(path), StatusIs(StatusCode::kCorruption,
                                         HasSubstr("row 0 has dim " + std::to_string(dim))));
  }
}

TEST(VecsTest, ForeignAndEmptyFilesAreCorruption) {
  TempDir dir;
  auto path = dir.file("x.fvecs");
  write_bytes(path, "");
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kCorruption, HasSubstr("empty file")));
  write_bytes(path, testing::png_signature() + std::string(100, 'x'));
  EXPECT_THAT(read_vectors(path),
              StatusIs(StatusCode::kCorruption, HasSubstr("not a .fvecs file")));
  std::vector<float> noise = testing::random_floats(1, 333, 9);
  write_bytes(path, std::string(reinterpret_cast<const char*>(noise.data()), 333 * 4));
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kCorruption, HasSubstr("row 0")));
}

TEST(VecsTest, MissingFileIsNotFound) {
  TempDir dir;
  EXPECT_THAT(read_vectors(dir.file("nope.fvecs")),
              StatusIs(StatusCode::kNotFound, HasSubstr("nope.fvecs")));
}

TEST(VecsTest, OverwriteReplacesExistingFile) {
  TempDir dir;
  auto path = dir.file("a.ivecs");
  VECDEX_ASSERT_OK(write_ids(path, IdMatrix{{1, 2, 3, 4}, 2, 2}));
  VECDEX_ASSERT_OK(write_ids(path, IdMatrix{{9}, 1, 1}));
  auto m = read_ids(path);
  VECDEX_ASSERT_OK(m);
  EXPECT_THAT(m->data, ElementsAre(9));
  EXPECT_EQ(read_bytes(path).size(), 8u);
}

}  // namespace
}  // namespace vecdex
