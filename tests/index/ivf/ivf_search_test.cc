// IVF search: recall against exact search for every storage stage and metric, nprobe = nlist is
// exact for IVF-Flat (batch and single-query paths), filters at several selectivities, padding,
// and search-parameter errors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <set>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "index/ivf/ivf_test_util.h"
#include "testing/status_matchers.h"
#include "vecdex/index_factory.h"

namespace vecdex::ivf {
namespace {

using ::testing::HasSubstr;

constexpr size_t kDim = 32;
constexpr size_t kN = 3000;
constexpr size_t kQueries = 40;  // >= the IVF-Flat batch threshold (16)
constexpr size_t kK = 10;

struct Fixture {
  std::vector<float> base = testing::clustered(kN, kDim, 40, 5);
  std::vector<float> queries = testing::clustered(kQueries, kDim, 40, 5 + 1000);
  std::vector<Id> ids;
  Fixture() {
    for (size_t i = 0; i < kN; ++i) ids.push_back(7 * i + 3);
  }
  MatrixView base_view() const { return MatrixView{base.data(), kN, kDim}; }
  MatrixView query_view(size_t n = kQueries) const { return MatrixView{queries.data(), n, kDim}; }
};

const Fixture& data() {
  static const Fixture f;
  return f;
}

std::unique_ptr<Index> build(const std::string& spec, Metric metric = Metric::kL2) {
  auto index = make_index(spec, kDim, metric);
  EXPECT_THAT(index, IsOk()) << spec;
  if (!index.ok()) return nullptr;
  EXPECT_THAT((*index)->train(data().base_view(), BuildOptions{1}), IsOk());
  EXPECT_THAT((*index)->add(data().ids, data().base_view(), BuildOptions{1}), IsOk());
  return std::move(index).value();
}

SearchParams nprobe(uint32_t n) {
  SearchParams p;
  p.nprobe = n;
  return p;
}

struct RecallCase {
  const char* spec;
  uint32_t nprobe;
  double floor;  // recall@10 on the clustered data above
  bool l2_only = false;  // 8-bit PQ / OPQ training is slow: one metric keeps the suite fast
};
void PrintTo(const RecallCase& c, std::ostream* os) { *os << c.spec << " nprobe=" << c.nprobe; }

class IvfRecallTest : public ::testing::TestWithParam<RecallCase> {};

TEST_P(IvfRecallTest, RecallAgainstExactSearchIsAboveFloor) {
  const RecallCase& c = GetParam();
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct, Metric::kCosine}) {
    if (c.l2_only && metric != Metric::kL2) continue;
    auto index = build(c.spec, metric);
    ASSERT_NE(index, nullptr);
    auto truth = testing::exact_topk(metric, data().base, data().ids, data().queries, kDim, kK);
    // The whole batch, and single queries (different code paths for IVF-Flat).
    auto batch = index->search(data().query_view(), kK, nprobe(c.nprobe));
    VECDEX_ASSERT_OK(batch);
    EXPECT_GE(testing::recall(*batch, truth), c.floor) << metric_name(metric);
    auto one = index->search(data().query_view(1), kK, nprobe(c.nprobe));
    VECDEX_ASSERT_OK(one);
    for (size_t i = 0; i < kK; ++i) {
      EXPECT_EQ(one->ids_row(0)[i], batch->ids_row(0)[i]) << metric_name(metric) << " " << i;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Storages, IvfRecallTest,
    ::testing::Values(RecallCase{"IVF32,Flat", 32, 0.999}, RecallCase{"IVF32,Flat", 8, 0.75},
                      RecallCase{"IVF32,FP16", 32, 0.99}, RecallCase{"IVF32,BF16", 32, 0.97},
                      RecallCase{"IVF32,SQ8", 32, 0.93}, RecallCase{"IVF32,SQ8,Refine", 32, 0.99},
                      RecallCase{"IVF32,PQ16", 32, 0.8, true},
                      RecallCase{"IVF32,PQ8,Refine", 16, 0.88, true},
                      RecallCase{"IVF32,PQ16x4", 32, 0.45},
                      RecallCase{"IVF32,PQ16x4fs", 32, 0.45},
                      RecallCase{"IVF32,PQ16x4fs,Refine", 32, 0.85},
                      RecallCase{"IVF32,PQ8x4fs,Refine,opq=1", 16, 0.78, true}),
    [](const auto& info) {
      std::string name = std::string(info.param.spec) + "_np" + std::to_string(info.param.nprobe);
      for (char& ch : name) {
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
      }
      return name;
    });

TEST(IvfSearchTest, FlatWithAllListsProbedMatchesExactFlatIndex) {
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
    auto ivf = build("IVF32,Flat", metric);
    auto flat = build("Flat", metric);
    auto a = ivf->search(data().query_view(), kK, nprobe(32));
    auto b = flat->search(data().query_view(), kK);
    VECDEX_ASSERT_OK(a);
    VECDEX_ASSERT_OK(b);
    EXPECT_EQ(a->ids, b->ids);
    for (size_t i = 0; i < a->distances.size(); ++i) {
      EXPECT_NEAR(a->distances[i], b->distances[i], 1e-3 * (1 + std::abs(b->distances[i])));
    }
    for (size_t q = 0; q < 5; ++q) {  // single queries: the SIMD kernel path
      auto one = ivf->search(MatrixView{data().queries.data() + q * kDim, 1, kDim}, kK,
                             nprobe(32));
      VECDEX_ASSERT_OK(one);
      EXPECT_EQ(std::vector<Id>(one->ids.begin(), one->ids.end()),
                std::vector<Id>(b->ids_row(q), b->ids_row(q) + kK));
    }
  }
}

TEST(IvfSearchTest, NprobeIsCappedAtNlistAndMoreProbesNeverHurtFlat) {
  auto index = build("IVF32,Flat");
  auto truth = testing::exact_topk(Metric::kL2, data().base, data().ids, data().queries, kDim, kK);
  double last = 0;
  for (uint32_t np : {1u, 2u, 4u, 8u, 32u, 1000u}) {
    auto r = index->search(data().query_view(), kK, nprobe(np));
    VECDEX_ASSERT_OK(r);
    double rec = testing::recall(*r, truth);
    EXPECT_GE(rec, last) << np;
    last = rec;
  }
  EXPECT_GE(last, 0.999);
}

TEST(IvfSearchTest, KLargerThanProbedListsProbesOnAndPadsOnlyPastSize) {
  auto index = make_index("IVF32,PQ8x4fs,Refine", kDim, Metric::kL2);
  VECDEX_ASSERT_OK(index);
  VECDEX_ASSERT_OK((*index)->train(data().base_view()));
  VECDEX_ASSERT_OK((*index)->add(std::span<const Id>(data().ids.data(), 5),
                                 MatrixView{data().base.data(), 5, kDim}));
  auto r = (*index)->search(data().query_view(3), 8, nprobe(1));
  VECDEX_ASSERT_OK(r);
  for (size_t q = 0; q < 3; ++q) {
    std::set<Id> got(r->ids_row(q), r->ids_row(q) + 5);
    EXPECT_EQ(got, std::set<Id>(data().ids.begin(), data().ids.begin() + 5));
    for (size_t i = 5; i < 8; ++i) {
      EXPECT_EQ(r->ids_row(q)[i], kNoId);
      EXPECT_EQ(r->distances_row(q)[i], std::numeric_limits<float>::infinity());
    }
  }
}

TEST(IvfSearchTest, FiltersAtEverySelectivityReturnOnlyAllowedIdsAndFullRows) {
  for (const char* spec : {"IVF32,Flat", "IVF32,SQ8", "IVF32,PQ8", "IVF32,PQ8x4fs,Refine"}) {
    auto index = build(spec);
    for (size_t every : {1, 2, 20, 200, 1500}) {  // 100% ... 0.07% of the ids allowed
      std::vector<Id> allowed;
      for (size_t i = 0; i < kN; i += every) allowed.push_back(data().ids[i]);
      Filter f = Filter::from_ids(allowed);
      auto r = index->search(data().query_view(), kK, nprobe(4), &f);
      VECDEX_ASSERT_OK(r);
      const size_t expect_full = std::min(kK, allowed.size());
      for (size_t q = 0; q < kQueries; ++q) {
        for (size_t i = 0; i < kK; ++i) {
          const Id id = r->ids_row(q)[i];
          if (i < expect_full) {
            EXPECT_TRUE(id != kNoId && f.allows(id)) << spec << " every " << every << " q " << q;
          } else {
            EXPECT_EQ(id, kNoId);
          }
        }
      }
      // All lists probed, exact storage: identical to exact filtered search.
      if (std::string(spec) == "IVF32,Flat") {
        auto all = index->search(data().query_view(), kK, nprobe(32), &f);
        VECDEX_ASSERT_OK(all);
        auto truth = testing::exact_topk(Metric::kL2, data().base, data().ids, data().queries,
                                         kDim, kK, [&](Id id) { return f.allows(id); });
        EXPECT_GE(testing::recall(*all, truth), 0.999) << every;
      }
    }
  }
}

TEST(IvfSearchTest, UnknownOrMisplacedSearchKeysAreInvalidArgument) {
  auto index = build("IVF32,SQ8");
  SearchParams p;
  p.rerank = 50;
  EXPECT_THAT(index->search(data().query_view(1), kK, p),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("parameter 'rerank' is not used by IVF32,SQ8; accepted: nprobe, "
                                 "threads")));
  SearchParams ef;
  ef.ef = 10;
  EXPECT_THAT(index->search(data().query_view(1), kK, ef),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'ef'")));
  auto refine = build("IVF32,SQ8,Refine");
  VECDEX_EXPECT_OK(refine->search(data().query_view(1), kK, p));
}

TEST(IvfSearchTest, RerankTradesSpeedForRecall) {
  auto index = build("IVF32,PQ8x4fs,Refine");
  auto truth = testing::exact_topk(Metric::kL2, data().base, data().ids, data().queries, kDim, kK);
  SearchParams small = nprobe(32);
  small.rerank = 10;
  SearchParams big = nprobe(32);
  big.rerank = 200;
  auto a = index->search(data().query_view(), kK, small);
  auto b = index->search(data().query_view(), kK, big);
  VECDEX_ASSERT_OK(a);
  VECDEX_ASSERT_OK(b);
  EXPECT_GE(testing::recall(*b, truth), testing::recall(*a, truth));
  EXPECT_GE(testing::recall(*b, truth), 0.96);
}

TEST(IvfSearchTest, StatsReportListsAndBytes) {
  auto index = build("IVF32,PQ8x4fs,Refine");
  IndexStats st = index->stats();
  EXPECT_EQ(st.family, "IVF");
  EXPECT_EQ(st.count, kN);
  std::map<std::string, std::string> extra(st.extra.begin(), st.extra.end());
  EXPECT_EQ(extra["nlist"], "32");
  EXPECT_EQ(extra["code"], "PQ8x4fs");
  EXPECT_EQ(extra["refine"], "1");
  EXPECT_GE(std::stoul(extra["list_max"]), std::stoul(extra["list_min"]));
  EXPECT_GT(st.bytes, kN * kDim * sizeof(float));  // the originals alone
}

}  // namespace
}  // namespace vecdex::ivf
