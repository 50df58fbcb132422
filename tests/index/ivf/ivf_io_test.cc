// IVF save / load: identical results after a load into memory and after an mmap load, for every
// storage stage; adds and removes after an mmap load (copy-on-write); untrained indexes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "index/ivf/ivf_test_util.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vecdex/index_factory.h"

namespace vecdex::ivf {
namespace {

constexpr size_t kDim = 16;
constexpr size_t kN = 1500;

class IvfIoTest : public ::testing::TestWithParam<const char*> {};

TEST_P(IvfIoTest, SaveLoadAndMmapGiveIdenticalResults) {
  ::vecdex::testing::TempDir dir;
  auto base = testing::clustered(kN, kDim, 10, 9);
  std::vector<Id> ids(kN);
  for (size_t i = 0; i < kN; ++i) ids[i] = 50 + 2 * i;
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
    auto made = make_index(GetParam(), kDim, metric);
    VECDEX_ASSERT_OK(made);
    Index& index = **made;
    VECDEX_ASSERT_OK(index.train(MatrixView{base.data(), kN, kDim}));
    VECDEX_ASSERT_OK(index.add(ids, MatrixView{base.data(), kN, kDim}));
    VECDEX_ASSERT_OK(index.remove(std::vector<Id>{50, 52, 54}));  // lists not in add order
    SearchParams p;
    p.nprobe = 4;
    MatrixView q{base.data() + 100 * kDim, 20, kDim};
    auto before = index.search(q, 10, p);
    VECDEX_ASSERT_OK(before);
    VECDEX_ASSERT_OK(index.save(dir.file("ivf.vdx")));
    for (bool use_mmap : {false, true}) {
      auto loaded = load_index(dir.file("ivf.vdx"), LoadOptions{use_mmap});
      VECDEX_ASSERT_OK(loaded);
      Index& l = **loaded;
      EXPECT_EQ(l.size(), kN - 3);
      EXPECT_EQ(l.spec(), GetParam());
      auto after = l.search(q, 10, p);
      VECDEX_ASSERT_OK(after);
      EXPECT_EQ(after->ids, before->ids);
      EXPECT_EQ(after->distances, before->distances);
      // Mutations after a load copy the file image first.
      VECDEX_ASSERT_OK(l.add(std::vector<Id>{50}, MatrixView{base.data(), 1, kDim}));
      auto removed = l.remove(std::vector<Id>{52 + 2 * 100});
      VECDEX_ASSERT_OK(removed);
      EXPECT_EQ(*removed, 1u);
      auto self = l.search(MatrixView{base.data(), 1, kDim}, 1, p);
      VECDEX_ASSERT_OK(self);
      if (metric == Metric::kL2) EXPECT_EQ(self->ids[0], 50u);  // ip: a longer vector may win
      EXPECT_EQ(l.size(), kN - 3);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Storages, IvfIoTest,
                         ::testing::Values("IVF8,Flat", "IVF8,FP16", "IVF8,BF16", "IVF8,SQ8",
                                           "IVF8,SQ8,Refine", "IVF8,PQ4", "IVF8,PQ8x4",
                                           "IVF8,PQ8x4fs", "IVF8,PQ8x4fs,Refine,opq=1"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

TEST(IvfIoTest, UntrainedIndexRoundTrips) {
  ::vecdex::testing::TempDir dir;
  auto made = make_index("IVF8,SQ8", kDim, Metric::kL2);
  VECDEX_ASSERT_OK(made);
  VECDEX_ASSERT_OK((*made)->save(dir.file("u.vdx")));
  auto loaded = load_index(dir.file("u.vdx"));
  VECDEX_ASSERT_OK(loaded);
  EXPECT_FALSE((*loaded)->is_trained());
  auto base = testing::clustered(kN, kDim, 10, 9);
  VECDEX_ASSERT_OK((*loaded)->train(MatrixView{base.data(), kN, kDim}));
  VECDEX_ASSERT_OK((*loaded)->add(std::vector<Id>{1}, MatrixView{base.data(), 1, kDim}));
}

}  // namespace
}  // namespace vecdex::ivf
