// vecdex gen: synthetic clustered (Gaussian-mixture) base and query vectors, deterministic for
// a seed (generate_clustered in vecdex/dataset.h).
//   vecdex gen --n 1000000 --dim 128 --queries 10000 --clusters 1000 --seed 42
//              --out-base base.fvecs --out-queries q.fvecs
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "progress.h"
#include "vecdex/dataset.h"

namespace vecdex::cli {
namespace {

struct GenOptions {
  SyntheticSpec spec;
  std::string out_base;
  std::string out_queries;
};

Status run_gen(const GenOptions& o) {
  if (o.spec.n == 0 || o.spec.dim == 0 || o.spec.clusters == 0) {
    return invalid_argument(fmt::format("--n, --dim and --clusters must be positive, got {}, {}, {}",
                                        o.spec.n, o.spec.dim, o.spec.clusters));
  }
  if (o.out_queries.empty() && o.spec.n_queries > 0) {
    return invalid_argument("--out-queries is required when --queries > 0");
  }
  progress_note(fmt::format("generating {} + {} vectors of dim {} ...", o.spec.n,
                            o.spec.n_queries, o.spec.dim));
  VECDEX_ASSIGN_OR_RETURN(SyntheticData data, generate_clustered(o.spec));
  Status s = write_vectors(o.out_base, data.base.view());
  if (!s.ok()) return s.with_context(fmt::format("writing {}", o.out_base));
  if (o.spec.n_queries > 0) {
    s = write_vectors(o.out_queries, data.queries.view());
    if (!s.ok()) return s.with_context(fmt::format("writing {}", o.out_queries));
  }
  fmt::print("generated {} base vectors ({}) and {} queries ({}), dim {}, {} clusters, seed {}\n",
             data.base.rows, o.out_base, data.queries.rows,
             o.out_queries.empty() ? "-" : o.out_queries, o.spec.dim, o.spec.clusters,
             o.spec.seed);
  return Status();
}

}  // namespace

Command add_gen_command(CLI::App& root) {
  auto o = std::make_shared<GenOptions>();
  CLI::App* sub = root.add_subcommand("gen", "Generate synthetic clustered vectors");
  sub->add_option("--n", o->spec.n, "Base vectors")->capture_default_str();
  sub->add_option("--dim", o->spec.dim, "Dimension")->capture_default_str();
  sub->add_option("--queries", o->spec.n_queries, "Query vectors")->capture_default_str();
  sub->add_option("--clusters", o->spec.clusters, "Gaussian clusters")->capture_default_str();
  sub->add_option("--spread", o->spec.spread, "Centre spread relative to cluster noise")
      ->capture_default_str();
  sub->add_option("--seed", o->spec.seed, "Random seed")->capture_default_str();
  sub->add_option("--out-base", o->out_base, "Base vectors file (.fvecs .bvecs .npy)")
      ->required();
  sub->add_option("--out-queries", o->out_queries, "Query vectors file");
  return Command{sub, [o] { return run_gen(*o); }};
}

}  // namespace vecdex::cli
