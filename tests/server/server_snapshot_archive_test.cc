// Snapshot tar archives: round trip, nested folders, and the entries extraction refuses.
#include "server/snapshot_archive.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "server/tar_builder.h"
#include "testing/temp_dir.h"

namespace vecdex::server {
namespace {

namespace fs = std::filesystem;
using testing::make_tar;

std::string read_all(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(SnapshotArchiveTest, WriteThenExtractRoundTrips) {
  vecdex::testing::TempDir src, dst;
  std::ofstream(src.file("MANIFEST")) << "vecdex-snapshot 1\n";
  std::string big(200000, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>(i * 7);
  std::ofstream(src.file("points.dat"), std::ios::binary) << big;
  fs::create_directory(src.file("ignored-subdir"));
  std::string tar;
  ASSERT_TRUE(write_tar(src.path(), [&](const char* d, size_t n) {
                tar.append(d, n);
                return true;
              }).ok());
  ASSERT_TRUE(extract_tar(tar, dst.path()).ok());
  EXPECT_EQ(read_all(dst.file("MANIFEST")), "vecdex-snapshot 1\n");
  EXPECT_EQ(read_all(dst.file("points.dat")), big);
  EXPECT_FALSE(fs::exists(dst.file("ignored-subdir")));
  EXPECT_EQ(snapshot_root(dst.path()), dst.path());
}

TEST(SnapshotArchiveTest, AbortingSinkCancels) {
  vecdex::testing::TempDir src;
  std::ofstream(src.file("MANIFEST")) << std::string(100000, 'x');
  const Status s = write_tar(src.path(), [](const char*, size_t) { return false; });
  EXPECT_EQ(s.code(), StatusCode::kCancelled) << s.to_string();
}

TEST(SnapshotArchiveTest, WrappingFolderIsFound) {
  vecdex::testing::TempDir dst;
  ASSERT_TRUE(extract_tar(make_tar({{"./snap/MANIFEST", "m"}, {"snap/points.dat", "p"}}),
                          dst.path())
                  .ok());
  EXPECT_EQ(snapshot_root(dst.path()), dst.path() / "snap");
}

TEST(SnapshotArchiveTest, RefusesUnsafeEntries) {
  struct Case {
    std::vector<testing::TarEntry> entries;
    const char* why;
  };
  for (const Case& c : {Case{{{"../escape", "x"}}, ".."},
                        Case{{{"a/../../escape", "x"}}, ".."},
                        Case{{{"/abs", "x"}}, "absolute"},
                        Case{{{"link", "/etc/passwd", true}}, "regular file"},
                        Case{{{"dup", "1"}, {"dup", "2"}}, "twice"}}) {
    vecdex::testing::TempDir dst;
    const Status s = extract_tar(make_tar(c.entries), dst.path());
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << c.why;
    EXPECT_NE(s.message().find(c.why), std::string::npos) << s.message();
  }
  vecdex::testing::TempDir dst;
  EXPECT_EQ(extract_tar("garbage that is not a tar", dst.path()).code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(extract_tar(make_tar({{"a", "1"}, {"b", "2"}}), dst.path(), 1).code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace vecdex::server
