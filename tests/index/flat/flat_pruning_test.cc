// Flat with PCA-bound pruning (pca_bounds.h): indexes big enough to learn a projection must
// still return exactly the brute-force neighbours, for every metric and search path, with
// filters, after removes and adds past learning, after save/load and mmap; data whose
// spectrum is flat must switch pruning off, and data whose bounds are loose must send single
// queries to the plain scan (prune_gate.h).
#include "index/flat/flat_index.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "testing/random_data.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vecdex/dataset.h"
#include "vecdex/index_factory.h"

namespace vecdex {
namespace {

constexpr size_t kDim = 64;
constexpr size_t kN = 10000;

// Rank-8 signal plus small isotropic noise: a steep spectrum, so a projection is learned.
std::vector<float> low_rank(size_t n, uint64_t seed, float noise = 0.05f, float scale = 1.0f) {
  std::mt19937_64 mix_rng(7);  // the same subspace for every call
  std::normal_distribution<float> g;
  std::vector<float> mix(8 * kDim);
  for (float& v : mix) v = g(mix_rng);
  std::mt19937_64 rng(seed);
  std::vector<float> out(n * kDim);
  for (size_t i = 0; i < n; ++i) {
    float z[8];
    for (float& v : z) v = g(rng) * scale;
    for (size_t j = 0; j < kDim; ++j) {
      float v = noise * g(rng) + 0.5f;
      for (size_t t = 0; t < 8; ++t) v += z[t] * mix[t * kDim + j] / (1.0f + t);
      out[i * kDim + j] = v;
    }
  }
  return out;
}

std::string extra(const Index& index, const std::string& key) {
  for (const auto& [k, v] : index.stats().extra) {
    if (k == key) return v;
  }
  return "";
}

// The rows an index holds, kept beside it for the oracle.
struct Model {
  std::vector<float> rows;
  std::vector<Id> ids;
  void add(const std::vector<float>& r, Id first) {
    for (size_t i = 0; i < r.size() / kDim; ++i) ids.push_back(first + i);
    rows.insert(rows.end(), r.begin(), r.end());
  }
  void remove(const std::set<Id>& gone) {
    std::vector<float> keep_rows;
    std::vector<Id> keep_ids;
    for (size_t i = 0; i < ids.size(); ++i) {
      if (gone.count(ids[i]) != 0) continue;
      keep_ids.push_back(ids[i]);
      keep_rows.insert(keep_rows.end(), rows.begin() + i * kDim, rows.begin() + (i + 1) * kDim);
    }
    rows.swap(keep_rows);
    ids.swap(keep_ids);
  }
};

// Brute force in double: (score, id) best first in the reported convention.
std::vector<std::pair<double, Id>> truth(const Model& m, const float* q, Metric metric,
                                         const Filter* filter) {
  std::vector<double> qn(q, q + kDim);
  if (metric == Metric::kCosine) {
    double s = 0;
    for (double v : qn) s += v * v;
    for (double& v : qn) v /= std::sqrt(s);
  }
  std::vector<std::pair<double, Id>> out;
  for (size_t i = 0; i < m.ids.size(); ++i) {
    if (filter != nullptr && !filter->allows(m.ids[i])) continue;
    const float* x = m.rows.data() + i * kDim;
    double xs = 0, dot = 0, l2 = 0;
    for (size_t j = 0; j < kDim; ++j) xs += double(x[j]) * x[j];
    const double scale = metric == Metric::kCosine ? 1.0 / std::sqrt(xs) : 1.0;
    for (size_t j = 0; j < kDim; ++j) {
      dot += qn[j] * x[j] * scale;
      l2 += (qn[j] - x[j] * scale) * (qn[j] - x[j] * scale);
    }
    // Sort key "smaller is better"; converted back below.
    out.emplace_back(metric == Metric::kL2 ? l2 : -dot, m.ids[i]);
  }
  std::sort(out.begin(), out.end());
  if (metric != Metric::kL2) {
    for (auto& h : out) h.first = -h.first;
  }
  return out;
}

// Every row: distances within 1e-4 relative of the oracle rank by rank, ids equal as sets
// (an id may differ only where the oracle's scores tie within that tolerance).
void expect_exact(const Model& m, const Index& index, const std::vector<float>& queries,
                  size_t nq, size_t k, const SearchResults& r, const Filter* filter = nullptr) {
  ASSERT_EQ(r.n, nq);
  for (size_t q = 0; q < nq; ++q) {
    auto t = truth(m, queries.data() + q * kDim, index.metric(), filter);
    const size_t want = std::min(k, t.size());
    std::set<Id> got_ids(r.ids_row(q), r.ids_row(q) + want);
    std::set<Id> true_ids;
    for (size_t i = 0; i < want; ++i) true_ids.insert(t[i].second);
    for (size_t i = 0; i < want; ++i) {
      const double tol = 1e-4 * std::max(1.0, std::abs(t[i].first));
      ASSERT_NEAR(r.distances_row(q)[i], t[i].first, tol) << "query " << q << " rank " << i;
      const Id id = r.ids_row(q)[i];
      ASSERT_NE(id, kNoId);
      if (filter != nullptr) {
        ASSERT_TRUE(filter->allows(id));
      }
      if (true_ids.count(id) == 0) {
        const double kth = t[want - 1].first;
        auto it = std::find_if(t.begin(), t.end(), [&](const auto& h) { return h.second == id; });
        ASSERT_NE(it, t.end());
        ASSERT_NEAR(it->first, kth, 1e-4 * std::max(1.0, std::abs(kth))) << "query " << q;
      }
    }
    ASSERT_EQ(got_ids.size(), want) << "duplicate ids in row " << q;
    for (size_t i = want; i < k; ++i) ASSERT_EQ(r.ids_row(q)[i], kNoId);
  }
}

std::unique_ptr<flat::FlatIndex> make_pruned(Metric metric, size_t min_rows = 4000) {
  flat::FlatOptions options;
  options.prune_min_rows = min_rows;
  return std::make_unique<flat::FlatIndex>(kDim, metric, "Flat", options);
}

// Single queries, a small batch (scan path) and a large batch (sgemm path).
void expect_exact_all_paths(const Model& m, const Index& index, const Filter* filter = nullptr,
                            uint64_t seed = 99) {
  const size_t nq = 200;  // 13 sgemm groups: the batch probe runs
  std::vector<float> queries = low_rank(nq, seed);
  auto batch = index.search(MatrixView{queries.data(), nq, kDim}, 10, {}, filter);
  VECDEX_ASSERT_OK(batch);
  expect_exact(m, index, queries, nq, 10, *batch, filter);
  auto small = index.search(MatrixView{queries.data(), 8, kDim}, 7, {}, filter);
  VECDEX_ASSERT_OK(small);
  expect_exact(m, index, queries, 8, 7, *small, filter);
  for (size_t q = 0; q < 3; ++q) {
    std::vector<float> one(queries.begin() + q * kDim, queries.begin() + (q + 1) * kDim);
    auto r = index.search(MatrixView{one.data(), 1, kDim}, 10, {}, filter);
    VECDEX_ASSERT_OK(r);
    expect_exact(m, index, one, 1, 10, *r, filter);
  }
}

class FlatPruningTest : public ::testing::TestWithParam<Metric> {};

TEST_P(FlatPruningTest, LearnsAProjectionAndStaysExact) {
  auto index = make_pruned(GetParam());
  Model m;
  m.add(low_rank(kN, 1), 100);
  VECDEX_ASSERT_OK(index->add(m.ids, MatrixView{m.rows.data(), kN, kDim}));
  EXPECT_EQ(extra(*index, "pruned"), "yes");
  EXPECT_EQ(extra(*index, "pca_width"), "16");  // capped at dim / 4
  expect_exact_all_paths(m, *index);
}

TEST_P(FlatPruningTest, FiltersAreHonoured) {
  auto index = make_pruned(GetParam());
  Model m;
  m.add(low_rank(kN, 2), 0);
  VECDEX_ASSERT_OK(index->add(m.ids, MatrixView{m.rows.data(), kN, kDim}));
  std::vector<uint64_t> words(kN / 64 + 1, 0);
  for (Id id = 0; id < kN; id += 3) words[id >> 6] |= 1ull << (id & 63);  // a third: mask path
  Filter third = Filter::from_bitset(words);
  expect_exact_all_paths(m, *index, &third);
  std::vector<Id> few = {5, 77, 4000, 9999};  // subset path
  Filter tiny = Filter::from_ids(few);
  expect_exact_all_paths(m, *index, &tiny);
}

TEST_P(FlatPruningTest, RemovesAndLaterAddsKeepProjectionInSync) {
  auto index = make_pruned(GetParam());
  Model m;
  m.add(low_rank(kN, 3), 0);
  VECDEX_ASSERT_OK(index->add(m.ids, MatrixView{m.rows.data(), kN, kDim}));
  ASSERT_EQ(extra(*index, "pruned"), "yes");
  std::set<Id> gone;
  std::vector<Id> gone_list;
  for (Id id = 0; id < kN; id += 7) {
    gone.insert(id);
    gone_list.push_back(id);
  }
  auto removed = index->remove(gone_list);
  VECDEX_ASSERT_OK(removed);
  m.remove(gone);
  // New rows from a wider distribution (larger tails) and with more noise: the projection is
  // not re-learned, the bounds just get looser.
  std::vector<float> more = low_rank(2000, 4, 0.5f, 2.0f);
  Model added;
  added.add(more, 50000);
  VECDEX_ASSERT_OK(index->add(added.ids, MatrixView{more.data(), 2000, kDim}));
  m.add(more, 50000);
  expect_exact_all_paths(m, *index);
  // Near-duplicates of added rows must be found.
  expect_exact_all_paths(m, *index, nullptr, 4);
}

TEST_P(FlatPruningTest, SaveLoadAndMmapKeepTheProjection) {
  testing::TempDir dir;
  auto index = make_pruned(GetParam());
  Model m;
  m.add(low_rank(kN, 5), 10);
  VECDEX_ASSERT_OK(index->add(m.ids, MatrixView{m.rows.data(), kN, kDim}));
  std::vector<float> queries = low_rank(300, 6);
  auto before = index->search(MatrixView{queries.data(), 300, kDim}, 10);
  VECDEX_ASSERT_OK(before);
  VECDEX_ASSERT_OK(index->save(dir.file("pruned.vdx")));
  for (bool use_mmap : {false, true}) {
    auto loaded = load_index(dir.file("pruned.vdx"), LoadOptions{use_mmap});
    VECDEX_ASSERT_OK(loaded);
    Index& idx = **loaded;
    EXPECT_EQ(extra(idx, "pruned"), "yes");
    EXPECT_EQ(extra(idx, "pca_width"), extra(*index, "pca_width"));
    auto after = idx.search(MatrixView{queries.data(), 300, kDim}, 10);
    VECDEX_ASSERT_OK(after);
    EXPECT_EQ(after->ids, before->ids);
    EXPECT_EQ(after->distances, before->distances);
    Model mm = m;
    expect_exact_all_paths(mm, idx);
    // Copy-on-write of rows and projected rows, then still exact.
    std::vector<float> more = low_rank(500, 8);
    Model added;
    added.add(more, 90000);
    VECDEX_ASSERT_OK(idx.add(added.ids, MatrixView{more.data(), 500, kDim}));
    mm.add(more, 90000);
    std::vector<Id> gone = {10, 11, 90000};
    VECDEX_ASSERT_OK(idx.remove(gone));
    mm.remove({10, 11, 90000});
    expect_exact_all_paths(mm, idx);
  }
}

INSTANTIATE_TEST_SUITE_P(Metrics, FlatPruningTest,
                         ::testing::Values(Metric::kL2, Metric::kInnerProduct, Metric::kCosine),
                         [](const auto& info) { return std::string(metric_name(info.param)); });

TEST(FlatPruningTest, FlatSpectrumSwitchesPruningOff) {
  auto index = make_pruned(Metric::kL2);
  Model m;
  m.add(testing::random_floats(kN, kDim, 9), 0);
  VECDEX_ASSERT_OK(index->add(m.ids, MatrixView{m.rows.data(), kN, kDim}));
  EXPECT_EQ(extra(*index, "pruned"), "no");
  EXPECT_EQ(extra(*index, "pca_dims"), "");
  std::vector<float> queries = testing::random_floats(40, kDim, 10);
  auto r = index->search(MatrixView{queries.data(), 40, kDim}, 10);
  VECDEX_ASSERT_OK(r);
  expect_exact(m, *index, queries, 40, 10, *r);
}

TEST(FlatPruningTest, BelowTheSizeThresholdNothingIsLearned) {
  auto index = make_pruned(Metric::kL2, 20000);
  Model m;
  m.add(low_rank(kN, 11), 0);
  VECDEX_ASSERT_OK(index->add(m.ids, MatrixView{m.rows.data(), kN, kDim}));
  EXPECT_EQ(extra(*index, "pruned"), "no");
  // Crossing the threshold with a later add learns it.
  std::vector<float> more = low_rank(kN, 12);
  Model added;
  added.add(more, kN);
  VECDEX_ASSERT_OK(index->add(added.ids, MatrixView{more.data(), kN, kDim}));
  m.add(more, kN);
  EXPECT_EQ(extra(*index, "pruned"), "yes");
  expect_exact_all_paths(m, *index);
}

TEST(FlatPruningTest, FilesWithoutAProjectionStillLoad) {
  testing::TempDir dir;
  flat::FlatOptions off;
  off.prune = false;
  flat::FlatIndex index(kDim, Metric::kL2, "Flat", off);
  Model m;
  m.add(low_rank(kN, 13), 0);
  VECDEX_ASSERT_OK(index.add(m.ids, MatrixView{m.rows.data(), kN, kDim}));
  EXPECT_EQ(extra(index, "pruned"), "no");
  VECDEX_ASSERT_OK(index.save(dir.file("plain.vdx")));
  auto loaded = load_index(dir.file("plain.vdx"), LoadOptions{true});
  VECDEX_ASSERT_OK(loaded);
  EXPECT_EQ(extra(**loaded, "pruned"), "no");
  expect_exact_all_paths(m, **loaded);
}

TEST(FlatPruningTest, OneAndTwoThreadsGiveIdenticalResults) {
  auto index = make_pruned(Metric::kL2);
  Model m;
  m.add(low_rank(kN, 14), 0);
  VECDEX_ASSERT_OK(index->add(m.ids, MatrixView{m.rows.data(), kN, kDim}));
  std::vector<float> queries = low_rank(500, 15);
  SearchParams one, two;
  one.threads = 1;
  two.threads = 2;
  auto a = index->search(MatrixView{queries.data(), 500, kDim}, 10, one);
  auto b = index->search(MatrixView{queries.data(), 500, kDim}, 10, two);
  VECDEX_ASSERT_OK(a);
  VECDEX_ASSERT_OK(b);
  EXPECT_EQ(a->ids, b->ids);
  EXPECT_EQ(a->distances, b->distances);
}

TEST(FlatPruningTest, LooseBoundsStayExact) {
  // Captured variance passes the learning gate but heavy noise leaves the bounds loose: the
  // batch probe, the single-query gate and the per-query fallback may switch to the plain
  // paths; results stay exact.
  auto index = make_pruned(Metric::kL2);
  Model m;
  m.add(low_rank(kN, 16, 0.6f), 0);
  VECDEX_ASSERT_OK(index->add(m.ids, MatrixView{m.rows.data(), kN, kDim}));
  expect_exact_all_paths(m, *index);
}

// Single queries, one at a time, each checked against the oracle.
void expect_exact_single_queries(const Model& m, const Index& index,
                                 const std::vector<float>& queries, size_t count) {
  for (size_t q = 0; q < count; ++q) {
    std::vector<float> one(queries.begin() + q * kDim, queries.begin() + (q + 1) * kDim);
    auto r = index.search(MatrixView{one.data(), 1, kDim}, 10);
    VECDEX_ASSERT_OK(r);
    expect_exact(m, index, one, 1, 10, *r);
  }
}

TEST(FlatPruningTest, TightBoundsKeepSingleQueriesPruned) {
  auto index = make_pruned(Metric::kL2);
  Model m;
  m.add(low_rank(kN, 17), 0);
  VECDEX_ASSERT_OK(index->add(m.ids, MatrixView{m.rows.data(), kN, kDim}));
  EXPECT_EQ(extra(*index, "single_query_path"), "pruned");
  expect_exact_single_queries(m, *index, low_rank(40, 18), 40);
  EXPECT_EQ(extra(*index, "single_query_path"), "pruned");
}

TEST(FlatPruningTest, LooseBoundsSendSingleQueriesToThePlainScan) {
  // Ten Gaussian clusters: the projection captures the centres and is learned, but the noise
  // inside a cluster is isotropic, so a query's whole cluster (~10% of the rows) passes its
  // bounds, and scoring those out of order costs as much as scanning everything.
  SyntheticSpec spec;
  spec.n = kN;
  spec.n_queries = 60;
  spec.dim = kDim;
  spec.clusters = 10;
  spec.seed = 19;
  auto data = generate_clustered(spec);
  VECDEX_ASSERT_OK(data);
  auto index = make_pruned(Metric::kL2);
  Model m;
  m.add(data->base.data, 0);
  VECDEX_ASSERT_OK(index->add(m.ids, MatrixView{m.rows.data(), kN, kDim}));
  ASSERT_EQ(extra(*index, "pruned"), "yes");
  EXPECT_EQ(extra(*index, "single_query_path"), "pruned");  // no queries seen yet
  const std::vector<float>& queries = data->queries.data;
  // The first queries prune (and record their shares), later ones scan, every 32nd probes:
  // all of them exact.
  expect_exact_single_queries(m, *index, queries, 40);
  EXPECT_EQ(extra(*index, "single_query_path"), "scan");
  EXPECT_GT(std::stod(extra(*index, "single_query_scored_share")), 0.05);
  // Small batches take the grouped plain scan; large batches keep their own probe.
  auto small = index->search(MatrixView{queries.data(), 8, kDim}, 7);
  VECDEX_ASSERT_OK(small);
  expect_exact(m, *index, queries, 8, 7, *small);
  auto batch = index->search(MatrixView{queries.data(), 60, kDim}, 10);
  VECDEX_ASSERT_OK(batch);
  expect_exact(m, *index, queries, 60, 10, *batch);
  EXPECT_EQ(extra(*index, "single_query_path"), "scan");
}

TEST(FlatPruningTest, ConcurrentSingleQueriesShareTheGateAndStayExact) {
  // Two threads race on the gate while it switches: only speed may change, never results.
  SyntheticSpec spec;
  spec.n = kN;
  spec.n_queries = 60;
  spec.dim = kDim;
  spec.clusters = 10;
  spec.seed = 20;
  auto data = generate_clustered(spec);
  VECDEX_ASSERT_OK(data);
  auto index = make_pruned(Metric::kL2);
  Model m;
  m.add(data->base.data, 0);
  VECDEX_ASSERT_OK(index->add(m.ids, MatrixView{m.rows.data(), kN, kDim}));
  const std::vector<float>& queries = data->queries.data;
  std::vector<float> first(queries.begin(), queries.begin() + 30 * kDim);
  std::vector<float> second(queries.begin() + 30 * kDim, queries.end());
  std::thread other([&] { expect_exact_single_queries(m, *index, second, 30); });
  expect_exact_single_queries(m, *index, first, 30);
  other.join();
  EXPECT_EQ(extra(*index, "single_query_path"), "scan");
}

}  // namespace
}  // namespace vecdex
