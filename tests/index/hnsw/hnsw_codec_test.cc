// HNSW over lossy codecs: recall with and without exact re-ranking, and memory per vector.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "index/hnsw/hnsw_test_util.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace vecdex {
namespace {

using testing::HnswData;

class HnswCodecTest : public ::testing::TestWithParam<const char*> {
 protected:
  static void SetUpTestSuite() {
    data_ = new HnswData(testing::clustered(4000, 50, 48));
    truth_ = new std::vector<std::vector<Id>>(
        testing::exact_topk(data_->base, data_->ids, data_->queries, 10));
  }
  static void TearDownTestSuite() {
    delete data_;
    delete truth_;
  }
  static HnswData* data_;
  static std::vector<std::vector<Id>>* truth_;
};
HnswData* HnswCodecTest::data_ = nullptr;
std::vector<std::vector<Id>>* HnswCodecTest::truth_ = nullptr;

double stat_value(const IndexStats& st, const std::string& key) {
  for (auto& [k, v] : st.extra) {
    if (k == key) return std::stod(v);
  }
  return -1;
}

TEST_P(HnswCodecTest, RecallAndSaveLoad) {
  auto index = testing::build(GetParam(), *data_, 0);
  ASSERT_NE(index, nullptr) << GetParam();
  SearchParams p;
  p.ef = 80;
  auto r = index->search(data_->queries.view(), 10, p);
  VECDEX_ASSERT_OK(r);
  const bool refine = std::string(GetParam()).find("Refine") != std::string::npos;
  EXPECT_GE(testing::recall(*r, *truth_), refine ? 0.97 : 0.9) << GetParam();
  testing::TempDir dir;
  VECDEX_ASSERT_OK(index->save(dir.file("c.vdx")));
  auto loaded = load_index(dir.file("c.vdx"), LoadOptions{true});
  VECDEX_ASSERT_OK(loaded);
  auto r2 = (*loaded)->search(data_->queries.view(), 10, p);
  VECDEX_ASSERT_OK(r2);
  EXPECT_EQ(r->ids, r2->ids);
  EXPECT_EQ(r->distances, r2->distances);
}

INSTANTIATE_TEST_SUITE_P(Codecs, HnswCodecTest,
                         ::testing::Values("HNSW16,FP16", "HNSW16,BF16", "HNSW16,SQ8",
                                           "HNSW16,SQ8,Refine"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

TEST_F(HnswCodecTest, RerankReturnsExactDistancesAndSq8IsSmaller) {
  auto f32 = testing::build("HNSW16", *data_, 0);
  auto sq8 = testing::build("HNSW16,SQ8", *data_, 0);
  auto refine = testing::build("HNSW16,SQ8,Refine", *data_, 0);
  ASSERT_NE(f32, nullptr);
  ASSERT_NE(sq8, nullptr);
  ASSERT_NE(refine, nullptr);
  // At dim 48 the links weigh as much as the vector: an f32 block is 192 + 132 = 324 bytes
  // (packed: padding to 384 would cost 18%), SQ8's 256 or less (a quarter of the code bytes,
  // plus the codec's per-vector terms, plus the same links).
  EXPECT_LE(stat_value(sq8->stats(), "block_bytes"), 256);
  EXPECT_EQ(stat_value(f32->stats(), "block_bytes"), 324);
  EXPECT_LT(stat_value(sq8->stats(), "bytes_per_vector"),
            stat_value(f32->stats(), "bytes_per_vector"));
  SearchParams p;
  p.ef = 64;
  p.rerank = 40;
  auto r = refine->search(data_->queries.view(), 10, p);
  VECDEX_ASSERT_OK(r);
  EXPECT_GE(testing::recall(*r, *truth_), 0.97);
  // Re-ranked distances are exact squared L2 distances to the stored originals.
  for (size_t q = 0; q < 5; ++q) {
    for (size_t i = 0; i < 10; ++i) {
      Id id = r->ids_row(q)[i];
      size_t row = (id - 1000) / 7;
      double d = 0;
      for (size_t j = 0; j < 48; ++j) {
        double t = double(data_->queries.row(q)[j]) - data_->base.row(row)[j];
        d += t * t;
      }
      EXPECT_NEAR(r->distances_row(q)[i], d, 1e-3 * (1 + d));
    }
  }
}

}  // namespace
}  // namespace vecdex
