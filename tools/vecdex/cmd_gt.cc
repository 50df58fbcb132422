// vecdex gt: exact k nearest neighbours (row numbers of the base file) of every query, by
// multi-threaded brute force (a Flat index), written as an n x k int32 .ivecs (or .npy).
//   vecdex gt --base base.fvecs --queries q.fvecs --k 100 --metric l2 --out gt.ivecs [--threads N]
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "progress.h"

namespace vecdex::cli {
namespace {

struct GtOptions {
  std::string base;
  std::string queries;
  size_t k = 100;
  std::string metric = "l2";
  std::string out;
  uint32_t threads = 0;
  size_t max_base = 0;
  size_t max_queries = 0;
};

Status run_gt(const GtOptions& o) {
  VECDEX_RETURN_IF_ERROR(check_k(o.k));
  VECDEX_ASSIGN_OR_RETURN(Metric metric, parse_metric_option(o.metric));
  progress_note(fmt::format("reading {} and {} ...", o.base, o.queries));
  VECDEX_ASSIGN_OR_RETURN(FloatMatrix base, load_vectors(o.base, o.max_base, "--base"));
  VECDEX_ASSIGN_OR_RETURN(FloatMatrix queries, load_vectors(o.queries, o.max_queries, "--queries"));
  if (queries.dim != base.dim) {
    return invalid_argument(fmt::format("queries in {} have dim {}, base vectors in {} have dim {}",
                                        o.queries, queries.dim, o.base, base.dim));
  }
  progress_note(fmt::format("exact search: {} queries x {} base vectors ...", queries.rows,
                            base.rows));
  Stopwatch watch;
  VECDEX_ASSIGN_OR_RETURN(IdMatrix gt, exact_neighbours(base, queries, o.k, metric, o.threads));
  double seconds = watch.seconds();
  Status written = write_ids(o.out, gt);
  if (!written.ok()) return written.with_context(fmt::format("writing {}", o.out));
  fmt::print("ground truth: {} queries x k={} over {} base vectors ({}) in {:.3f} s: {}\n",
             queries.rows, o.k, base.rows, metric_name(metric), seconds, o.out);
  return Status();
}

}  // namespace

Command add_gt_command(CLI::App& root) {
  auto o = std::make_shared<GtOptions>();
  CLI::App* sub = root.add_subcommand("gt", "Compute exact ground truth (brute force)");
  sub->add_option("--base", o->base, "Base vectors (any format vecdex reads)")->required();
  sub->add_option("--queries", o->queries, "Query vectors")->required();
  sub->add_option("--k", o->k, "Neighbours per query")->capture_default_str();
  sub->add_option("--metric", o->metric, "l2 | ip | cosine")->capture_default_str();
  sub->add_option("--out", o->out, "Ground-truth ids (.ivecs or .npy)")->required();
  sub->add_option("--threads", o->threads, "Threads (0 = all cores)")->capture_default_str();
  sub->add_option("--max-base", o->max_base, "Use only the first N base vectors (0 = all)");
  sub->add_option("--max-queries", o->max_queries, "Use only the first N queries (0 = all)");
  return Command{sub, [o] { return run_gt(*o); }};
}

}  // namespace vecdex::cli
