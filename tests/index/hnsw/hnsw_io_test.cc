// HNSW files: save / load / mmap give identical results, a mapped index copies itself before
// the first mutation, and damaged graph sections (with valid checksums) are Corruption.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <functional>

#include "index/hnsw/hnsw_test_util.h"
#include "index/index_file.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;
using testing::HnswData;

std::vector<char> slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(f), {});
}

TEST(HnswIoTest, LoadAndMmapGiveIdenticalResultsAfterChurn) {
  testing::TempDir dir;
  HnswData d = testing::clustered(3000, 40, 20);
  auto index = testing::build("HNSW16,efc=64", d, 0);
  ASSERT_NE(index, nullptr);
  std::vector<Id> gone(d.ids.begin(), d.ids.begin() + 200);
  VECDEX_ASSERT_OK(index->remove(gone));  // free slots and a repaired graph go to the file
  std::vector<Id> ids = {5, 6, 7};
  VECDEX_ASSERT_OK(index->add(ids, MatrixView{d.queries.data.data(), 3, 20}));
  SearchParams p;
  p.ef = 40;
  auto before = index->search(d.queries.view(), 10, p);
  VECDEX_ASSERT_OK(before);
  VECDEX_ASSERT_OK(index->save(dir.file("h.vdx")));
  for (bool use_mmap : {false, true}) {
    auto loaded = load_index(dir.file("h.vdx"), LoadOptions{use_mmap});
    VECDEX_ASSERT_OK(loaded);
    EXPECT_EQ((*loaded)->size(), index->size());
    auto after = (*loaded)->search(d.queries.view(), 10, p);
    VECDEX_ASSERT_OK(after);
    EXPECT_EQ(after->ids, before->ids);
    EXPECT_EQ(after->distances, before->distances);
  }
}

TEST(HnswIoTest, MappedIndexCopiesBeforeMutating) {
  testing::TempDir dir;
  HnswData d = testing::clustered(1000, 10, 12);
  auto index = testing::build("HNSW8,efc=32", d, 0);
  ASSERT_NE(index, nullptr);
  VECDEX_ASSERT_OK(index->save(dir.file("h.vdx")));
  auto bytes = slurp(dir.file("h.vdx"));
  auto loaded = load_index(dir.file("h.vdx"), LoadOptions{true});
  VECDEX_ASSERT_OK(loaded);
  std::vector<Id> gone(d.ids.begin(), d.ids.begin() + 100);
  VECDEX_ASSERT_OK((*loaded)->remove(gone));
  std::vector<Id> more = {1, 2};
  VECDEX_ASSERT_OK((*loaded)->add(more, MatrixView{d.queries.data.data(), 2, 12}));
  EXPECT_EQ((*loaded)->size(), 902u);
  EXPECT_EQ(slurp(dir.file("h.vdx")), bytes);  // the mapping was never written
  auto r = (*loaded)->search(MatrixView{d.queries.data.data(), 1, 12}, 1);
  VECDEX_ASSERT_OK(r);
  EXPECT_EQ(r->ids[0], 1u);
}

// Rewrites one section of a saved file (checksums recomputed), to reach the family's own
// validation behind the container's.
void rewrite_section(const std::filesystem::path& in, const std::filesystem::path& out,
                     const std::string& name, const std::function<void(std::vector<uint8_t>&)>& edit) {
  auto reader = IndexFileReader::open(in, false);
  ASSERT_THAT(reader, IsOk());
  const char* names[] = {"index.spec", "hnsw.params", "hnsw.level0", "hnsw.levels",
                         "hnsw.upper", "hnsw.ids",    "hnsw.codec"};
  std::vector<std::vector<uint8_t>> copies;
  for (const char* n : names) {
    auto s = reader->section(n);
    ASSERT_THAT(s, IsOk());
    copies.emplace_back(s->begin(), s->end());
    if (name == n) edit(copies.back());
  }
  IndexFileWriter writer(reader->info());
  for (size_t i = 0; i < copies.size(); ++i) {
    ASSERT_THAT(writer.add_section(names[i], copies[i]), IsOk());
  }
  ASSERT_THAT(writer.write(out), IsOk());
}

TEST(HnswIoTest, DamagedGraphSectionsAreCorruption) {
  testing::TempDir dir;
  HnswData d = testing::clustered(500, 2, 8);
  auto index = testing::build("HNSW8,efc=32", d, 0);
  ASSERT_NE(index, nullptr);
  VECDEX_ASSERT_OK(index->save(dir.file("h.vdx")));
  // Block layout for dim 8, M0 16: code 32 bytes, count at 32, packed stride 100.
  rewrite_section(dir.file("h.vdx"), dir.file("link.vdx"), "hnsw.level0",
                  [](std::vector<uint8_t>& b) {
                    uint32_t bad = 1u << 30;
                    std::memcpy(b.data() + 100 * 3 + 36, &bad, 4);
                  });
  EXPECT_THAT(load_index(dir.file("link.vdx")),
              StatusIs(StatusCode::kCorruption, HasSubstr("slot 3 level 0 links to invalid node")));
  rewrite_section(dir.file("h.vdx"), dir.file("count.vdx"), "hnsw.level0",
                  [](std::vector<uint8_t>& b) {
                    uint32_t bad = 17;
                    std::memcpy(b.data() + 32, &bad, 4);
                  });
  EXPECT_THAT(load_index(dir.file("count.vdx")),
              StatusIs(StatusCode::kCorruption, HasSubstr("has 17 links (max 16)")));
  rewrite_section(dir.file("h.vdx"), dir.file("ids.vdx"), "hnsw.ids",
                  [](std::vector<uint8_t>& b) { std::memcpy(b.data() + 8, b.data(), 8); });
  EXPECT_THAT(load_index(dir.file("ids.vdx")),
              StatusIs(StatusCode::kCorruption, HasSubstr("appears twice")));
  rewrite_section(dir.file("h.vdx"), dir.file("params.vdx"), "hnsw.params",
                  [](std::vector<uint8_t>& b) { b[8] ^= 1; });
  EXPECT_THAT(load_index(dir.file("params.vdx")),
              StatusIs(StatusCode::kCorruption, HasSubstr("disagrees with the spec")));
}

}  // namespace
}  // namespace vecdex
