// Shared pieces of the segment tests: an in-memory stand-in for the collection's vector
// storage (FetchVectors / ForEachLivePid), small options, and exact top-k for recall checks.
#pragma once

#include <algorithm>
#include <cmath>
#include <memory>
#include <span>
#include <functional>
#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "engine/segment_set.h"
#include "testing/random_data.h"
#include "testing/temp_dir.h"
#include "testing/status_matchers.h"

namespace vecdex::engine::testing {

// Vectors by pid, as the collection's storage would hold them. Thread-safe.
class FakeStorage {
 public:
  explicit FakeStorage(size_t dim) : dim_(dim) {}

  void put(std::span<const Pid> pids, const float* rows) {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < pids.size(); ++i) {
      vectors_[pids[i]].assign(rows + i * dim_, rows + (i + 1) * dim_);
    }
  }
  void erase(std::span<const Pid> pids) {
    std::lock_guard<std::mutex> lock(mu_);
    for (Pid pid : pids) vectors_.erase(pid);
  }
  std::map<Pid, std::vector<float>> all() const {
    std::lock_guard<std::mutex> lock(mu_);
    return vectors_;
  }
  size_t fetch_calls() const {
    std::lock_guard<std::mutex> lock(mu_);
    return fetch_calls_;
  }
  // Called at the start of every fetch, outside the lock (tests use it to act mid-job).
  std::function<void()> on_fetch;
  // When set, fetch fails with this status.
  Status fail_fetch;

  FetchVectors fetch() {
    return [this](std::span<const Pid> pids, float* out) -> Status {
      if (on_fetch) on_fetch();
      std::lock_guard<std::mutex> lock(mu_);
      ++fetch_calls_;
      if (!fail_fetch.ok()) return fail_fetch;
      for (size_t i = 0; i < pids.size(); ++i) {
        auto it = vectors_.find(pids[i]);
        if (it == vectors_.end()) return not_found(fmt::format("pid {} not stored", pids[i]));
        std::copy(it->second.begin(), it->second.end(), out + i * dim_);
      }
      return Status();
    };
  }
  ForEachLivePid live() {
    return [this](const std::function<void(Pid)>& fn) {
      std::lock_guard<std::mutex> lock(mu_);
      for (const auto& entry : vectors_) fn(entry.first);
    };
  }

 private:
  size_t dim_;
  mutable std::mutex mu_;
  std::map<Pid, std::vector<float>> vectors_;
  size_t fetch_calls_ = 0;
};

inline SegmentOptions small_options(const std::filesystem::path& dir, size_t dim,
                                    Metric metric = Metric::kL2, std::string spec = "Flat") {
  SegmentOptions o;
  o.dim = dim;
  o.metric = metric;
  o.index_spec = std::move(spec);
  o.mutable_spec = "HNSW16";
  o.segment_max_points = 100;
  o.compaction_min_points = 10;
  o.background_threads = 0;
  o.build_threads = 1;
  o.dir = dir;
  return o;
}

// Pids first, first + 1, ...
inline std::vector<Pid> pid_range(Pid first, size_t n) {
  std::vector<Pid> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = first + i;
  return out;
}

// Exact top-k pids of `query` over the stored vectors (allowed-only when given), best first.
inline std::vector<Pid> exact_top_k(const FakeStorage& storage, const float* query, size_t dim,
                                    size_t k, Metric metric, const Filter* allowed = nullptr) {
  std::vector<std::pair<float, Pid>> scored;
  for (const auto& [pid, v] : storage.all()) {
    if (allowed != nullptr && !allowed->allows(pid)) continue;
    float dot = 0, l2 = 0, qq = 0, vv = 0;
    for (size_t j = 0; j < dim; ++j) {
      dot += query[j] * v[j];
      l2 += (query[j] - v[j]) * (query[j] - v[j]);
      qq += query[j] * query[j];
      vv += v[j] * v[j];
    }
    float key = metric == Metric::kL2             ? l2
                : metric == Metric::kInnerProduct ? -dot
                                                  : -dot / std::sqrt(qq * vv);
    scored.emplace_back(key, pid);
  }
  std::sort(scored.begin(), scored.end());
  std::vector<Pid> out;
  for (size_t i = 0; i < std::min(k, scored.size()); ++i) out.push_back(scored[i].second);
  return out;
}

// Mean recall@k of `got` (n x k) against exact search for the n queries.
inline double recall_at_k(const FakeStorage& storage, const SearchResults& got,
                          const std::vector<float>& queries, size_t dim, Metric metric,
                          const Filter* allowed = nullptr) {
  double hits = 0, total = 0;
  for (size_t q = 0; q < got.n; ++q) {
    std::vector<Pid> truth =
        exact_top_k(storage, queries.data() + q * dim, dim, got.k, metric, allowed);
    for (Pid pid : truth) {
      total += 1;
      const Id* row = got.ids_row(q);
      if (std::find(row, row + got.k, pid) != row + got.k) hits += 1;
    }
  }
  return total == 0 ? 1.0 : hits / total;
}

// Opens a set over `storage`, re-adding the pids it reports missing (as the collection does).
inline Result<std::unique_ptr<SegmentSet>> open_and_readd(const SegmentOptions& options,
                                                          FakeStorage& storage,
                                                          std::vector<Pid>* missing_out = nullptr) {
  std::vector<Pid> missing;
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<SegmentSet> set,
                          SegmentSet::open(options, storage.fetch(), storage.live(), &missing));
  std::map<Pid, std::vector<float>> all = storage.all();
  std::vector<float> rows;
  for (Pid pid : missing) rows.insert(rows.end(), all[pid].begin(), all[pid].end());
  VECDEX_RETURN_IF_ERROR(set->add(missing, MatrixView{rows.data(), missing.size(), options.dim}));
  if (missing_out != nullptr) *missing_out = missing;
  return set;
}

// Stores and adds `n` random points with pids [first, first + n).
inline Status add_random(SegmentSet& set, FakeStorage& storage, Pid first, size_t n, size_t dim,
                         uint64_t seed) {
  std::vector<float> rows = vecdex::testing::random_floats(n, dim, seed);
  std::vector<Pid> pids = pid_range(first, n);
  storage.put(pids, rows.data());
  return set.add(pids, MatrixView{rows.data(), n, dim});
}

}  // namespace vecdex::engine::testing
