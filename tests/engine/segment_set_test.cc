// SegmentSet: adds land in the mutable segment and are sealed into segments of the collection's
// spec; searches fan out and merge exactly; removes, filters, metrics and bad input.
#include "engine/segment_set.h"

#include <gtest/gtest.h>

#include <set>

#include "engine/segment_fixture.h"

namespace vecdex::engine {
namespace {

using ::testing::HasSubstr;
using namespace vecdex::engine::testing;

constexpr size_t kDim = 8;

std::unique_ptr<SegmentSet> must_open(const SegmentOptions& o, FakeStorage& storage) {
  Result<std::unique_ptr<SegmentSet>> set = open_and_readd(o, storage);
  EXPECT_THAT(set, IsOk());
  return set.ok() ? std::move(*set) : nullptr;
}

size_t count_state(const std::vector<SegmentInfo>& info, const std::string& state) {
  size_t n = 0;
  for (const SegmentInfo& s : info) n += s.state == state;
  return n;
}

// Exact specs (Flat sealed, Flat mutable) give exactly the brute-force answer, ties aside.
void expect_exact(SegmentSet& set, FakeStorage& storage, Metric metric, size_t k,
                  const Filter* allowed = nullptr) {
  std::vector<float> queries = vecdex::testing::random_floats(16, kDim, 99);
  Result<SearchResults> got = set.search(MatrixView{queries.data(), 16, kDim}, k, {}, allowed);
  ASSERT_THAT(got, IsOk());
  for (size_t q = 0; q < 16; ++q) {
    std::vector<Pid> truth = exact_top_k(storage, queries.data() + q * kDim, kDim, k, metric,
                                         allowed);
    std::vector<Pid> row(got->ids_row(q), got->ids_row(q) + truth.size());
    EXPECT_EQ(row, truth) << "query " << q;
    for (size_t j = truth.size(); j < k; ++j) EXPECT_EQ(got->ids_row(q)[j], kNoId);
    for (size_t j = 1; j < truth.size(); ++j) {
      float a = got->distances_row(q)[j - 1], b = got->distances_row(q)[j];
      if (metric_is_similarity(metric)) {
        EXPECT_GE(a, b);
      } else {
        EXPECT_LE(a, b);
      }
    }
  }
}

TEST(SegmentSetTest, AddsAreSealedIntoSegmentsAndSearchedTogether) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = small_options(dir.path(), kDim);
  o.mutable_spec = "Flat";
  auto set = must_open(o, storage);
  for (Pid first = 0; first < 450; first += 45) {
    VECDEX_ASSERT_OK(add_random(*set, storage, first, 45, kDim, first + 1));
  }
  std::vector<SegmentInfo> info = set->info();
  EXPECT_EQ(count_state(info, "sealed"), 4u);
  ASSERT_EQ(info.back().state, "mutable");
  EXPECT_EQ(info.back().points, 50u);
  for (const SegmentInfo& s : info) {
    if (s.state == "sealed") {
      EXPECT_EQ(s.points, 100u);
    }
  }
  EXPECT_TRUE(std::filesystem::exists(dir.path() / "segments.manifest"));
  expect_exact(*set, storage, Metric::kL2, 10);
}

TEST(SegmentSetTest, HnswSegmentsReachHighRecall) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = small_options(dir.path(), kDim, Metric::kL2, "HNSW16");
  auto set = must_open(o, storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 480, kDim, 5));
  std::vector<float> queries = vecdex::testing::random_floats(30, kDim, 6);
  SearchParams params;
  params.ef = 64;
  Result<SearchResults> got = set->search(MatrixView{queries.data(), 30, kDim}, 10, params,
                                          nullptr);
  ASSERT_THAT(got, IsOk());
  EXPECT_GE(recall_at_k(storage, *got, queries, kDim, Metric::kL2), 0.95);
}

TEST(SegmentSetTest, BackgroundThreadSealsSegments) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = small_options(dir.path(), kDim);
  o.background_threads = 1;
  o.mutable_spec = "Flat";
  auto set = must_open(o, storage);
  for (Pid first = 0; first < 350; first += 50) {
    VECDEX_ASSERT_OK(add_random(*set, storage, first, 50, kDim, first + 7));
    expect_exact(*set, storage, Metric::kL2, 5);  // also while seals are in flight
  }
  VECDEX_ASSERT_OK(set->wait_idle());
  EXPECT_EQ(set->pending_jobs(), 0u);
  std::vector<SegmentInfo> info = set->info();
  EXPECT_EQ(count_state(info, "sealed"), 3u);
  EXPECT_EQ(count_state(info, "sealing"), 0u);
  expect_exact(*set, storage, Metric::kL2, 10);
}

TEST(SegmentSetTest, RemovedPointsAreExcludedAtOnce) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = small_options(dir.path(), kDim);
  o.mutable_spec = "Flat";
  o.compaction_min_points = 0;  // keep segments as they are
  auto set = must_open(o, storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 250, kDim, 3));
  std::vector<Pid> gone = {0, 1, 2, 150, 151, 220, 249, 9999};  // sealed, mutable, unknown
  set->remove(gone);
  storage.erase(gone);
  expect_exact(*set, storage, Metric::kL2, 20);
  std::vector<SegmentInfo> info = set->info();
  EXPECT_EQ(info[0].deleted, 3u);
  EXPECT_EQ(info[0].points, 97u);
}

// Ids of the rows of `got` that are in `gone`.
std::vector<Id> returned_from(const SearchResults& got, const std::set<Pid>& gone) {
  std::vector<Id> out;
  for (Id id : got.ids) {
    if (gone.count(id) != 0) out.push_back(id);
  }
  return out;
}

TEST(SegmentSetTest, RemoveDuringBackgroundSealIsAppliedToTheSealedIndex) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = small_options(dir.path(), kDim, Metric::kL2, "HNSW16");
  o.segment_max_points = 2000;
  o.background_threads = 1;
  o.compaction_min_points = 0;
  auto set = must_open(o, storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 2000, kDim, 11));
  // The seal job (an HNSW build of 2000 points) is queued or running now.
  EXPECT_EQ(set->info()[0].state, "sealing");
  std::vector<Pid> gone;
  for (Pid p = 0; p < 2000; p += 7) gone.push_back(p);
  set->remove(gone);
  storage.erase(gone);
  std::set<Pid> gone_set(gone.begin(), gone.end());
  std::vector<float> queries = vecdex::testing::random_floats(40, kDim, 12);
  MatrixView qv{queries.data(), 40, kDim};
  Result<SearchResults> before = set->search(qv, 10, {}, nullptr);
  ASSERT_THAT(before, IsOk());
  EXPECT_THAT(returned_from(*before, gone_set), ::testing::IsEmpty());
  VECDEX_ASSERT_OK(set->wait_idle());
  std::vector<SegmentInfo> info = set->info();
  ASSERT_EQ(info[0].state, "sealed");
  EXPECT_EQ(info[0].points, 2000u - gone.size());
  // Removals that arrived during the build were replayed on the new index (counted deleted);
  // ones that beat the job's start never reached it. Either way none is live.
  EXPECT_TRUE(info[0].deleted == gone.size() || info[0].deleted == 0) << info[0].deleted;
  Result<SearchResults> after = set->search(qv, 10, {}, nullptr);
  ASSERT_THAT(after, IsOk());
  EXPECT_THAT(returned_from(*after, gone_set), ::testing::IsEmpty());
  EXPECT_GE(recall_at_k(storage, *after, queries, kDim, Metric::kL2), 0.9);
}

TEST(SegmentSetTest, FailedSealKeepsServingAndIsRetried) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = small_options(dir.path(), kDim);
  o.mutable_spec = "Flat";
  o.segment_max_points = 50;
  o.compaction_min_points = 0;
  auto set = must_open(o, storage);
  // A directory where segment 0's file goes: the save's final rename fails.
  std::filesystem::create_directories(dir.file("seg-0.vdx") / "blocker");
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 50, kDim, 31));
  EXPECT_THAT(set->wait_idle(), StatusIs(StatusCode::kIOError, HasSubstr("sealing segment 0")));
  EXPECT_EQ(set->info()[0].state, "sealing");
  expect_exact(*set, storage, Metric::kL2, 10);  // still served by its mutable index
  std::filesystem::remove_all(dir.file("seg-0.vdx"));
  VECDEX_ASSERT_OK(add_random(*set, storage, 50, 50, kDim, 32));  // the next seal retries it
  VECDEX_ASSERT_OK(set->wait_idle());
  std::vector<SegmentInfo> info = set->info();
  ASSERT_EQ(info.size(), 3u);
  EXPECT_EQ(info[0].state, "sealed");
  EXPECT_EQ(info[1].state, "sealed");
  EXPECT_TRUE(std::filesystem::is_regular_file(dir.file("seg-0.vdx")));
  expect_exact(*set, storage, Metric::kL2, 10);
}

TEST(SegmentSetTest, SimilarityMetricsMergeBestFirst) {
  for (Metric metric : {Metric::kInnerProduct, Metric::kCosine}) {
    vecdex::testing::TempDir dir;
    FakeStorage storage(kDim);
    SegmentOptions o = small_options(dir.path(), kDim, metric);
    o.mutable_spec = "Flat";
    auto set = must_open(o, storage);
    VECDEX_ASSERT_OK(add_random(*set, storage, 0, 330, kDim, 21));
    expect_exact(*set, storage, metric, 15);
  }
}

TEST(SegmentSetTest, AllowedFilterIsPassedToEverySegment) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = small_options(dir.path(), kDim);
  o.mutable_spec = "Flat";
  auto set = must_open(o, storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 260, kDim, 8));
  std::vector<Id> some = {3, 40, 41, 199, 200, 255};
  Filter allowed = Filter::from_ids(some);
  expect_exact(*set, storage, Metric::kL2, 10, &allowed);  // 6 hits, then padding
  Filter none = Filter::from_ids({});
  expect_exact(*set, storage, Metric::kL2, 4, &none);
}

TEST(SegmentSetTest, SealedSpecThatNeedsTrainingIsTrainedOnTheSegment) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  SegmentOptions o = small_options(dir.path(), kDim, Metric::kL2, "IVF4,Flat");
  o.mutable_spec = "Flat";
  auto set = must_open(o, storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 230, kDim, 12));
  std::vector<SegmentInfo> info = set->info();
  EXPECT_EQ(count_state(info, "sealed"), 2u);
  EXPECT_EQ(info[0].index_spec, "IVF4,Flat");
  // nprobe goes to the IVF segments only; with every list probed the answer is exact.
  std::vector<float> queries = vecdex::testing::random_floats(10, kDim, 13);
  SearchParams params;
  params.nprobe = 4;
  Result<SearchResults> got = set->search(MatrixView{queries.data(), 10, kDim}, 10, params,
                                          nullptr);
  ASSERT_THAT(got, IsOk());
  EXPECT_EQ(recall_at_k(storage, *got, queries, kDim, Metric::kL2), 1.0);
}

TEST(SegmentSetTest, BadAddsAreRejectedAndAddNothing) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  auto set = must_open(small_options(dir.path(), kDim), storage);
  std::vector<float> rows = vecdex::testing::random_floats(120, kDim, 1);
  std::vector<Pid> pids = pid_range(0, 120);
  EXPECT_THAT(set->add(pids, MatrixView{rows.data(), 120, kDim - 1}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim 7")));
  EXPECT_THAT(set->add(std::span<const Pid>(pids).first(3), MatrixView{rows.data(), 4, kDim}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("3 pids for 4 vectors")));
  rows[110 * kDim + 2] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(set->add(pids, MatrixView{rows.data(), 120, kDim}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("NaN")));
  rows[110 * kDim + 2] = 0.5f;
  pids[119] = 5;
  EXPECT_THAT(set->add(pids, MatrixView{rows.data(), 120, kDim}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("pid 5 appears twice")));
  pids[119] = kNoId;
  EXPECT_THAT(set->add(pids, MatrixView{rows.data(), 120, kDim}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("reserved")));
  EXPECT_EQ(set->info().size(), 1u);  // nothing added, nothing sealed
  EXPECT_EQ(set->info()[0].points, 0u);
  VECDEX_ASSERT_OK(set->add(std::span<const Pid>(pids).first(2), MatrixView{rows.data(), 2, kDim}));
  EXPECT_THAT(set->add(std::span<const Pid>(pids).subspan(1, 2),
                       MatrixView{rows.data(), 2, kDim}),
              StatusIs(StatusCode::kAlreadyExists, HasSubstr("pid 1")));
  EXPECT_EQ(set->info()[0].points, 2u);
}

TEST(SegmentSetTest, CosineRejectsZeroVectors) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  auto set = must_open(small_options(dir.path(), kDim, Metric::kCosine), storage);
  std::vector<float> zero(kDim, 0.0f);
  Pid pid = 1;
  EXPECT_THAT(set->add({&pid, 1}, MatrixView{zero.data(), 1, kDim}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("zero")));
}

TEST(SegmentSetTest, BadSearchesAreRejected) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  auto set = must_open(small_options(dir.path(), kDim), storage);
  VECDEX_ASSERT_OK(add_random(*set, storage, 0, 150, kDim, 2));
  std::vector<float> q = vecdex::testing::random_floats(1, kDim, 3);
  EXPECT_THAT(set->search(MatrixView{q.data(), 1, kDim}, 0, {}, nullptr),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("k must be")));
  EXPECT_THAT(set->search(MatrixView{q.data(), 1, kDim - 1}, 5, {}, nullptr),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim")));
  q[0] = std::numeric_limits<float>::infinity();
  EXPECT_THAT(set->search(MatrixView{q.data(), 1, kDim}, 5, {}, nullptr),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("inf")));
  q[0] = 0;
  SearchParams params;
  params.search_k = 10;  // neither HNSW16 nor Flat uses it
  EXPECT_THAT(set->search(MatrixView{q.data(), 1, kDim}, 5, params, nullptr),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("'search_k'")));
  params = {};
  params.ef = 32;  // HNSW (mutable) uses it; Flat (sealed) does not: stripped there
  EXPECT_THAT(set->search(MatrixView{q.data(), 1, kDim}, 5, params, nullptr), IsOk());
}

TEST(SegmentSetTest, BadOptionsAreRejected) {
  vecdex::testing::TempDir dir;
  FakeStorage storage(kDim);
  std::vector<Pid> missing;
  auto open = [&](SegmentOptions o) {
    return SegmentSet::open(o, storage.fetch(), storage.live(), &missing);
  };
  SegmentOptions o = small_options(dir.path(), kDim);
  o.dim = 0;
  EXPECT_THAT(open(o), StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim")));
  o = small_options(dir.path(), kDim);
  o.segment_max_points = 0;
  EXPECT_THAT(open(o), StatusIs(StatusCode::kInvalidArgument, HasSubstr("segment_max_points")));
  o = small_options(dir.path(), kDim, Metric::kL2, "Bogus7");
  EXPECT_THAT(open(o), StatusIs(StatusCode::kInvalidArgument, HasSubstr("index_spec")));
  o = small_options(dir.path(), kDim);
  o.mutable_spec = "IVF4,Flat";
  EXPECT_THAT(open(o), StatusIs(StatusCode::kInvalidArgument, HasSubstr("needs training")));
  o = small_options("", kDim);
  EXPECT_THAT(open(o), StatusIs(StatusCode::kInvalidArgument, HasSubstr("dir")));
  EXPECT_THAT(SegmentSet::open(small_options(dir.path(), kDim), storage.fetch(), storage.live(),
                               nullptr),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("missing")));
}

}  // namespace
}  // namespace vecdex::engine
