// collection_bench: end-to-end figures for durable collections (issue #5's bar) on synthetic
// clustered data (generate_clustered, a Gaussian mixture) with a uniformly random payload
// {"bucket": 0..999} (an indexed int field), against exact ground truth: a Flat index over the
// same vectors, restricted to the allowed points for filtered searches.
//
// Scenarios (--scenarios, run in this order on one collection):
//   ingest      upserts in bulk batches of --batch points: acknowledged points/s, then seal()
//               and wait_idle() until fully indexed (end-to-end points/s); then search QPS with
//               1 and 2 threads and recall@k for every --params entry. The collection is
//               loaded even when this scenario is not listed (the others need it).
//   filtered    one query at a time with the filters bucket < 1, < 100, < 900 (selectivity
//               0.1%, 10%, 90%; --filter-bounds) and without: p50/p99 latency, QPS, recall@k.
//   under-load  a writer thread re-upserts existing points (same vectors, new bucket values) in
//               batches of each --writer-batch size while --search-threads threads search for
//               --seconds; then the same searches without the writer, for comparison. Ground
//               truth stays valid (vectors do not change); filtered runs first since this
//               changes the buckets.
//   single      the per-query cost of the collection layer: Collection::search one query at a
//               time against the very index of its one sealed segment (its file, mapped with
//               load_index; the database is reopened first so that the collection maps it too)
//               searched directly with the same params on one thread, in alternating rounds
//               (--rounds); us/query of each, the difference and the ratio. Needs every point
//               in one sealed segment (n <= --segment-max-points, no under-load before it).
// Every search is one request on its calling thread (params threads=1 unless given).
// --fashion DIR takes the data from Fashion-MNIST IDX files in DIR (Debian's
// dataset-fashion-mnist: /usr/share/datasets/fashion-mnist): the first --n train images as the
// base, the first --queries test images as queries (--dim is then 784).
//
//   collection_bench [--n 1000000] [--dim 128] [--queries 1000] [--k 10]
//                    [--spec "HNSW16,efc=200"] [--batch 10000] [--params "ef=16;ef=32;ef=64"]
//                    [--load-params ef=64] [--writer-batch 100,1] [--search-threads 1]
//                    [--seconds 10] [--rounds 5] [--fashion DIR] [--filter-bounds 1,100,900]
//                    [--scenarios ingest,filtered,under-load,single] [--json out.json]
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <system_error>
#include <thread>
#include <tuple>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "vecdex/database.h"
#include "vecdex/dataset.h"
#include "vecdex/filter.h"
#include "vecdex/index_factory.h"
#include "vecdex/search_params.h"

namespace vecdex {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int64_t kBuckets = 1000;
constexpr const char* kCollection = "bench";
// Every point's model_version; longer than 15 bytes like real model names (and the server
// demo's "fashion-mnist-raw"), so copying it into a result is not free.
constexpr const char* kModelVersion = "bench-embedding-v1";

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

void progress(const std::string& what) { std::fprintf(stderr, "[bench] %s\n", what.c_str()); }

struct Options {
  size_t n = 1000000;
  size_t dim = 128;
  size_t queries = 1000;
  size_t k = 10;
  size_t clusters = 100;
  uint64_t seed = 42;
  std::string spec = "HNSW16,efc=200";
  size_t batch = 10000;
  std::string params = "ef=16;ef=32;ef=64;ef=128";
  std::string load_params = "ef=64";
  std::vector<size_t> writer_batches = {100, 1};
  size_t search_threads = 1;
  double seconds = 10;
  size_t rounds = 5;
  std::vector<int64_t> filter_bounds = {1, 100, 900};  // bucket < bound: 0.1%, 10%, 90%
  std::string fashion;  // Fashion-MNIST directory; empty: synthetic data
  std::vector<std::string> scenarios = {"ingest", "filtered", "under-load"};
  std::string sync = "every";
  size_t segment_max_points = DatabaseOptions{}.segment_max_points;
  uint32_t background_threads = DatabaseOptions{}.background_threads;
  size_t bulk_min = DatabaseOptions{}.bulk_min_batch_points;
  std::string dir;  // empty: a temporary directory, removed at exit
  std::string json;

  bool wants(std::string_view scenario) const {
    return std::find(scenarios.begin(), scenarios.end(), scenario) != scenarios.end();
  }
};

// ---- data and exact ground truth -------------------------------------------------------------

struct BenchData {
  FloatMatrix base;
  FloatMatrix queries;
  std::vector<int64_t> bucket;  // per base row
};

// The first o.n train images and o.queries test images of Fashion-MNIST in o.fashion.
Result<BenchData> fashion_data(const Options& o) {
  const std::filesystem::path dir(o.fashion);
  ReadOptions base_rows;
  base_rows.max_rows = o.n;
  ReadOptions query_rows;
  query_rows.max_rows = o.queries;
  BenchData d;
  VECDEX_ASSIGN_OR_RETURN(d.base, read_vectors(dir / "train-images-idx3-ubyte.gz", base_rows));
  VECDEX_ASSIGN_OR_RETURN(d.queries, read_vectors(dir / "t10k-images-idx3-ubyte.gz", query_rows));
  return d;
}

Result<BenchData> make_data(const Options& o) {
  BenchData d;
  if (!o.fashion.empty()) {
    VECDEX_ASSIGN_OR_RETURN(d, fashion_data(o));
  } else {
    SyntheticSpec spec;
    spec.n = o.n;
    spec.n_queries = o.queries;
    spec.dim = o.dim;
    spec.clusters = o.clusters;
    spec.seed = o.seed;
    VECDEX_ASSIGN_OR_RETURN(SyntheticData synthetic, generate_clustered(spec));
    d.base = std::move(synthetic.base);
    d.queries = std::move(synthetic.queries);
  }
  std::mt19937_64 rng(o.seed + 1);
  std::uniform_int_distribution<int64_t> bucket(0, kBuckets - 1);
  d.bucket.resize(d.base.rows);
  for (int64_t& b : d.bucket) b = bucket(rng);
  return d;
}

// Per query: the exact top-k base rows, best first (fewer when fewer points are allowed).
using Truth = std::vector<std::vector<uint64_t>>;

Result<Truth> exact_truth(const Index& flat, const FloatMatrix& queries, size_t k,
                          const Filter* allowed) {
  VECDEX_ASSIGN_OR_RETURN(SearchResults res, flat.search(queries.view(), k, {}, allowed));
  Truth truth(queries.rows);
  for (size_t q = 0; q < queries.rows; ++q) {
    for (size_t j = 0; j < k && res.ids_row(q)[j] != kNoId; ++j) {
      truth[q].push_back(res.ids_row(q)[j]);
    }
  }
  return truth;
}

Filter bucket_below(const BenchData& d, int64_t bound) {
  std::vector<Id> rows;
  for (size_t i = 0; i < d.bucket.size(); ++i) {
    if (d.bucket[i] < bound) rows.push_back(i);
  }
  return Filter::from_ids(rows);
}

// The unfiltered truth, and one per filter bound (when `filtered`).
struct Truths {
  Truth all;
  std::vector<Truth> below;  // parallel to Options::filter_bounds
};

Result<Truths> compute_truths(const BenchData& d, size_t k, bool filtered,
                              const std::vector<int64_t>& filter_bounds) {
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> flat, make_index("Flat", d.base.dim, Metric::kL2));
  std::vector<Id> ids(d.base.rows);
  for (size_t i = 0; i < ids.size(); ++i) ids[i] = i;
  VECDEX_RETURN_IF_ERROR(flat->add(ids, d.base.view()));
  Truths t;
  VECDEX_ASSIGN_OR_RETURN(t.all, exact_truth(*flat, d.queries, k, nullptr));
  for (int64_t bound : filter_bounds) {
    if (!filtered) break;
    Filter allowed = bucket_below(d, bound);
    VECDEX_ASSIGN_OR_RETURN(Truth truth, exact_truth(*flat, d.queries, k, &allowed));
    t.below.push_back(std::move(truth));
  }
  return t;
}

double recall_of(const std::vector<ScoredPoint>& got, const std::vector<uint64_t>& truth) {
  if (truth.empty()) return got.empty() ? 1.0 : 0.0;
  size_t hits = 0;
  for (uint64_t row : truth) {
    for (const ScoredPoint& p : got) hits += p.id.is_number() && p.id.number() == row;
  }
  return static_cast<double>(hits) / static_cast<double>(truth.size());
}

// ---- the collection --------------------------------------------------------------------------

Result<DatabaseOptions> db_options(const Options& o) {
  DatabaseOptions db;
  if (o.sync == "every") {
    db.sync = SyncPolicy::kEveryWrite;
  } else if (o.sync == "group") {
    db.sync = SyncPolicy::kGroupCommit;
  } else if (o.sync == "periodic") {
    db.sync = SyncPolicy::kPeriodic;
  } else {
    return invalid_argument("--sync must be every, group or periodic, got " + o.sync);
  }
  db.segment_max_points = o.segment_max_points;
  db.background_threads = o.background_threads;
  db.bulk_min_batch_points = o.bulk_min;
  for (size_t b : o.writer_batches) db.max_batch_points = std::max(db.max_batch_points, b);
  db.max_batch_points = std::max(db.max_batch_points, o.batch);
  return db;
}

CollectionConfig collection_config(const Options& o) {
  CollectionConfig c;
  c.name = kCollection;
  c.dim = o.dim;
  c.metric = Metric::kL2;
  c.index_spec = o.spec;
  c.schema.fields = {FieldSpec{"bucket", FieldType::kInt, true, true}};
  return c;
}

Point point_of(const BenchData& d, size_t row, int64_t bucket) {
  Point p;
  p.id = PointId(uint64_t{row});
  p.vector.assign(d.base.row(row), d.base.row(row) + d.base.dim);
  p.payload = Payload{{"bucket", bucket}};
  p.model_version = kModelVersion;
  return p;
}

std::string segment_summary(const Collection& c) {
  std::map<std::string, size_t> by_state;
  for (const SegmentInfo& s : c.info().segments) by_state[s.state] += 1;
  std::string out;
  for (const auto& [state, count] : by_state) {
    out += fmt::format("{}{} {}", out.empty() ? "" : ", ", count, state);
  }
  return out;
}

struct IngestResult {
  double ack_s = 0;      // until the last upsert returned
  double indexed_s = 0;  // until seal() + wait_idle() returned (from the start)
  std::string segments;
};

Result<IngestResult> ingest(Database& db, Collection& c, const BenchData& d, size_t batch) {
  IngestResult r;
  const size_t n = d.base.rows;
  std::vector<Point> points;
  size_t next_note = n / 10;
  Clock::time_point start = Clock::now();
  for (size_t first = 0; first < n; first += batch) {
    points.clear();
    for (size_t i = first; i < std::min(n, first + batch); ++i) {
      points.push_back(point_of(d, i, d.bucket[i]));
    }
    VECDEX_RETURN_IF_ERROR(c.upsert(points).with_context(fmt::format("upsert at row {}", first)));
    if (first + batch >= next_note && first + batch < n) {
      progress(fmt::format("  {} points acknowledged, {:.1f} s", first + batch,
                           seconds_since(start)));
      next_note += n / 10;
    }
  }
  r.ack_s = seconds_since(start);
  VECDEX_RETURN_IF_ERROR(c.seal());
  VECDEX_RETURN_IF_ERROR(db.wait_idle());
  r.indexed_s = seconds_since(start);
  r.segments = segment_summary(c);
  return r;
}

// ---- searches ---------------------------------------------------------------------------------

struct SearchStats {
  size_t queries = 0;
  double seconds = 0;
  double recall_sum = 0;
  std::vector<double> latencies_us;

  double qps() const { return seconds > 0 ? static_cast<double>(queries) / seconds : 0; }
  double recall() const { return queries > 0 ? recall_sum / static_cast<double>(queries) : 0; }
  double percentile_us(double p) const {
    if (latencies_us.empty()) return 0;
    std::vector<double> sorted = latencies_us;
    size_t at = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
    std::nth_element(sorted.begin(), sorted.begin() + at, sorted.end());
    return sorted[at];
  }
};

struct SearchJob {
  const Collection* collection = nullptr;
  const BenchData* data = nullptr;
  const Truth* truth = nullptr;
  size_t k = 10;
  SearchParams params;
  std::optional<PayloadFilter> filter;
};

// Runs the queries on `threads` threads (query i % nq on thread i % threads): each query once
// when `until` is empty, otherwise round and round until that moment.
Result<SearchStats> run_searches(const SearchJob& job, size_t threads,
                                 std::optional<Clock::time_point> until) {
  const size_t nq = job.data->queries.rows;
  std::vector<SearchStats> per_thread(threads);
  std::mutex error_mutex;
  Status error;
  std::atomic<bool> failed{false};
  auto worker = [&](size_t t) {
    SearchStats& mine = per_thread[t];
    SearchRequest r;
    r.k = job.k;
    r.params = job.params;
    r.filter = job.filter;
    for (size_t i = t; !failed.load(std::memory_order_relaxed); i += threads) {
      if (until ? Clock::now() >= *until : i >= nq) break;
      size_t q = i % nq;
      r.vector = std::span<const float>(job.data->queries.row(q), job.data->queries.dim);
      Clock::time_point start = Clock::now();
      Result<SearchResponse> res = job.collection->search(r);
      mine.latencies_us.push_back(seconds_since(start) * 1e6);
      if (!res.ok()) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (error.ok()) error = res.status();
        failed = true;
        return;
      }
      mine.recall_sum += recall_of(res->results, (*job.truth)[q]);
      ++mine.queries;
    }
  };
  Clock::time_point start = Clock::now();
  std::vector<std::thread> pool;
  for (size_t t = 1; t < threads; ++t) pool.emplace_back(worker, t);
  worker(0);
  for (std::thread& th : pool) th.join();
  VECDEX_RETURN_IF_ERROR(error);
  SearchStats total;
  total.seconds = seconds_since(start);
  for (const SearchStats& s : per_thread) {
    total.queries += s.queries;
    total.recall_sum += s.recall_sum;
    total.latencies_us.insert(total.latencies_us.end(), s.latencies_us.begin(),
                              s.latencies_us.end());
  }
  return total;
}

// Splits "ef=16;ef=32" into parsed parameter sets, adding threads=1 when not given.
Result<std::vector<SearchParams>> parse_param_list(const std::string& text) {
  std::vector<SearchParams> out;
  size_t from = 0;
  while (from <= text.size()) {
    size_t to = std::min(text.find(';', from), text.size());
    std::string one = text.substr(from, to - from);
    if (!one.empty()) {
      VECDEX_ASSIGN_OR_RETURN(SearchParams p, parse_search_params(one));
      if (!p.threads) p.threads = 1;
      out.push_back(p);
    }
    from = to + 1;
  }
  if (out.empty()) return invalid_argument("no search parameters in '" + text + "'");
  return out;
}

PayloadFilter bucket_filter(int64_t bound) {
  FieldCondition c;
  c.field = "bucket";
  c.kind = FieldCondition::Kind::kRange;
  c.lt = static_cast<double>(bound);
  PayloadFilter f;
  f.must.push_back(PayloadFilter::Clause{std::move(c), nullptr});
  return f;
}

// ---- the writer of under-load -----------------------------------------------------------------

struct WriterStats {
  size_t points = 0;
  size_t calls = 0;
  double seconds = 0;
  Status status;
};

// Re-upserts consecutive rows (wrapping around) with new bucket values until `stop`.
void rewrite_points(Collection& c, const BenchData& d, size_t batch, uint64_t seed,
                    const std::atomic<bool>& stop, WriterStats& out) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int64_t> bucket(0, kBuckets - 1);
  const size_t n = d.base.rows;
  size_t next = std::uniform_int_distribution<size_t>(0, n - 1)(rng);
  batch = std::min(batch, n);
  std::vector<Point> points;
  Clock::time_point start = Clock::now();
  while (!stop.load(std::memory_order_relaxed)) {
    points.clear();
    for (size_t i = 0; i < batch; ++i) points.push_back(point_of(d, (next + i) % n, bucket(rng)));
    out.status = c.upsert(points);
    if (!out.status.ok()) break;
    next = (next + batch) % n;
    out.points += batch;
    ++out.calls;
  }
  out.seconds = seconds_since(start);
}

// ---- JSON output (numbers and plain strings) ---------------------------------------------------

class JsonObject {
 public:
  JsonObject& num(std::string_view key, double v) {
    return raw(key, std::isfinite(v) ? fmt::format("{}", v) : "null");
  }
  JsonObject& str(std::string_view key, std::string_view v) {
    std::string quoted = "\"";
    for (char ch : v) {
      if (ch == '"' || ch == '\\') quoted += '\\';
      quoted += ch;
    }
    return raw(key, quoted + "\"");
  }
  JsonObject& raw(std::string_view key, std::string_view json) {
    body_ += fmt::format("{}\"{}\": {}", body_.empty() ? "" : ", ", key, json);
    return *this;
  }
  std::string text() const { return "{" + body_ + "}"; }

 private:
  std::string body_;
};

std::string json_array(const std::vector<std::string>& items) {
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ",\n  " : "\n  ") + items[i];
  return out + (items.empty() ? "]" : "\n]");
}

JsonObject search_json(const SearchStats& s) {
  JsonObject j;
  j.num("queries", static_cast<double>(s.queries))
      .num("qps", s.qps())
      .num("recall", s.recall())
      .num("p50_us", s.percentile_us(0.5))
      .num("p99_us", s.percentile_us(0.99));
  return j;
}

// ---- scenarios --------------------------------------------------------------------------------

Result<std::string> run_search_sweep(const Collection& c, const BenchData& d, const Truths& t,
                                     const Options& o) {
  VECDEX_ASSIGN_OR_RETURN(std::vector<SearchParams> sets, parse_param_list(o.params));
  fmt::print("\nsearch after ingest (k={}, {} queries, one request per query)\n", o.k,
             d.queries.rows);
  fmt::print("{:<24} {:>7} {:>10} {:>8} {:>9} {:>9}\n", "params", "threads", "QPS",
             "recall", "p50 us", "p99 us");
  std::vector<std::string> runs;
  for (const SearchParams& params : sets) {
    for (size_t threads : {size_t{1}, size_t{2}}) {
      SearchJob job{&c, &d, &t.all, o.k, params, std::nullopt};
      VECDEX_ASSIGN_OR_RETURN(SearchStats s, run_searches(job, threads, std::nullopt));
      fmt::print("{:<24} {:>7} {:>10.0f} {:>8.4f} {:>9.0f} {:>9.0f}\n", params.to_string(),
                 threads, s.qps(), s.recall(), s.percentile_us(0.5), s.percentile_us(0.99));
      runs.push_back(search_json(s)
                         .str("params", params.to_string())
                         .num("threads", static_cast<double>(threads))
                         .text());
    }
  }
  return json_array(runs);
}

Result<std::string> run_filtered(const Collection& c, const BenchData& d, const Truths& t,
                                 const Options& o) {
  VECDEX_ASSIGN_OR_RETURN(std::vector<SearchParams> sets, parse_param_list(o.load_params));
  const SearchParams& params = sets.front();
  fmt::print("\nfiltered search ({}, k={}, one query at a time)\n", params.to_string(), o.k);
  fmt::print("{:<14} {:>11} {:>9} {:>10} {:>8} {:>9} {:>9}\n", "filter", "selectivity",
             "allowed", "QPS", "recall", "p50 us", "p99 us");
  std::vector<std::string> runs;
  for (size_t f = 0; f <= o.filter_bounds.size(); ++f) {
    const bool unfiltered = f == o.filter_bounds.size();
    SearchJob job{&c, &d, unfiltered ? &t.all : &t.below[f], o.k, params, std::nullopt};
    std::string label = "none";
    size_t allowed = d.base.rows;
    if (!unfiltered) {
      job.filter = bucket_filter(o.filter_bounds[f]);
      label = fmt::format("bucket < {}", o.filter_bounds[f]);
      allowed = static_cast<size_t>(std::count_if(
          d.bucket.begin(), d.bucket.end(), [&](int64_t b) { return b < o.filter_bounds[f]; }));
    }
    double selectivity = static_cast<double>(allowed) / static_cast<double>(d.base.rows);
    VECDEX_ASSIGN_OR_RETURN(SearchStats s, run_searches(job, 1, std::nullopt));
    fmt::print("{:<14} {:>10.1f}% {:>9} {:>10.0f} {:>8.4f} {:>9.0f} {:>9.0f}\n", label,
               100 * selectivity, allowed, s.qps(), s.recall(), s.percentile_us(0.5),
               s.percentile_us(0.99));
    runs.push_back(search_json(s)
                       .str("filter", label)
                       .num("selectivity", selectivity)
                       .num("allowed", static_cast<double>(allowed))
                       .str("params", params.to_string())
                       .text());
  }
  return json_array(runs);
}

Result<std::string> run_under_load(Database& db, Collection& c, const BenchData& d,
                                   const Truths& t, const Options& o) {
  VECDEX_ASSIGN_OR_RETURN(std::vector<SearchParams> sets, parse_param_list(o.load_params));
  const SearchParams& params = sets.front();
  const auto duration = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(o.seconds));
  fmt::print("\nunder load ({}, k={}, {} search thread(s), {:.0f} s per run)\n",
             params.to_string(), o.k, o.search_threads, o.seconds);
  fmt::print("{:>12} {:>11} {:>10} {:>10} {:>8} {:>9} {:>9}\n", "writer batch", "upserts/s",
             "calls/s", "QPS", "recall", "p50 us", "p99 us");
  SearchJob job{&c, &d, &t.all, o.k, params, std::nullopt};
  std::vector<std::string> runs;
  for (size_t batch : o.writer_batches) {
    std::atomic<bool> stop{false};
    WriterStats w;
    std::thread writer([&] { rewrite_points(c, d, batch, o.seed + batch, stop, w); });
    Result<SearchStats> loaded = run_searches(job, o.search_threads, Clock::now() + duration);
    stop = true;
    writer.join();
    VECDEX_RETURN_IF_ERROR(loaded.status());
    VECDEX_RETURN_IF_ERROR(w.status.with_context("writer"));
    // The baseline searches the state the writer left, once background work has settled.
    VECDEX_RETURN_IF_ERROR(db.wait_idle());
    VECDEX_ASSIGN_OR_RETURN(SearchStats idle,
                            run_searches(job, o.search_threads, Clock::now() + duration));
    const double upserts = static_cast<double>(w.points) / w.seconds;
    const double calls = static_cast<double>(w.calls) / w.seconds;
    fmt::print("{:>12} {:>11.0f} {:>10.0f} {:>10.0f} {:>8.4f} {:>9.0f} {:>9.0f}\n", batch,
               upserts, calls, loaded->qps(), loaded->recall(), loaded->percentile_us(0.5),
               loaded->percentile_us(0.99));
    fmt::print("{:>12} {:>11} {:>10} {:>10.0f} {:>8.4f} {:>9.0f} {:>9.0f}\n", "(no writer)", "-",
               "-", idle.qps(), idle.recall(), idle.percentile_us(0.5), idle.percentile_us(0.99));
    runs.push_back(search_json(*loaded)
                       .num("writer_batch", static_cast<double>(batch))
                       .num("search_threads", static_cast<double>(o.search_threads))
                       .num("seconds", o.seconds)
                       .num("upserts_per_s", upserts)
                       .num("upsert_calls_per_s", calls)
                       .raw("without_writer", search_json(idle).text())
                       .text());
  }
  return json_array(runs);
}

// The file of the collection's only segment, which must be sealed: the single scenario
// searches that same index directly.
Result<std::filesystem::path> only_segment_file(const Collection& c,
                                                const std::filesystem::path& db_dir) {
  std::vector<SegmentInfo> segments = c.info().segments;
  std::vector<SegmentInfo> holding;
  for (const SegmentInfo& s : segments) {
    if (s.points > 0) holding.push_back(s);
  }
  if (holding.size() != 1 || holding[0].state != "sealed") {
    return failed_precondition(fmt::format(
        "single: needs every point in one sealed segment, the collection has {} ({}); raise "
        "--segment-max-points above --n",
        segment_summary(c), holding.size()));
  }
  const std::string name = fmt::format("seg-{}.vdx", holding[0].id);
  std::error_code ec;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(db_dir, ec)) {
    if (entry.path().filename() == name) return entry.path();
  }
  return not_found(fmt::format("single: segment file {} not found under {}", name,
                               db_dir.string()));
}

// Latency and recall of one search per query, one thread, with `search(q)` returning the hits'
// row numbers.
template <typename SearchFn>
Status time_one_by_one(const BenchData& d, const Truth& truth, SearchFn&& search,
                       SearchStats& into) {
  std::vector<uint64_t> rows;
  Clock::time_point all = Clock::now();
  for (size_t q = 0; q < d.queries.rows; ++q) {
    rows.clear();
    Clock::time_point start = Clock::now();
    VECDEX_RETURN_IF_ERROR(search(d.queries.row(q), rows));
    into.latencies_us.push_back(seconds_since(start) * 1e6);
    size_t hits = 0;
    for (uint64_t row : truth[q]) hits += std::count(rows.begin(), rows.end(), row);
    into.recall_sum += truth[q].empty() ? 1.0 : double(hits) / double(truth[q].size());
    ++into.queries;
  }
  into.seconds += seconds_since(all);
  return Status();
}

double mean_of(const std::vector<double>& v) {
  double sum = 0;
  for (double x : v) sum += x;
  return v.empty() ? 0 : sum / static_cast<double>(v.size());
}

Result<std::string> run_single(const Collection& c, const BenchData& d, const Truths& t,
                               const Options& o, const std::filesystem::path& db_dir) {
  VECDEX_ASSIGN_OR_RETURN(std::vector<SearchParams> sets, parse_param_list(o.load_params));
  const SearchParams& params = sets.front();
  VECDEX_ASSIGN_OR_RETURN(std::filesystem::path file, only_segment_file(c, db_dir));
  LoadOptions mapped;
  mapped.mmap = true;  // as the collection loads its sealed segments
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> index, load_index(file, mapped));
  // Pids are the ingest's row numbers (assigned in upsert order, from 0), so the index's ids are
  // rows too.
  auto by_index = [&](const float* q, std::vector<uint64_t>& rows) -> Status {
    VECDEX_ASSIGN_OR_RETURN(SearchResults res, index->search(MatrixView{q, 1, d.queries.dim},
                                                             o.k, params));
    for (size_t j = 0; j < res.k && res.ids[j] != kNoId; ++j) rows.push_back(res.ids[j]);
    return Status();
  };
  SearchRequest request;
  request.k = o.k;
  request.params = params;
  auto by_collection = [&](const float* q, std::vector<uint64_t>& rows) -> Status {
    request.vector = std::span<const float>(q, d.queries.dim);
    VECDEX_ASSIGN_OR_RETURN(SearchResponse res, c.search(request));
    for (const ScoredPoint& p : res.results) rows.push_back(p.id.number());
    return Status();
  };
  // Alternating rounds (the order flips each round) so drift on a shared machine hits both.
  SearchStats direct, through;
  // The fastest round of each path: the least disturbed by other work on a shared machine.
  double direct_best = std::numeric_limits<double>::infinity(), through_best = direct_best;
  auto round_of = [&](auto& search, SearchStats& stats, double& best) -> Status {
    const size_t before = stats.latencies_us.size();
    VECDEX_RETURN_IF_ERROR(time_one_by_one(d, t.all, search, stats));
    best = std::min(best, mean_of(std::vector<double>(stats.latencies_us.begin() + before,
                                                      stats.latencies_us.end())));
    return Status();
  };
  for (size_t round = 0; round < o.rounds; ++round) {
    if (round % 2 == 0) {
      VECDEX_RETURN_IF_ERROR(round_of(by_index, direct, direct_best));
      VECDEX_RETURN_IF_ERROR(round_of(by_collection, through, through_best));
    } else {
      VECDEX_RETURN_IF_ERROR(round_of(by_collection, through, through_best));
      VECDEX_RETURN_IF_ERROR(round_of(by_index, direct, direct_best));
    }
  }
  fmt::print("\nsingle query: Collection::search vs its sealed segment's index ({}, k={}, {} "
             "queries x {} rounds, one thread)\n",
             params.to_string(), o.k, d.queries.rows, o.rounds);
  fmt::print("{:<12} {:>10} {:>10} {:>10} {:>9} {:>9} {:>8}\n", "path", "best us", "mean us",
             "QPS", "p50 us", "p99 us", "recall");
  for (const auto& [label, s, best] :
       {std::tuple<const char*, const SearchStats*, double>{"index", &direct, direct_best},
        {"collection", &through, through_best}}) {
    fmt::print("{:<12} {:>10.1f} {:>10.1f} {:>10.0f} {:>9.1f} {:>9.1f} {:>8.4f}\n", label, best,
               mean_of(s->latencies_us), s->qps(), s->percentile_us(0.5), s->percentile_us(0.99),
               s->recall());
  }
  // "best": the fastest round's mean per query of each path; p50 over all rounds.
  const double overhead_us = through_best - direct_best;
  const double ratio = through_best / direct_best;
  const double p50_overhead_us = through.percentile_us(0.5) - direct.percentile_us(0.5);
  const double p50_ratio = through.percentile_us(0.5) / direct.percentile_us(0.5);
  fmt::print("collection overhead: {:+.1f} us/query, ratio {:.3f} (best rounds); {:+.1f} us, "
             "ratio {:.3f} (p50)\n",
             overhead_us, ratio, p50_overhead_us, p50_ratio);
  JsonObject j;
  j.str("params", params.to_string())
      .num("rounds", static_cast<double>(o.rounds))
      .raw("index", search_json(direct)
                        .num("mean_us", mean_of(direct.latencies_us))
                        .num("best_round_mean_us", direct_best)
                        .text())
      .raw("collection", search_json(through)
                             .num("mean_us", mean_of(through.latencies_us))
                             .num("best_round_mean_us", through_best)
                             .text())
      .num("overhead_us", overhead_us)
      .num("ratio", ratio)
      .num("p50_overhead_us", p50_overhead_us)
      .num("ratio_p50", p50_ratio);
  return j.text();
}

// ---- main -------------------------------------------------------------------------------------

// The database directory: --dir (must be empty or absent) or a temporary one removed at exit.
class BenchDir {
 public:
  explicit BenchDir(const std::string& dir)
      : path_(dir.empty() ? std::filesystem::temp_directory_path() /
                                fmt::format("collection_bench-{}", ::getpid())
                          : std::filesystem::path(dir)),
        temporary_(dir.empty()) {}
  ~BenchDir() {
    std::error_code ignored;
    if (temporary_) std::filesystem::remove_all(path_, ignored);
  }
  const std::filesystem::path& path() const { return path_; }
  Status check() const {
    std::error_code ec;
    if (std::filesystem::exists(path_, ec) && !std::filesystem::is_empty(path_, ec)) {
      return already_exists("--dir " + path_.string() + " is not empty");
    }
    return Status();
  }

 private:
  std::filesystem::path path_;
  bool temporary_;
};

Status run(Options o) {
  for (const std::string& s : o.scenarios) {
    if (s != "ingest" && s != "filtered" && s != "under-load" && s != "single") {
      return invalid_argument("unknown scenario '" + s +
                              "'; expected ingest, filtered, under-load, single");
    }
  }
  bool zero_writer_batch = std::count(o.writer_batches.begin(), o.writer_batches.end(), 0) > 0;
  if (o.n == 0 || o.queries == 0 || o.k == 0 || o.batch == 0 || o.search_threads == 0 ||
      zero_writer_batch || !(o.seconds > 0) || o.rounds == 0) {
    return invalid_argument("--n, --queries, --k, --batch, --writer-batch, --search-threads, "
                            "--seconds and --rounds must be positive");
  }
  if (!o.fashion.empty()) o.dim = 784;  // Fashion-MNIST images: 28 x 28
  VECDEX_ASSIGN_OR_RETURN(DatabaseOptions db_opts, db_options(o));
  // Fail on a bad spec or parameter list before minutes of data generation.
  VECDEX_RETURN_IF_ERROR(make_index(o.spec, o.dim, Metric::kL2).status().with_context("--spec"));
  VECDEX_RETURN_IF_ERROR(parse_param_list(o.params).status().with_context("--params"));
  VECDEX_RETURN_IF_ERROR(parse_param_list(o.load_params).status().with_context("--load-params"));
  BenchDir dir(o.dir);
  VECDEX_RETURN_IF_ERROR(dir.check());

  progress(fmt::format("generating {} x {} points ({} clusters) and {} queries", o.n, o.dim,
                       o.clusters, o.queries));
  VECDEX_ASSIGN_OR_RETURN(BenchData data, make_data(o));
  o.n = data.base.rows;  // Fashion-MNIST may hold fewer than --n
  o.dim = data.base.dim;
  progress("exact ground truth (Flat)");
  Clock::time_point gt_start = Clock::now();
  VECDEX_ASSIGN_OR_RETURN(Truths truths,
                          compute_truths(data, o.k, o.wants("filtered"), o.filter_bounds));
  const double gt_s = seconds_since(gt_start);

  progress(fmt::format("ingest into {} ({} per batch)", dir.path().string(), o.batch));
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, Database::open(dir.path(), db_opts));
  VECDEX_ASSIGN_OR_RETURN(Collection * c, db->create_collection(collection_config(o)));
  VECDEX_ASSIGN_OR_RETURN(IngestResult in, ingest(*db, *c, data, o.batch));
  const double n = static_cast<double>(o.n);
  fmt::print("collection_bench: n={} dim={} queries={} k={} spec=\"{}\" sync={} "
             "segment_max_points={} bulk_min_batch_points={}\n",
             o.n, o.dim, o.queries, o.k, o.spec, o.sync, o.segment_max_points, o.bulk_min);
  fmt::print("\ningest (batches of {})\n", o.batch);
  fmt::print("  acknowledged      {:>10.1f} s  {:>10.0f} points/s\n", in.ack_s, n / in.ack_s);
  fmt::print("  fully indexed     {:>10.1f} s  {:>10.0f} points/s end to end\n", in.indexed_s,
             n / in.indexed_s);
  fmt::print("  segments          {}\n", in.segments);

  JsonObject report;
  report.num("n", n)
      .num("dim", static_cast<double>(o.dim))
      .num("queries", static_cast<double>(o.queries))
      .num("k", static_cast<double>(o.k))
      .str("spec", o.spec)
      .str("sync", o.sync)
      .num("segment_max_points", static_cast<double>(o.segment_max_points))
      .num("bulk_min_batch_points", static_cast<double>(o.bulk_min))
      .num("ground_truth_s", gt_s);
  JsonObject ingest_json;
  ingest_json.num("batch", static_cast<double>(o.batch))
      .num("acknowledged_s", in.ack_s)
      .num("acknowledged_points_per_s", n / in.ack_s)
      .num("indexed_s", in.indexed_s)
      .num("end_to_end_points_per_s", n / in.indexed_s)
      .str("segments", in.segments);
  if (o.wants("ingest")) {
    VECDEX_ASSIGN_OR_RETURN(std::string sweep, run_search_sweep(*c, data, truths, o));
    ingest_json.raw("search", sweep);
  }
  report.raw("ingest", ingest_json.text());
  if (o.wants("filtered")) {
    VECDEX_ASSIGN_OR_RETURN(std::string filtered, run_filtered(*c, data, truths, o));
    report.raw("filtered", filtered);
  }
  if (o.wants("under-load")) {
    VECDEX_ASSIGN_OR_RETURN(std::string loaded, run_under_load(*db, *c, data, truths, o));
    report.raw("under_load", loaded);
  }
  if (o.wants("single")) {
    // Reopened, the collection maps its sealed segment's file, as run_single maps it for the
    // direct searches: both walk the same bytes of the page cache.
    c = nullptr;
    db.reset();
    VECDEX_ASSIGN_OR_RETURN(db, Database::open(dir.path(), db_opts));
    VECDEX_ASSIGN_OR_RETURN(c, db->collection(kCollection));
    VECDEX_ASSIGN_OR_RETURN(std::string single, run_single(*c, data, truths, o, dir.path()));
    report.raw("single", single);
  }
  if (!o.json.empty()) {
    std::FILE* f = std::fopen(o.json.c_str(), "w");
    if (f == nullptr) return io_error("cannot write --json " + o.json);
    std::string text = report.text() + "\n";
    bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
    ok = std::fclose(f) == 0 && ok;
    if (!ok) return io_error("writing --json " + o.json + " failed");
    progress("wrote " + o.json);
  }
  return Status();
}

}  // namespace
}  // namespace vecdex

int main(int argc, char** argv) {
  vecdex::Options o;
  CLI::App app{"collection_bench: ingest, search, filtered and under-load figures for a "
               "durable collection on synthetic clustered data"};
  app.add_option("--n", o.n, "Base points")->capture_default_str();
  app.add_option("--dim", o.dim, "Dimension")->capture_default_str();
  app.add_option("--queries", o.queries, "Query vectors")->capture_default_str();
  app.add_option("--k", o.k, "Neighbours per query (recall@k)")->capture_default_str();
  app.add_option("--clusters", o.clusters, "Gaussian mixture components")->capture_default_str();
  app.add_option("--seed", o.seed, "Data seed")->capture_default_str();
  app.add_option("--spec", o.spec, "Collection index spec")->capture_default_str();
  app.add_option("--batch", o.batch, "Points per ingest upsert")->capture_default_str();
  app.add_option("--params", o.params, "Search parameter sets after ingest, ';'-separated")
      ->capture_default_str();
  app.add_option("--load-params", o.load_params, "Search parameters of filtered / under-load")
      ->capture_default_str();
  app.add_option("--writer-batch", o.writer_batches, "Under-load writer batch sizes")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--search-threads", o.search_threads, "Under-load search threads")
      ->capture_default_str();
  app.add_option("--seconds", o.seconds, "Duration of each under-load run")->capture_default_str();
  app.add_option("--filter-bounds", o.filter_bounds,
                 "Filtered scenario: one run per bound b with the filter bucket < b (of 1000)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--rounds", o.rounds, "Alternating rounds of the single scenario")
      ->capture_default_str();
  app.add_option("--fashion", o.fashion,
                 "Fashion-MNIST IDX directory (e.g. /usr/share/datasets/fashion-mnist) instead "
                 "of synthetic data");
  app.add_option("--scenarios", o.scenarios, "ingest, filtered, under-load, single")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--sync", o.sync, "every | group | periodic")->capture_default_str();
  app.add_option("--segment-max-points", o.segment_max_points, "DatabaseOptions")
      ->capture_default_str();
  app.add_option("--background-threads", o.background_threads, "DatabaseOptions")
      ->capture_default_str();
  app.add_option("--bulk-min", o.bulk_min,
                 "DatabaseOptions::bulk_min_batch_points (0 = no bulk path)")
      ->capture_default_str();
  app.add_option("--dir", o.dir, "Database directory (empty or absent; default: a temporary one)");
  app.add_option("--json", o.json, "Also write the figures as JSON to this file");
  CLI11_PARSE(app, argc, argv);
  vecdex::Status s = vecdex::run(o);
  if (!s.ok()) {
    std::fprintf(stderr, "collection_bench: %s\n", s.to_string().c_str());
    return 1;
  }
  return 0;
}
