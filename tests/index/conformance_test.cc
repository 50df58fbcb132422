// The Index contract, run against every factory string. A new family joins by adding its
// string (and recall floor) to kSpecs; see STYLE.md §3.6.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <ostream>
#include <set>
#include <string>
#include <vector>

#include "testing/random_data.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vecdex/index_factory.h"

namespace vecdex {
namespace {

using ::testing::HasSubstr;

struct SpecCase {
  const char* spec;
  double recall_floor;  // recall@10 against brute force on the seeded data below
};
// Test names and failure messages show the spec, not the struct's bytes.
void PrintTo(const SpecCase& c, std::ostream* os) { *os << c.spec; }

const SpecCase kSpecs[] = {
    {"Flat", 0.999},
    {"HNSW32", 0.97},
    {"HNSW16,efc=100", 0.95},
    {"HNSW32,SQ8", 0.85},
    {"HNSW16,SQ8,Refine", 0.95},
    {"IVF16,Flat", 0.85},
    {"IVF16,PQ8x4fs,Refine", 0.68},
    {"RPForest10", 0.75},
};

constexpr size_t kDim = 24;
constexpr size_t kN = 2000;
constexpr size_t kQueries = 50;

class ConformanceTest : public ::testing::TestWithParam<SpecCase> {
 protected:
  void SetUp() override {
    base_ = testing::random_floats(kN, kDim, 17);
    for (size_t i = 0; i < kN; ++i) ids_.push_back(10 * i + 1);
    queries_ = testing::random_floats(kQueries, kDim, 23);
  }
  std::unique_ptr<Index> empty_index(Metric metric = Metric::kL2) {
    auto index = make_index(GetParam().spec, kDim, metric);
    EXPECT_THAT(index, IsOk());
    return index.ok() ? std::move(index).value() : nullptr;
  }
  std::unique_ptr<Index> filled_index(Metric metric = Metric::kL2) {
    auto index = empty_index(metric);
    MatrixView data{base_.data(), kN, kDim};
    EXPECT_THAT(index->train(data), IsOk());
    EXPECT_THAT(index->add(ids_, data), IsOk());
    return index;
  }
  MatrixView queries(size_t n = kQueries) const { return MatrixView{queries_.data(), n, kDim}; }

  std::vector<float> base_;
  std::vector<Id> ids_;
  std::vector<float> queries_;
};

TEST_P(ConformanceTest, RejectsQueryWithWrongDim) {
  auto index = filled_index();
  std::vector<float> q(100, 0.5f);
  EXPECT_THAT(index->search(MatrixView{q.data(), 1, 100}, 5),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("search: queries have dim 100, index dim is 24")));
}

TEST_P(ConformanceTest, RejectsAddWithWrongDimOrIdCount) {
  auto index = empty_index();
  std::vector<float> v(2 * 10, 0.5f);
  std::vector<Id> two = {1, 2};
  EXPECT_THAT(index->add(two, MatrixView{v.data(), 2, 10}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim 10, index dim is 24")));
  std::vector<Id> three = {1, 2, 3};
  EXPECT_THAT(index->add(three, MatrixView{base_.data(), 2, kDim}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("3 ids for 2 vectors")));
}

TEST_P(ConformanceTest, RejectsNaNAndInfNamingRowAndColumn) {
  auto index = filled_index();
  std::vector<float> q(queries_.begin(), queries_.begin() + 3 * kDim);
  q[2 * kDim + 5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(index->search(MatrixView{q.data(), 3, kDim}, 5),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("query row 2 column 5 is NaN")));
  q[2 * kDim + 5] = std::numeric_limits<float>::infinity();
  EXPECT_THAT(index->search(MatrixView{q.data(), 3, kDim}, 5),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("query row 2 column 5 is inf")));
  EXPECT_THAT(index->add(std::vector<Id>{5000001, 5000002, 5000003}, MatrixView{q.data(), 3, kDim}),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("vector row 2 (id 5000003) column 5 is inf")));
  EXPECT_EQ(index->size(), kN);
}

TEST_P(ConformanceTest, RejectsKOutOfRange) {
  auto index = filled_index();
  EXPECT_THAT(index->search(queries(1), 0),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("k must be in [1, 100000], got 0")));
  EXPECT_THAT(index->search(queries(1), Index::kMaxK + 1),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("got 100001")));
}

TEST_P(ConformanceTest, KLargerThanSizePadsRows) {
  auto index = empty_index();
  MatrixView five{base_.data(), 5, kDim};
  VECDEX_ASSERT_OK(index->train(MatrixView{base_.data(), kN, kDim}));
  VECDEX_ASSERT_OK(index->add(std::span<const Id>(ids_.data(), 5), five));
  auto r = index->search(queries(3), 8);
  VECDEX_ASSERT_OK(r);
  for (size_t q = 0; q < 3; ++q) {
    std::set<Id> seen(r->ids_row(q), r->ids_row(q) + 5);
    EXPECT_EQ(seen, std::set<Id>(ids_.begin(), ids_.begin() + 5));
    for (size_t i = 5; i < 8; ++i) {
      EXPECT_EQ(r->ids_row(q)[i], kNoId);
      EXPECT_EQ(r->distances_row(q)[i], std::numeric_limits<float>::infinity());
    }
  }
}

TEST_P(ConformanceTest, EmptyIndexReturnsPaddedRows) {
  auto index = empty_index(Metric::kInnerProduct);
  if (!index->is_trained()) {
    VECDEX_ASSERT_OK(index->train(MatrixView{base_.data(), kN, kDim}));
  }
  auto r = index->search(queries(2), 3);
  VECDEX_ASSERT_OK(r);
  EXPECT_EQ(r->ids, std::vector<Id>(6, kNoId));
  for (float d : r->distances) EXPECT_EQ(d, -std::numeric_limits<float>::infinity());
}

TEST_P(ConformanceTest, EmptyBatchIsFine) {
  auto index = filled_index();
  auto r = index->search(MatrixView{nullptr, 0, kDim}, 4);
  VECDEX_ASSERT_OK(r);
  EXPECT_EQ(r->n, 0u);
  EXPECT_TRUE(r->ids.empty());
  VECDEX_EXPECT_OK(index->add({}, MatrixView{nullptr, 0, kDim}));
}

TEST_P(ConformanceTest, FilterAllowingNothingReturnsPaddedRows) {
  auto index = filled_index();
  Filter none = Filter::from_ids({});
  auto r = index->search(queries(4), 5, {}, &none);
  VECDEX_ASSERT_OK(r);
  EXPECT_EQ(r->ids, std::vector<Id>(20, kNoId));
}

TEST_P(ConformanceTest, FilterAllowingAllMatchesUnfiltered) {
  auto index = filled_index();
  Filter all = Filter::from_range(0, std::numeric_limits<Id>::max());
  auto a = index->search(queries(), 10);
  auto b = index->search(queries(), 10, {}, &all);
  VECDEX_ASSERT_OK(a);
  VECDEX_ASSERT_OK(b);
  EXPECT_EQ(a->ids, b->ids);
}

TEST_P(ConformanceTest, FilteredResultsOnlyHoldAllowedIds) {
  auto index = filled_index();
  std::vector<Id> allowed(ids_.begin(), ids_.begin() + 30);
  Filter f = Filter::from_ids(allowed);
  auto r = index->search(queries(), 10, {}, &f);
  VECDEX_ASSERT_OK(r);
  for (Id id : r->ids) EXPECT_TRUE(id == kNoId || f.allows(id)) << id;
}

TEST_P(ConformanceTest, RemoveThenSearchSkipsRemovedIds) {
  auto index = filled_index();
  if (!index->supports_remove()) {
    EXPECT_THAT(index->remove(ids_), StatusIs(StatusCode::kUnimplemented, HasSubstr("remove")));
    return;
  }
  std::vector<Id> gone(ids_.begin(), ids_.begin() + 100);
  auto n = index->remove(gone);
  VECDEX_ASSERT_OK(n);
  EXPECT_EQ(*n, 100u);
  EXPECT_EQ(index->size(), kN - 100);
  auto r = index->search(MatrixView{base_.data(), 100, kDim}, 10);
  VECDEX_ASSERT_OK(r);
  std::set<Id> removed(gone.begin(), gone.end());
  for (Id id : r->ids) EXPECT_EQ(removed.count(id), 0u) << id;
}

TEST_P(ConformanceTest, UnknownSearchKeyIsInvalidArgumentListingAccepted) {
  auto index = filled_index();
  SearchParams p;
  if (index->stats().family == "RPForest") {
    p.nprobe = 5;  // RPForest reads search_k; no other family does
  } else {
    p.search_k = 5;
  }
  EXPECT_THAT(index->search(queries(1), 5, p),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("' is not used by")));
  EXPECT_THAT(index->search(queries(1), 5, p),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("accepted: ")));
}

TEST_P(ConformanceTest, SaveLoadRoundTripGivesSameResults) {
  testing::TempDir dir;
  for (Metric metric : {Metric::kL2, Metric::kCosine}) {
    auto index = filled_index(metric);
    auto before = index->search(queries(), 10);
    VECDEX_ASSERT_OK(before);
    VECDEX_ASSERT_OK(index->save(dir.file("idx.vdx")));
    for (bool use_mmap : {false, true}) {
      auto loaded = load_index(dir.file("idx.vdx"), LoadOptions{use_mmap});
      VECDEX_ASSERT_OK(loaded);
      EXPECT_EQ((*loaded)->size(), kN);
      EXPECT_EQ((*loaded)->dim(), kDim);
      EXPECT_EQ((*loaded)->metric(), metric);
      EXPECT_EQ((*loaded)->spec(), GetParam().spec);
      auto after = (*loaded)->search(queries(), 10);
      VECDEX_ASSERT_OK(after);
      EXPECT_EQ(after->ids, before->ids);
      EXPECT_EQ(after->distances, before->distances);
    }
  }
}

std::vector<char> slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::vector<char>(std::istreambuf_iterator<char>(f), {});
}
void spit(const std::filesystem::path& p, const std::vector<char>& b) {
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f.write(b.data(), static_cast<std::streamsize>(b.size()));
}

TEST_P(ConformanceTest, TruncatedFileIsCorruption) {
  testing::TempDir dir;
  auto index = filled_index();
  VECDEX_ASSERT_OK(index->save(dir.file("idx.vdx")));
  auto bytes = slurp(dir.file("idx.vdx"));
  for (size_t cut : {size_t{0}, size_t{10}, size_t{64}, size_t{100}, bytes.size() / 2,
                     bytes.size() - 1}) {
    spit(dir.file("cut.vdx"), std::vector<char>(bytes.begin(), bytes.begin() + cut));
    for (bool use_mmap : {false, true}) {
      EXPECT_THAT(load_index(dir.file("cut.vdx"), LoadOptions{use_mmap}),
                  StatusIs(StatusCode::kCorruption, HasSubstr("load cut.vdx: ")))
          << "cut at " << cut;
    }
  }
}

TEST_P(ConformanceTest, CorruptedFileIsCorruption) {
  testing::TempDir dir;
  auto index = filled_index();
  VECDEX_ASSERT_OK(index->save(dir.file("idx.vdx")));
  auto bytes = slurp(dir.file("idx.vdx"));
  for (size_t at : {size_t{3}, size_t{20}, size_t{70}, bytes.size() / 2, bytes.size() - 1}) {
    auto b = bytes;
    b[at] ^= 0x10;
    spit(dir.file("bad.vdx"), b);
    EXPECT_THAT(load_index(dir.file("bad.vdx")), StatusIs(StatusCode::kCorruption, HasSubstr("bad.vdx")))
        << "flip at " << at;
  }
}

TEST_P(ConformanceTest, ForeignFileIsCorruption) {
  testing::TempDir dir;
  std::string text(300, 'x');
  spit(dir.file("foreign.vdx"), std::vector<char>(text.begin(), text.end()));
  EXPECT_THAT(load_index(dir.file("foreign.vdx")),
              StatusIs(StatusCode::kCorruption, HasSubstr("not a vecdex index file")));
  EXPECT_THAT(load_index(dir.file("missing.vdx")),
              StatusIs(StatusCode::kIOError, HasSubstr("missing.vdx")));
}

TEST_P(ConformanceTest, RecallAgainstBruteForceIsAboveFloor) {
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct, Metric::kCosine}) {
    auto index = filled_index(metric);
    auto r = index->search(queries(), 10);
    VECDEX_ASSERT_OK(r);
    size_t found = 0;
    for (size_t q = 0; q < kQueries; ++q) {
      const float* qv = queries_.data() + q * kDim;
      double qn = 0;
      for (size_t j = 0; j < kDim; ++j) qn += double(qv[j]) * qv[j];
      std::vector<std::pair<double, Id>> all;
      for (size_t i = 0; i < kN; ++i) {
        const float* x = base_.data() + i * kDim;
        double dot = 0, l2 = 0, xn = 0;
        for (size_t j = 0; j < kDim; ++j) {
          dot += double(qv[j]) * x[j];
          l2 += (double(qv[j]) - x[j]) * (double(qv[j]) - x[j]);
          xn += double(x[j]) * x[j];
        }
        double key = metric == Metric::kL2 ? l2
                     : metric == Metric::kInnerProduct ? -dot
                                                       : -dot / std::sqrt(xn * qn);
        all.emplace_back(key, ids_[i]);
      }
      std::partial_sort(all.begin(), all.begin() + 10, all.end());
      std::set<Id> truth;
      for (size_t i = 0; i < 10; ++i) truth.insert(all[i].second);
      for (size_t i = 0; i < 10; ++i) found += truth.count(r->ids_row(q)[i]);
    }
    double recall = double(found) / (kQueries * 10);
    EXPECT_GE(recall, GetParam().recall_floor) << metric_name(metric);
  }
}

INSTANTIATE_TEST_SUITE_P(Families, ConformanceTest, ::testing::ValuesIn(kSpecs),
                         [](const auto& info) {
                           std::string name = info.param.spec;
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

}  // namespace
}  // namespace vecdex
