// Core file helpers: checksum64, MappedFile, write_file_atomically / read_file, AlignedBuffer.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "core/aligned_buffer.h"
#include "core/checksum.h"
#include "core/file_util.h"
#include "core/mmap_file.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;

std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

TEST(ChecksumTest, IsDeterministicAndSensitiveToEveryByte) {
  std::string a = "vecdex checksum input";
  uint64_t h = checksum64(as_bytes(a));
  EXPECT_EQ(h, checksum64(a.data(), a.size()));
  for (size_t i = 0; i < a.size(); ++i) {
    std::string b = a;
    b[i] ^= 1;
    EXPECT_NE(checksum64(as_bytes(b)), h) << "byte " << i;
  }
  EXPECT_NE(checksum64(nullptr, 0), h);
}

TEST(FileUtilTest, AtomicWriteThenReadRoundTrips) {
  testing::TempDir dir;
  std::string a = "hello ", b = "world";
  std::vector<std::span<const uint8_t>> chunks = {as_bytes(a), as_bytes(b)};
  VECDEX_ASSERT_OK(write_file_atomically(dir.file("f.bin"), chunks));
  EXPECT_FALSE(std::filesystem::exists(dir.file("f.bin.tmp")));
  auto read = read_file(dir.file("f.bin"));
  VECDEX_ASSERT_OK(read);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(read->data()), read->size()), "hello world");
  EXPECT_EQ(reinterpret_cast<uintptr_t>(read->data()) % 64, 0u);
}

TEST(FileUtilTest, AtomicWriteReplacesExistingFile) {
  testing::TempDir dir;
  std::string a = "first", b = "second";
  std::vector<std::span<const uint8_t>> one = {as_bytes(a)}, two = {as_bytes(b)};
  VECDEX_ASSERT_OK(write_file_atomically(dir.file("f"), one));
  VECDEX_ASSERT_OK(write_file_atomically(dir.file("f"), two));
  auto read = read_file(dir.file("f"));
  VECDEX_ASSERT_OK(read);
  EXPECT_EQ(read->size(), b.size());
}

TEST(FileUtilTest, WriteIntoMissingDirectoryIsIOError) {
  testing::TempDir dir;
  std::string a = "x";
  std::vector<std::span<const uint8_t>> chunks = {as_bytes(a)};
  EXPECT_THAT(write_file_atomically(dir.file("no/such/dir/f"), chunks),
              StatusIs(StatusCode::kIOError, HasSubstr("no/such/dir/f")));
}

TEST(FileUtilTest, ReadMissingFileIsIOErrorNamingIt) {
  testing::TempDir dir;
  EXPECT_THAT(read_file(dir.file("missing.vdx")),
              StatusIs(StatusCode::kIOError, HasSubstr("missing.vdx")));
}

TEST(MappedFileTest, MapsContentsAligned) {
  testing::TempDir dir;
  std::string a(10000, 'z');
  std::vector<std::span<const uint8_t>> chunks = {as_bytes(a)};
  VECDEX_ASSERT_OK(write_file_atomically(dir.file("m"), chunks));
  auto m = MappedFile::open(dir.file("m"));
  VECDEX_ASSERT_OK(m);
  ASSERT_EQ(m->size(), a.size());
  EXPECT_EQ(std::memcmp(m->data(), a.data(), a.size()), 0);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(m->data()) % 64, 0u);
  MappedFile moved = std::move(*m);
  EXPECT_EQ(moved.size(), a.size());
}

TEST(MappedFileTest, EmptyFileMapsToEmptySpan) {
  testing::TempDir dir;
  std::ofstream(dir.file("empty")).close();
  auto m = MappedFile::open(dir.file("empty"));
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->size(), 0u);
}

TEST(MappedFileTest, MissingFileIsIOError) {
  testing::TempDir dir;
  EXPECT_THAT(MappedFile::open(dir.file("nope")),
              StatusIs(StatusCode::kIOError, HasSubstr("nope")));
}

TEST(AlignedBufferTest, GrowsKeepingContentsAndAlignment) {
  AlignedBuffer<float> buf;
  VECDEX_ASSERT_OK(buf.resize(3));
  buf[0] = 1; buf[1] = 2; buf[2] = 3;
  VECDEX_ASSERT_OK(buf.resize(1000));
  EXPECT_EQ(buf[2], 3.0f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(buf.data()) % 64, 0u);
  EXPECT_GE(buf.capacity(), 1000u);
}

TEST(AlignedBufferTest, ImpossibleSizeIsResourceExhausted) {
  AlignedBuffer<float> buf;
  EXPECT_THAT(buf.resize(size_t{1} << 62), StatusIs(StatusCode::kResourceExhausted, HasSubstr("")));
  EXPECT_EQ(buf.size(), 0u);
}

}  // namespace
}  // namespace vecdex
