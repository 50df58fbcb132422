// vecdex churn: does recall survive updates? (issue 3, "Churn").
// Builds the index over the first n0 base rows, then runs --rounds rounds, each removing a
// seeded random --fraction of n0 live points and adding as many new ones (the next unused base
// rows), and measures recall@k at fixed --params after every round. Finally builds the same spec
// afresh over the final live set and measures it the same way: the churned index should stay
// within a point of recall of the fresh one.
//   vecdex churn --base base.fvecs --queries q.fvecs --index "HNSW16,efc=200" --params "ef=64"
//                --k 10 --rounds 5 --fraction 0.2 [--initial N0] [--json churn.json]
// Ids are base row numbers. n0 defaults to the largest size the base can feed:
// n0 + rounds * round(fraction * n0) <= n. Ground truth is exact (brute force over the live
// rows) after every round.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <memory>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "vecdex/filter.h"
#include "vecdex/index_factory.h"
#include "vecdex/search_params.h"

#include "bench_report.h"
#include "commands.h"
#include "common.h"
#include "progress.h"
#include "recall.h"

namespace vecdex::cli {
namespace {

struct ChurnOptions {
  std::string base;
  std::string queries;
  std::string spec;
  std::string params;
  std::string metric = "l2";
  size_t k = 10;
  size_t rounds = 5;
  double fraction = 0.2;
  size_t initial = 0;  // 0: as many as the base can feed
  uint64_t seed = 42;
  uint32_t threads = 0;
  size_t max_queries = 0;
  std::string json;
  std::string name;
};

struct Measure {
  double recall = 0;
  double qps = 0;
};

struct RoundRecord {
  size_t round = 0;
  size_t live = 0;
  size_t removed = 0;
  size_t added = 0;
  double remove_s = 0;
  double add_s = 0;
  Measure m;
};

// Rows `ids` of `base`, gathered into one contiguous block.
std::vector<float> gather(const FloatMatrix& base, const std::vector<Id>& ids) {
  std::vector<float> out(ids.size() * base.dim);
  for (size_t i = 0; i < ids.size(); ++i) {
    std::copy_n(base.row(ids[i]), base.dim, out.data() + i * base.dim);
  }
  return out;
}

// Adds base rows `ids` (ids = row numbers) to `index`.
Status add_rows(Index& index, const FloatMatrix& base, const std::vector<Id>& ids,
                uint32_t threads) {
  std::vector<float> rows = gather(base, ids);
  BuildOptions options;
  options.threads = threads;
  return index.add(ids, MatrixView{rows.data(), ids.size(), base.dim}, options);
}

// recall@k of `index` at `params` against exact search (`exact`, a Flat index over every base
// row) restricted to the live ids; qps of the whole query set as one batch.
Result<Measure> measure(const Index& index, const Index& exact, const std::vector<Id>& live,
                        const FloatMatrix& queries, size_t k, SearchParams params,
                        uint32_t threads) {
  Filter allowed = Filter::from_ids(live);
  SearchParams exact_params;
  exact_params.threads = 0;
  VECDEX_ASSIGN_OR_RETURN(SearchResults truth,
                          exact.search(queries.view(), k, exact_params, &allowed));
  VECDEX_ASSIGN_OR_RETURN(IdMatrix gt, to_id_matrix(truth));
  if (!params.threads)
    params.threads = threads;
  Measure m;
  Stopwatch watch;
  VECDEX_ASSIGN_OR_RETURN(SearchResults found, index.search(queries.view(), k, params));
  double s = watch.seconds();
  m.qps = s > 0 ? static_cast<double>(queries.rows) / s : 0;
  VECDEX_ASSIGN_OR_RETURN(m.recall, recall_at_k(found, gt, k));
  return m;
}

std::string to_json(const ChurnOptions& o, const std::string& dataset, size_t n0, size_t dim,
                    Metric metric, double build_s, const std::vector<RoundRecord>& rounds,
                    double fresh_build_s, const Measure& fresh) {
  std::string out = "{";
  out += fmt::format("\"dataset\": {}, \"n_initial\": {}, \"dim\": {}, \"metric\": {}, ",
                     json_quote(dataset), n0, dim, json_quote(std::string(metric_name(metric))));
  out += fmt::format("\"k\": {}, \"index\": {}, \"params\": {}, \"fraction\": {}, \"seed\": {}, ",
                     o.k, json_quote(o.spec), json_quote(o.params), o.fraction, o.seed);
  out += fmt::format("\"build_s\": {},\n \"rounds\": [", build_s);
  for (size_t i = 0; i < rounds.size(); ++i) {
    const RoundRecord& r = rounds[i];
    out += i == 0 ? "\n  " : ",\n  ";
    out += fmt::format(
        "{{\"round\": {}, \"live\": {}, \"removed\": {}, \"added\": {}, \"remove_s\": {}, "
        "\"add_s\": {}, \"recall\": {}, \"qps\": {}}}",
        r.round, r.live, r.removed, r.added, r.remove_s, r.add_s, r.m.recall, r.m.qps);
  }
  out += "\n ],\n";
  out += fmt::format(" \"fresh\": {{\"build_s\": {}, \"recall\": {}, \"qps\": {}}},\n",
                     fresh_build_s, fresh.recall, fresh.qps);
  out += fmt::format(" \"recall_drop_points\": {}}}\n",
                     (fresh.recall - rounds.back().m.recall) * 100.0);
  return out;
}

Status run_churn(const ChurnOptions& o) {
  VECDEX_RETURN_IF_ERROR(check_k(o.k));
  VECDEX_ASSIGN_OR_RETURN(Metric metric, parse_metric_option(o.metric));
  if (!(o.fraction > 0.0 && o.fraction <= 1.0)) {
    return invalid_argument(fmt::format("--fraction must be in (0, 1], got {}", o.fraction));
  }
  Result<SearchParams> parsed = parse_search_params(o.params);
  if (!parsed.ok())
    return parsed.status().with_context("--params");
  const SearchParams params = *parsed;

  progress_note(fmt::format("reading {} and {} ...", o.base, o.queries));
  VECDEX_ASSIGN_OR_RETURN(FloatMatrix base, load_vectors(o.base, 0, "--base"));
  VECDEX_ASSIGN_OR_RETURN(FloatMatrix queries, load_vectors(o.queries, o.max_queries, "--queries"));
  if (queries.dim != base.dim) {
    return invalid_argument(fmt::format("queries in {} have dim {}, base vectors in {} have dim {}",
                                        o.queries, queries.dim, o.base, base.dim));
  }

  // Initial size and per-round turnover.
  auto turnover = [&](size_t n0) {
    return static_cast<size_t>(std::llround(o.fraction * static_cast<double>(n0)));
  };
  size_t n0 = o.initial;
  if (n0 == 0) {
    n0 = static_cast<size_t>(static_cast<double>(base.rows) /
                             (1.0 + static_cast<double>(o.rounds) * o.fraction));
    while (n0 > 0 && n0 + o.rounds * turnover(n0) > base.rows)
      --n0;
  }
  const size_t per_round = turnover(n0);
  if (n0 == 0 || per_round == 0 || n0 + o.rounds * per_round > base.rows) {
    return invalid_argument(fmt::format(
        "{} base vectors cannot feed {} initial points plus {} rounds of {} new ones (--fraction "
        "{}); lower --initial, --rounds or --fraction",
        base.rows, n0, o.rounds, per_round, o.fraction));
  }

  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> index, make_index(o.spec, base.dim, metric));
  if (!index->supports_remove()) {
    return unimplemented(fmt::format("{} cannot remove points; churn needs remove()", o.spec));
  }
  // Brute force over every base row; each round filters it to the live ids.
  progress_note("exact index for ground truth ...");
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> exact, build_index("Flat", base, metric, 0));

  std::vector<Id> live(n0);
  std::iota(live.begin(), live.end(), Id{0});
  progress_note(fmt::format("building {} over {} x {} ...", o.spec, n0, base.dim));
  Stopwatch build_watch;
  {
    std::vector<float> first(base.data.begin(),
                             base.data.begin() + static_cast<std::ptrdiff_t>(n0 * base.dim));
    BuildOptions options;
    options.threads = o.threads;
    VECDEX_RETURN_IF_ERROR(index->train(MatrixView{first.data(), n0, base.dim}, options));
    VECDEX_RETURN_IF_ERROR(index->add(live, MatrixView{first.data(), n0, base.dim}, options));
  }
  const double build_s = build_watch.seconds();

  const std::string dataset = o.name.empty() ? dataset_label(o.base) : o.name;
  fmt::print(
      "{}: churn of {} (params \"{}\"), k={}, {} initial points of {}, {} rounds of "
      "-{} / +{} (fraction {}), seed {}, build_s={:.3f}\n",
      dataset, o.spec, o.params, o.k, n0, base.rows, o.rounds, per_round, per_round, o.fraction,
      o.seed, build_s);
  fmt::print("{:<8} {:>9} {:>9} {:>9} {:>10} {:>10} {:>8} {:>12}\n", "round", "live", "removed",
             "added", "remove_s", "add_s", "recall", "qps");
  std::vector<RoundRecord> rounds;
  auto report = [&](const RoundRecord& r) {
    fmt::print("{:<8} {:>9} {:>9} {:>9} {:>10.3f} {:>10.3f} {:>8.4f} {:>12.1f}\n", r.round, r.live,
               r.removed, r.added, r.remove_s, r.add_s, r.m.recall, r.m.qps);
    std::fflush(stdout);
  };

  RoundRecord initial;
  initial.live = live.size();
  VECDEX_ASSIGN_OR_RETURN(initial.m,
                          measure(*index, *exact, live, queries, o.k, params, o.threads));
  rounds.push_back(initial);
  report(initial);

  std::mt19937_64 rng(o.seed);
  Id next_row = n0;
  for (size_t round = 1; round <= o.rounds; ++round) {
    RoundRecord r;
    r.round = round;
    // A uniform random per_round of the live ids: a partial Fisher-Yates shuffle to the back.
    for (size_t i = 0; i < per_round; ++i) {
      size_t last = live.size() - 1 - i;
      size_t pick = std::uniform_int_distribution<size_t>(0, last)(rng);
      std::swap(live[pick], live[last]);
    }
    std::vector<Id> victims(live.end() - static_cast<std::ptrdiff_t>(per_round), live.end());
    live.resize(live.size() - per_round);
    Stopwatch remove_watch;
    VECDEX_ASSIGN_OR_RETURN(size_t removed, index->remove(victims));
    r.remove_s = remove_watch.seconds();
    if (removed != victims.size()) {
      return internal_error(
          fmt::format("round {}: removed {} of {} live ids", round, removed, victims.size()));
    }
    std::vector<Id> fresh_ids(per_round);
    std::iota(fresh_ids.begin(), fresh_ids.end(), next_row);
    next_row += per_round;
    Stopwatch add_watch;
    Status added = add_rows(*index, base, fresh_ids, o.threads);
    if (!added.ok())
      return added.with_context(fmt::format("round {}: add", round));
    r.add_s = add_watch.seconds();
    live.insert(live.end(), fresh_ids.begin(), fresh_ids.end());
    r.removed = victims.size();
    r.added = fresh_ids.size();
    r.live = live.size();
    if (index->size() != live.size()) {
      return internal_error(fmt::format("round {}: index holds {} points, expected {}", round,
                                        index->size(), live.size()));
    }
    VECDEX_ASSIGN_OR_RETURN(r.m, measure(*index, *exact, live, queries, o.k, params, o.threads));
    rounds.push_back(r);
    report(r);
  }
  index.reset();  // the churned index is measured; free it before the fresh build

  // The same spec built from scratch over the final live set (ids ascending, as a bulk load).
  std::sort(live.begin(), live.end());
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> fresh, make_index(o.spec, base.dim, metric));
  Stopwatch fresh_watch;
  {
    std::vector<float> rows = gather(base, live);
    BuildOptions options;
    options.threads = o.threads;
    MatrixView view{rows.data(), live.size(), base.dim};
    VECDEX_RETURN_IF_ERROR(fresh->train(view, options));
    VECDEX_RETURN_IF_ERROR(fresh->add(live, view, options));
  }
  const double fresh_build_s = fresh_watch.seconds();
  VECDEX_ASSIGN_OR_RETURN(Measure fresh_m,
                          measure(*fresh, *exact, live, queries, o.k, params, o.threads));
  fmt::print("{:<8} {:>9} {:>9} {:>9} {:>10} {:>10.3f} {:>8.4f} {:>12.1f}\n", "fresh", live.size(),
             "-", "-", "-", fresh_build_s, fresh_m.recall, fresh_m.qps);
  const double gap = (rounds.back().m.recall - fresh_m.recall) * 100.0;
  fmt::print("recall@{} after {} rounds: {:.4f} churned vs {:.4f} fresh ({:+.2f} points)\n", o.k,
             o.rounds, rounds.back().m.recall, fresh_m.recall, gap == 0 ? 0.0 : gap);

  if (!o.json.empty()) {
    std::ofstream f(o.json, std::ios::binary | std::ios::trunc);
    f << to_json(o, dataset, n0, base.dim, metric, build_s, rounds, fresh_build_s, fresh_m);
    f.close();
    if (!f)
      return io_error(fmt::format("--json: writing {} failed", o.json));
  }
  return Status();
}

}  // namespace

Command add_churn_command(CLI::App& root) {
  auto o = std::make_shared<ChurnOptions>();
  CLI::App* sub = root.add_subcommand(
      "churn", "Recall under updates: rounds of remove + add, then a fresh build to compare");
  sub->add_option("--base", o->base, "Vectors: the initial set, then the points added")->required();
  sub->add_option("--queries", o->queries, "Query vectors")->required();
  sub->add_option("--index", o->spec, "Factory string of a family that can remove")->required();
  sub->add_option("--params", o->params, "Search parameters, fixed for every round (e.g. ef=64)");
  sub->add_option("--metric", o->metric, "l2 | ip | cosine")->capture_default_str();
  sub->add_option("--k", o->k, "Neighbours per query (recall@k)")->capture_default_str();
  sub->add_option("--rounds", o->rounds, "Rounds of remove + add")->capture_default_str();
  sub->add_option("--fraction", o->fraction,
                  "Points removed (and added) per round, as a fraction of the initial set")
      ->capture_default_str();
  sub->add_option("--initial", o->initial,
                  "Initial points (0 = as many as the base can feed for all rounds)")
      ->capture_default_str();
  sub->add_option("--seed", o->seed, "Seed choosing the removed points")->capture_default_str();
  sub->add_option("--threads", o->threads, "Threads for build, add and batch search (0 = all)")
      ->capture_default_str();
  sub->add_option("--max-queries", o->max_queries, "Use only the first N queries (0 = all)");
  sub->add_option("--json", o->json, "Write the per-round figures as JSON");
  sub->add_option("--name", o->name, "Dataset label (default: base file name)");
  return Command{sub, [o] { return run_churn(*o); }};
}

}  // namespace vecdex::cli
