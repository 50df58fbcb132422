// IVF training and updates: add before train, too little training data, add after train in
// several calls, remove (gone at once, re-add works), and retraining a filled index.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "index/ivf/ivf_test_util.h"
#include "testing/status_matchers.h"
#include "vecdex/index_factory.h"

namespace vecdex::ivf {
namespace {

using ::testing::HasSubstr;

constexpr size_t kDim = 16;
constexpr size_t kN = 2000;

TEST(IvfUpdateTest, AddBeforeTrainIsFailedPrecondition) {
  auto index = make_index("IVF16,Flat", kDim, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  EXPECT_FALSE((*index)->is_trained());
  auto base = testing::clustered(10, kDim, 3, 1);
  std::vector<Id> ids = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_THAT((*index)->add(ids, MatrixView{base.data(), 10, kDim}),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("must be trained before add")));
  EXPECT_THAT((*index)->search(MatrixView{base.data(), 1, kDim}, 3),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("trained")));
}

TEST(IvfUpdateTest, TooFewTrainingRowsIsInvalidArgument) {
  auto index = make_index("IVF64,SQ8", kDim, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  auto base = testing::clustered(10, kDim, 3, 1);
  EXPECT_THAT((*index)->train(MatrixView{base.data(), 10, kDim}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("IVF64 needs at least 64 training vectors (one per list), got 10")));
}

TEST(IvfUpdateTest, RetrainingAFilledIndexIsFailedPrecondition) {
  auto index = make_index("IVF8,Flat", kDim, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  auto base = testing::clustered(kN, kDim, 10, 2);
  std::vector<Id> ids(kN);
  for (size_t i = 0; i < kN; ++i) ids[i] = i;
  MatrixView v{base.data(), kN, kDim};
  VECDEX_ASSERT_OK((*index)->train(v));
  VECDEX_ASSERT_OK((*index)->add(ids, v));
  EXPECT_THAT((*index)->train(v),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("already holds 2000 vectors")));
}

class IvfRemoveTest : public ::testing::TestWithParam<const char*> {};

TEST_P(IvfRemoveTest, AddInPiecesRemoveAndReAdd) {
  auto index = make_index(GetParam(), kDim, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  Index& ix = **index;
  auto base = testing::clustered(kN, kDim, 10, 3);
  std::vector<Id> ids(kN);
  for (size_t i = 0; i < kN; ++i) ids[i] = 1000 + i;
  VECDEX_ASSERT_OK(ix.train(MatrixView{base.data(), kN, kDim}));
  // Three adds.
  for (size_t b : {size_t{0}, size_t{700}, size_t{1500}}) {
    const size_t e = b == 0 ? 700 : (b == 700 ? 1500 : kN);
    VECDEX_ASSERT_OK(ix.add(std::span<const Id>(ids.data() + b, e - b),
                            MatrixView{base.data() + b * kDim, e - b, kDim}));
  }
  EXPECT_EQ(ix.size(), kN);
  EXPECT_THAT(ix.add(std::span<const Id>(ids.data(), 1), MatrixView{base.data(), 1, kDim}),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("id 1000 (row 0)")));
  SearchParams all;
  all.nprobe = 16;
  // Every vector finds itself first.
  auto self = ix.search(MatrixView{base.data(), 50, kDim}, 1, all);
  VECDEX_ASSERT_OK(self);
  for (size_t i = 0; i < 50; ++i) EXPECT_EQ(self->ids[i], ids[i]);

  // Remove every third id (and some unknown ids): gone at once.
  std::vector<Id> gone;
  for (size_t i = 0; i < kN; i += 3) gone.push_back(ids[i]);
  gone.push_back(5);
  auto removed = ix.remove(gone);
  VECDEX_ASSERT_OK(removed);
  EXPECT_EQ(*removed, gone.size() - 1);
  EXPECT_EQ(ix.size(), kN - (gone.size() - 1));
  std::set<Id> gone_set(gone.begin(), gone.end());
  auto r = ix.search(MatrixView{base.data(), 60, kDim}, 10, all);
  VECDEX_ASSERT_OK(r);
  for (size_t q = 0; q < 60; ++q) {
    for (size_t i = 0; i < 10; ++i) {
      EXPECT_EQ(gone_set.count(r->ids_row(q)[i]), 0u);
      EXPECT_NE(r->ids_row(q)[i], kNoId);
    }
    if (q % 3 != 0) {
      EXPECT_EQ(r->ids_row(q)[0], ids[q]) << q;  // survivors still find themselves
    }
  }
  // Re-add the removed ones: found again.
  std::vector<Id> back;
  std::vector<float> back_rows;
  for (size_t i = 0; i < kN; i += 3) {
    back.push_back(ids[i]);
    back_rows.insert(back_rows.end(), base.begin() + i * kDim, base.begin() + (i + 1) * kDim);
  }
  VECDEX_ASSERT_OK(ix.add(back, MatrixView{back_rows.data(), back.size(), kDim}));
  EXPECT_EQ(ix.size(), kN);
  auto again = ix.search(MatrixView{base.data(), 30, kDim}, 1, all);
  VECDEX_ASSERT_OK(again);
  for (size_t i = 0; i < 30; ++i) EXPECT_EQ(again->ids[i], ids[i]) << i;
}

INSTANTIATE_TEST_SUITE_P(Storages, IvfRemoveTest,
                         ::testing::Values("IVF16,Flat", "IVF16,SQ8", "IVF16,FP16,Refine",
                                           "IVF16,PQ8,Refine", "IVF16,PQ8x4fs,Refine"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& ch : name) {
                             if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace vecdex::ivf
