// IDX (Fashion-MNIST) images and labels, plain and gzip: round trips, magic and size checks,
// truncated and damaged streams, and lying headers.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

#include "core/dataset/dataset_test_util.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vecdex/dataset.h"

namespace vecdex {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::append_be32;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

// n images of h x w pixels, pixel (i, p) = (i * 7 + p) % 256.
std::string make_images(uint32_t n, uint32_t h, uint32_t w) {
  std::string out;
  append_be32(out, 0x00000803);
  append_be32(out, n);
  append_be32(out, h);
  append_be32(out, w);
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t p = 0; p < h * w; ++p) out.push_back(static_cast<char>((i * 7 + p) % 256));
  }
  return out;
}

std::string make_labels(const std::vector<uint8_t>& labels) {
  std::string out;
  append_be32(out, 0x00000801);
  append_be32(out, static_cast<uint32_t>(labels.size()));
  for (uint8_t l : labels) out.push_back(static_cast<char>(l));
  return out;
}

void write_gz(const std::filesystem::path& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, bytes.data(), static_cast<unsigned>(bytes.size())),
            static_cast<int>(bytes.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

TEST(IdxTest, ReadsPlainAndGzipImages) {
  TempDir dir;
  const std::string bytes = make_images(5, 4, 3);
  write_bytes(dir.file("train-images-idx3-ubyte"), bytes);
  write_gz(dir.file("train-images-idx3-ubyte.gz"), bytes);
  for (const char* name : {"train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"}) {
    auto m = read_vectors(dir.file(name));
    VECDEX_ASSERT_OK(m) << name;
    EXPECT_EQ(m->rows, 5u);
    EXPECT_EQ(m->dim, 12u);
    EXPECT_EQ(m->row(2)[5], static_cast<float>(2 * 7 + 5));
    EXPECT_EQ(m->row(4)[11], static_cast<float>(4 * 7 + 11));
  }
}

TEST(IdxTest, ReadsPlainAndGzipLabels) {
  TempDir dir;
  const std::string bytes = make_labels({9, 0, 0, 3, 255});
  write_bytes(dir.file("t10k-labels-idx1-ubyte"), bytes);
  write_gz(dir.file("t10k-labels-idx1-ubyte.gz"), bytes);
  for (const char* name : {"t10k-labels-idx1-ubyte", "t10k-labels-idx1-ubyte.gz"}) {
    auto m = read_ids(dir.file(name));
    VECDEX_ASSERT_OK(m) << name;
    EXPECT_EQ(m->rows, 5u);
    EXPECT_EQ(m->cols, 1u);
    EXPECT_THAT(m->data, ElementsAre(9, 0, 0, 3, 255));
  }
}

TEST(IdxTest, MaxRowsStillValidatesTheWholeFile) {
  TempDir dir;
  ReadOptions options;
  options.max_rows = 2;
  for (bool gz : {false, true}) {
    auto path = dir.file(gz ? "a-idx3-ubyte.gz" : "a-idx3-ubyte");
    std::string bytes = make_images(6, 2, 2);
    gz ? write_gz(path, bytes) : write_bytes(path, bytes);
    auto m = read_vectors(path, options);
    VECDEX_ASSERT_OK(m);
    EXPECT_EQ(m->rows, 2u);
    EXPECT_EQ(m->data.size(), 8u);
    // One byte short: even though only 2 rows are wanted, the file is not what it claims.
    bytes.pop_back();
    gz ? write_gz(path, bytes) : write_bytes(path, bytes);
    EXPECT_THAT(read_vectors(path, options), StatusIs(StatusCode::kCorruption,
                                                      HasSubstr("header claims 6 images")));
  }
}

TEST(IdxTest, SizeMismatchesAreCorruption) {
  TempDir dir;
  for (bool gz : {false, true}) {
    auto path = dir.file(gz ? "x-idx3-ubyte.gz" : "x-idx3-ubyte");
    std::string bytes = make_images(3, 2, 2);
    for (size_t cut : {2u, 10u, 16u, 20u, 27u}) {
      gz ? write_gz(path, bytes.substr(0, cut)) : write_bytes(path, bytes.substr(0, cut));
      EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kCorruption, ::testing::_))
          << "gz " << gz << " cut " << cut;
    }
    gz ? write_gz(path, bytes + "xyz") : write_bytes(path, bytes + "xyz");
    EXPECT_THAT(read_vectors(path),
                StatusIs(StatusCode::kCorruption, HasSubstr(gz ? "trailing" : "file has 15")));
  }
}

TEST(IdxTest, LyingHeaderInTinyGzipIsCorruptionNotAHugeAllocation) {
  TempDir dir;
  std::string bytes;
  append_be32(bytes, 0x00000803);
  append_be32(bytes, 0xffffffffu);
  append_be32(bytes, 1024);
  append_be32(bytes, 1024);
  bytes.append(100, '\x01');
  auto path = dir.file("lie-idx3-ubyte.gz");
  write_gz(path, bytes);
  EXPECT_THAT(read_vectors(path),
              StatusIs(StatusCode::kCorruption,
                       AllOf(HasSubstr("header claims 4294967295 images"),
                             HasSubstr("data ends at byte offset 116"))));
}

TEST(IdxTest, DamagedGzipStreamIsCorruption) {
  TempDir dir;
  auto path = dir.file("d-idx3-ubyte.gz");
  write_gz(path, make_images(50, 28, 28));
  std::string gz = read_bytes(path);
  // A cut stream, and one with its deflate payload overwritten.
  write_bytes(path, gz.substr(0, gz.size() / 2));
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kCorruption, ::testing::_));
  for (size_t i = 20; i < gz.size() - 8; i += 3) gz[i] = static_cast<char>(gz[i] ^ 0x5a);
  write_bytes(path, gz);
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kCorruption, ::testing::_));
}

TEST(IdxTest, WrongMagicAndWrongKind) {
  TempDir dir;
  auto images = dir.file("a-idx3-ubyte");
  write_bytes(images, testing::png_signature() + std::string(100, '\0'));
  EXPECT_THAT(read_vectors(images),
              StatusIs(StatusCode::kCorruption,
                       AllOf(HasSubstr("bad IDX magic 0x89504e47"), HasSubstr("0x00000803"))));
  write_bytes(images, "");
  EXPECT_THAT(read_vectors(images), StatusIs(StatusCode::kCorruption, HasSubstr("truncated")));
  // A label file named like an image file.
  write_bytes(images, make_labels({1, 2}));
  EXPECT_THAT(read_vectors(images),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("is an IDX label file")));
  std::string zero = make_images(1, 2, 2);
  zero[11] = 0;  // height 0
  write_bytes(images, zero);
  EXPECT_THAT(read_vectors(images),
              StatusIs(StatusCode::kCorruption, HasSubstr("image size 0 x 2")));
}

}  // namespace
}  // namespace vecdex
