// vecdex bench: the recall / QPS / latency harness (DESIGN.md "CLI and benchmark contract").
// Builds the index (timed), then for each --sweep parameter set: the whole query set as ONE
// batch search with --threads (qps), then single queries one at a time on one thread (p50/p99
// latency), and recall@k against exact ground truth (--gt, or brute force computed here).
// --filter-fraction F searches with a seeded random filter allowing F of the ids (ground truth
// then exact over the allowed ids); --build-threads sets the build apart from --threads.
#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "bench_report.h"
#include "commands.h"
#include "common.h"
#include "filter_option.h"
#include "plot_runner.h"
#include "progress.h"
#include "recall.h"
#include "sweep.h"
#include "vecdex/search_params.h"
#include "vecdex/version.h"

namespace vecdex::cli {
namespace {

struct BenchOptions {
  std::string base;
  std::string queries;
  std::string gt;
  size_t k = 10;
  std::string metric = "l2";
  std::string spec = "Flat";
  std::string sweep;
  uint32_t threads = 1;
  uint32_t build_threads = 0;                // used when --build-threads is given
  CLI::Option* build_threads_given = nullptr;
  FilterOption filter;                       // --filter-fraction, --filter-seed
  std::string json;
  std::string plot;
  std::string name;
  size_t max_base = 0;
  size_t max_queries = 0;
  size_t latency_queries = 0;  // 0: min(n_queries, 1000)
};

// Nearest-rank percentile of sorted samples.
double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

// Ground truth from --gt, checked against the data it will judge.
Result<IdMatrix> load_gt(const BenchOptions& o, size_t n_base, size_t n_queries) {
  Result<IdMatrix> gt = read_ids(o.gt);
  if (!gt.ok()) return gt.status().with_context("--gt");
  if (gt->rows < n_queries || gt->cols < o.k) {
    return invalid_argument(fmt::format(
        "--gt: {} holds {} x {} ids, need at least {} rows (queries) and {} columns (k)", o.gt,
        gt->rows, gt->cols, n_queries, o.k));
  }
  for (size_t i = 0; i < n_queries; ++i) {
    for (size_t j = 0; j < o.k; ++j) {
      int32_t id = gt->row(i)[j];
      if (id >= 0 && static_cast<size_t>(id) >= n_base) {
        return invalid_argument(fmt::format(
            "--gt: {} row {} names base row {}, but only {} base vectors are indexed (drop --gt "
            "to compute ground truth for --max-base)",
            o.gt, i, id, n_base));
      }
    }
  }
  return gt;
}

// One parameter set: batch QPS, recall, then single-query latency.
Result<BenchRun> run_one(const Index& index, const FloatMatrix& queries, const IdMatrix& gt,
                         const BenchOptions& o, const std::string& text, SearchParams params,
                         size_t latency_queries, const Filter* filter) {
  BenchRun run;
  run.params = text;
  if (!params.threads) params.threads = o.threads;  // a swept "threads" value wins
  size_t warm = std::min<size_t>(queries.rows, 16);
  VECDEX_RETURN_IF_ERROR(index.search(MatrixView{queries.data.data(), warm, queries.dim}, o.k,
                                      params, filter).status());
  Stopwatch batch;
  VECDEX_ASSIGN_OR_RETURN(SearchResults results,
                          index.search(queries.view(), o.k, params, filter));
  double seconds = batch.seconds();
  run.qps = seconds > 0 ? static_cast<double>(queries.rows) / seconds : 0;
  VECDEX_ASSIGN_OR_RETURN(run.recall, recall_at_k(results, gt, o.k));

  params.threads = 1;
  std::vector<double> micros;
  micros.reserve(latency_queries);
  Progress progress(fmt::format("latency {}", text.empty() ? "(default)" : text),
                    latency_queries);
  for (size_t i = 0; i < latency_queries; ++i) {
    MatrixView one{queries.row(i), 1, queries.dim};
    Stopwatch single;
    Result<SearchResults> r = index.search(one, o.k, params, filter);
    micros.push_back(single.seconds() * 1e6);
    VECDEX_RETURN_IF_ERROR(r.status());
    progress.update(i + 1);
  }
  progress.finish();
  std::sort(micros.begin(), micros.end());
  run.p50_us = percentile(micros, 0.50);
  run.p99_us = percentile(micros, 0.99);
  return run;
}

Status run_bench(const BenchOptions& o) {
  VECDEX_RETURN_IF_ERROR(check_k(o.k));
  VECDEX_ASSIGN_OR_RETURN(Metric metric, parse_metric_option(o.metric));
  VECDEX_ASSIGN_OR_RETURN(std::vector<std::string> sweep, expand_sweep(o.sweep));
  std::vector<SearchParams> param_sets;
  for (const std::string& text : sweep) {
    Result<SearchParams> p = parse_search_params(text);
    if (!p.ok()) return p.status().with_context(fmt::format("--sweep \"{}\"", text));
    param_sets.push_back(*p);
  }

  progress_note(fmt::format("reading {} and {} ...", o.base, o.queries));
  VECDEX_ASSIGN_OR_RETURN(FloatMatrix base, load_vectors(o.base, o.max_base, "--base"));
  VECDEX_ASSIGN_OR_RETURN(FloatMatrix queries, load_vectors(o.queries, o.max_queries, "--queries"));
  if (queries.dim != base.dim) {
    return invalid_argument(fmt::format("queries in {} have dim {}, base vectors in {} have dim {}",
                                        o.queries, queries.dim, o.base, base.dim));
  }

  std::optional<Filter> filter;
  if (o.filter.active()) {
    if (!o.gt.empty()) {
      return invalid_argument("--gt cannot be combined with --filter-fraction: ground truth is "
                              "computed exactly over the allowed ids");
    }
    VECDEX_ASSIGN_OR_RETURN(filter, make_fraction_filter(base.rows, o.filter.fraction,
                                                         o.filter.seed));
  }

  IdMatrix gt;
  if (filter) {
    progress_note(fmt::format("exact filtered ground truth ({} of {} ids allowed) ...",
                              filter->count(), base.rows));
    VECDEX_ASSIGN_OR_RETURN(gt, filtered_exact_neighbours(base, queries, o.k, metric, *filter,
                                                          /*threads=*/0));
  } else if (!o.gt.empty()) {
    VECDEX_ASSIGN_OR_RETURN(gt, load_gt(o, base.rows, queries.rows));
  } else {
    // Before the benchmarked index exists, so the two copies of the base are never both alive.
    progress_note(fmt::format("exact ground truth for {} queries ...", queries.rows));
    VECDEX_ASSIGN_OR_RETURN(gt, exact_neighbours(base, queries, o.k, metric, /*threads=*/0));
  }

  progress_note(fmt::format("building {} over {} x {} ...", o.spec, base.rows, base.dim));
  Stopwatch build;
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> index,
                          build_index(o.spec, base, metric,
                                      o.build_threads_given->count() > 0 ? o.build_threads
                                                                         : o.threads));
  BenchReport report;
  report.build_s = build.seconds();
  IndexStats stats = index->stats();
  report.dataset = o.name.empty() ? dataset_label(o.base) : o.name;
  report.n = base.rows;
  report.dim = base.dim;
  report.metric = std::string(metric_name(metric));
  report.k = o.k;
  report.index = o.spec;
  report.threads = o.threads;
  report.index_bytes = stats.bytes;
  report.simd = stats.simd_target.empty() ? simd_target_name() : stats.simd_target;

  // Reject parameters the family does not take before any output, not midway through a sweep.
  for (size_t i = 0; i < sweep.size(); ++i) {
    Status probe = index->search(MatrixView{queries.row(0), 1, queries.dim}, o.k, param_sets[i],
                                 filter ? &*filter : nullptr)
                       .status();
    if (!probe.ok()) return probe.with_context(fmt::format("--sweep \"{}\"", sweep[i]));
  }
  size_t latency_queries = o.latency_queries == 0 ? std::min<size_t>(queries.rows, 1000)
                                                  : std::min(o.latency_queries, queries.rows);
  fmt::print("{}: n={} dim={} metric={} k={} index={} threads={} build_s={:.3f} "
             "index_bytes={} simd={} queries={} latency_queries={}\n",
             report.dataset, report.n, report.dim, report.metric, report.k, report.index,
             report.threads, report.build_s, report.index_bytes, report.simd, queries.rows,
             latency_queries);
  if (filter) {
    fmt::print("filter: {} of {} ids allowed (--filter-fraction {}, --filter-seed {})\n",
               filter->count(), base.rows, o.filter.fraction, o.filter.seed);
  }
  for (size_t i = 0; i < sweep.size(); ++i) {
    Result<BenchRun> run = run_one(*index, queries, gt, o, sweep[i], param_sets[i],
                                   latency_queries, filter ? &*filter : nullptr);
    if (!run.ok()) return run.status().with_context(fmt::format("params \"{}\"", sweep[i]));
    report.runs.push_back(*run);
  }
  fmt::print("{}", format_table(report));
  std::fflush(stdout);

  if (!o.json.empty()) {
    VECDEX_RETURN_IF_ERROR(write_json(o.json, report).with_context("--json"));
  }
  if (!o.plot.empty()) {
    VECDEX_RETURN_IF_ERROR(plot_report(report, o.json, o.plot).with_context("--plot"));
  }
  return Status();
}

}  // namespace

Command add_bench_command(CLI::App& root) {
  auto o = std::make_shared<BenchOptions>();
  CLI::App* sub = root.add_subcommand("bench", "Benchmark recall, QPS and latency of an index");
  sub->add_option("--base", o->base, "Base vectors (any format vecdex reads)")->required();
  sub->add_option("--queries", o->queries, "Query vectors")->required();
  sub->add_option("--gt", o->gt, "Ground-truth ids (>= k columns); computed exactly if absent");
  sub->add_option("--k", o->k, "Neighbours per query (recall@k)")->capture_default_str();
  sub->add_option("--metric", o->metric, "l2 | ip | cosine")->capture_default_str();
  sub->add_option("--index", o->spec, "Factory string")->capture_default_str();
  sub->add_option("--sweep", o->sweep, "Search-parameter sweep, e.g. \"nprobe=4,8;rerank=20,100\"");
  sub->add_option("--threads", o->threads, "Threads of the batch search (0 = all cores)")
      ->capture_default_str();
  o->build_threads_given = sub->add_option(
      "--build-threads", o->build_threads,
      "Threads of the index build (0 = all cores; default: --threads)");
  add_filter_option(*sub, o->filter);
  sub->add_option("--json", o->json, "Write the report as JSON");
  sub->add_option("--plot", o->plot, "Draw recall vs QPS (PNG) with bench/plot.py");
  sub->add_option("--name", o->name, "Dataset label in the report (default: base file name)");
  sub->add_option("--max-base", o->max_base, "Use only the first N base vectors (0 = all)");
  sub->add_option("--max-queries", o->max_queries, "Use only the first N queries (0 = all)");
  sub->add_option("--latency-queries", o->latency_queries,
                  "Queries timed one at a time (default min(n_queries, 1000))");
  return Command{sub, [o] { return run_bench(*o); }};
}

}  // namespace vecdex::cli
