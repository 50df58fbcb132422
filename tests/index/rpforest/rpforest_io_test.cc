// RPForest files: save / load / mmap give identical results (also after churn), a mapped index
// copies itself before the first mutation, and truncated or damaged files are Corruption.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <vector>

#include "index/hnsw/hnsw_test_util.h"
#include "index/index_file.h"
#include "index/rpforest/node.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vecdex/index_factory.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;
using testing::HnswData;

std::vector<char> slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(f), {});
}

void spit(const std::filesystem::path& p, const std::vector<char>& bytes) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

std::unique_ptr<Index> built(const std::string& spec, const HnswData& d, Metric metric) {
  auto index = make_index(spec, d.base.dim, metric);
  if (!index.ok() || !(*index)->add(d.ids, d.base.view()).ok()) return nullptr;
  return std::move(index).value();
}

TEST(RpForestIoTest, LoadAndMmapGiveIdenticalResultsAfterChurn) {
  testing::TempDir dir;
  for (Metric metric : {Metric::kL2, Metric::kCosine}) {
    HnswData d = testing::clustered(3000, 40, 20);
    auto index = built("RPForest6,leaf=12", d, metric);
    ASSERT_NE(index, nullptr);
    std::vector<Id> gone(d.ids.begin(), d.ids.begin() + 100);
    VECDEX_ASSERT_OK(index->remove(gone));  // tombstones: dropped from the saved leaves
    std::vector<Id> more = {5, 6, 7};
    VECDEX_ASSERT_OK(index->add(more, MatrixView{d.queries.data.data(), 3, 20}));
    SearchParams p;
    p.search_k = 300;
    auto before = index->search(d.queries.view(), 10, p);
    VECDEX_ASSERT_OK(before);
    VECDEX_ASSERT_OK(index->save(dir.file("f.vdx")));
    for (bool use_mmap : {false, true}) {
      auto loaded = load_index(dir.file("f.vdx"), LoadOptions{use_mmap});
      VECDEX_ASSERT_OK(loaded);
      EXPECT_EQ((*loaded)->size(), index->size());
      EXPECT_EQ((*loaded)->spec(), "RPForest6,leaf=12");
      auto after = (*loaded)->search(d.queries.view(), 10, p);
      VECDEX_ASSERT_OK(after);
      EXPECT_EQ(after->ids, before->ids);
      EXPECT_EQ(after->distances, before->distances);
      // Saving the loaded index again gives the same bytes.
      VECDEX_ASSERT_OK((*loaded)->save(dir.file("g.vdx")));
      EXPECT_EQ(slurp(dir.file("g.vdx")), slurp(dir.file("f.vdx")));
    }
  }
}

TEST(RpForestIoTest, EmptyIndexRoundTrips) {
  testing::TempDir dir;
  auto index = make_index("RPForest4", 6, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  VECDEX_ASSERT_OK((*index)->save(dir.file("e.vdx")));
  auto loaded = load_index(dir.file("e.vdx"), LoadOptions{true});
  VECDEX_ASSERT_OK(loaded);
  EXPECT_EQ((*loaded)->size(), 0u);
  std::vector<float> v(12, 1.0f);
  std::vector<Id> ids = {1, 2};
  VECDEX_ASSERT_OK((*loaded)->add(ids, MatrixView{v.data(), 2, 6}));
  EXPECT_EQ((*loaded)->size(), 2u);
}

TEST(RpForestIoTest, MappedIndexCopiesBeforeMutating) {
  testing::TempDir dir;
  HnswData d = testing::clustered(1000, 10, 12);
  auto index = built("RPForest5,leaf=8", d, Metric::kL2);
  ASSERT_NE(index, nullptr);
  VECDEX_ASSERT_OK(index->save(dir.file("f.vdx")));
  const auto bytes = slurp(dir.file("f.vdx"));
  auto loaded = load_index(dir.file("f.vdx"), LoadOptions{true});
  VECDEX_ASSERT_OK(loaded);
  std::vector<Id> gone(d.ids.begin(), d.ids.begin() + 400);  // enough to compact the leaves
  VECDEX_ASSERT_OK((*loaded)->remove(gone));
  std::vector<Id> more = {1, 2};
  VECDEX_ASSERT_OK((*loaded)->add(more, MatrixView{d.queries.data.data(), 2, 12}));
  EXPECT_EQ((*loaded)->size(), 602u);
  EXPECT_EQ(slurp(dir.file("f.vdx")), bytes);  // the mapping was never written
  auto r = (*loaded)->search(MatrixView{d.queries.data.data(), 1, 12}, 1);
  VECDEX_ASSERT_OK(r);
  EXPECT_EQ(r->ids[0], 1u);
}

TEST(RpForestIoTest, TruncatedFileIsCorruption) {
  testing::TempDir dir;
  HnswData d = testing::clustered(300, 2, 8);
  auto index = built("RPForest3", d, Metric::kL2);
  ASSERT_NE(index, nullptr);
  VECDEX_ASSERT_OK(index->save(dir.file("f.vdx")));
  const auto bytes = slurp(dir.file("f.vdx"));
  for (size_t cut : {size_t{10}, size_t{100}, bytes.size() / 2, bytes.size() - 1}) {
    spit(dir.file("cut.vdx"), std::vector<char>(bytes.begin(), bytes.begin() + cut));
    for (bool use_mmap : {false, true}) {
      EXPECT_THAT(load_index(dir.file("cut.vdx"), LoadOptions{use_mmap}),
                  StatusIs(StatusCode::kCorruption, HasSubstr("cut.vdx")))
          << "cut at " << cut;
    }
  }
}

// Rewrites one section of a saved file (checksums recomputed), to reach the family's own
// validation behind the container's.
void rewrite_section(const std::filesystem::path& in, const std::filesystem::path& out,
                     const std::string& name,
                     const std::function<void(std::vector<uint8_t>&)>& edit) {
  auto reader = IndexFileReader::open(in, false);
  ASSERT_THAT(reader, IsOk());
  const char* names[] = {"index.spec",  "rpf.params",  "rpf.roots", "rpf.nodes",
                         "rpf.normals", "rpf.entries", "rpf.vectors", "rpf.ids"};
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

rpforest::Node node_at(const std::vector<uint8_t>& b, size_t i) {
  rpforest::Node n;
  std::memcpy(&n, b.data() + i * sizeof(n), sizeof(n));
  return n;
}
void set_node(std::vector<uint8_t>& b, size_t i, const rpforest::Node& n) {
  std::memcpy(b.data() + i * sizeof(n), &n, sizeof(n));
}

TEST(RpForestIoTest, DamagedSectionsAreCorruption) {
  testing::TempDir dir;
  HnswData d = testing::clustered(400, 2, 8);
  auto index = built("RPForest2,leaf=10", d, Metric::kL2);
  ASSERT_NE(index, nullptr);
  VECDEX_ASSERT_OK(index->save(dir.file("f.vdx")));
  struct Case {
    const char* section;
    std::function<void(std::vector<uint8_t>&)> edit;
    const char* message;
  };
  const std::vector<Case> cases = {
      {"rpf.nodes",
       [](std::vector<uint8_t>& b) {  // the first root's left child out of range
         rpforest::Node n = node_at(b, 0);
         set_node(b, 0, rpforest::Node::split(n.normal, 1u << 30, n.right(), n.bias()));
       },
       "links to node 1073741824"},
      {"rpf.nodes",
       [](std::vector<uint8_t>& b) {  // both children the same node: reached twice
         rpforest::Node n = node_at(b, 0);
         set_node(b, 0, rpforest::Node::split(n.normal, n.right(), n.right(), n.bias()));
       },
       "is reached twice"},
      {"rpf.nodes",
       [](std::vector<uint8_t>& b) {  // a cycle back to the root
         rpforest::Node n = node_at(b, 0);
         set_node(b, 0, rpforest::Node::split(n.normal, 0, n.right(), n.bias()));
       },
       "is reached twice"},
      {"rpf.nodes",
       [](std::vector<uint8_t>& b) {
         rpforest::Node n = node_at(b, 0);
         set_node(b, 0, rpforest::Node::split(99999, n.left(), n.right(), n.bias()));
       },
       "uses normal 99999"},
      {"rpf.nodes",
       [](std::vector<uint8_t>& b) {
         rpforest::Node n = node_at(b, 0);
         set_node(b, 0, rpforest::Node::split(n.normal, n.left(), n.right(), NAN));
       },
       "non-finite bias"},
      {"rpf.entries",
       [](std::vector<uint8_t>& b) {
         const uint32_t bad = 5000;
         std::memcpy(b.data() + 4, &bad, 4);
       },
       "lists slot 5000, which is not a live slot"},
      {"rpf.entries", [](std::vector<uint8_t>& b) { b.resize(b.size() - 4); },
       "rpf.entries"},
      {"rpf.ids", [](std::vector<uint8_t>& b) { std::memcpy(b.data() + 8, b.data(), 8); },
       "appears twice"},
      {"rpf.params", [](std::vector<uint8_t>& b) { b[8] ^= 1; }, "disagrees with the spec"},
      {"rpf.roots", [](std::vector<uint8_t>& b) { b.resize(4); }, "rpf.roots"},
      {"index.spec",
       [](std::vector<uint8_t>& b) {
         const std::string bad = "RPForest2,leaf=0";
         b.assign(bad.begin(), bad.end());
       },
       "bad spec"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string name = "bad" + std::to_string(i) + ".vdx";
    rewrite_section(dir.file("f.vdx"), dir.file(name), cases[i].section, cases[i].edit);
    for (bool use_mmap : {false, true}) {
      EXPECT_THAT(load_index(dir.file(name), LoadOptions{use_mmap}),
                  StatusIs(StatusCode::kCorruption, HasSubstr(cases[i].message)))
          << "case " << i;
    }
  }
}

}  // namespace
}  // namespace vecdex
