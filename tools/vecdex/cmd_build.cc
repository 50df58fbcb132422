// vecdex build: read vectors, build an index from a factory string over ids 0..n-1 (row
// numbers), save it to one file.
//   vecdex build --data base.fvecs --index "Flat" --metric l2 --out idx.vdx [--threads N]
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "progress.h"
#include "vecdex/index_factory.h"

namespace vecdex::cli {
namespace {

struct BuildOptions {
  std::string data;
  std::string spec;
  std::string metric = "l2";
  std::string out;
  uint32_t threads = 0;
  size_t max_rows = 0;
};

Status run_build(const BuildOptions& o) {
  VECDEX_ASSIGN_OR_RETURN(Metric metric, parse_metric_option(o.metric));
  progress_note(fmt::format("reading {} ...", o.data));
  VECDEX_ASSIGN_OR_RETURN(FloatMatrix data, load_vectors(o.data, o.max_rows, "--data"));
  progress_note(fmt::format("building {} over {} x {} ...", o.spec, data.rows, data.dim));
  Stopwatch watch;
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<Index> index,
                          build_index(o.spec, data, metric, o.threads));
  double build_s = watch.seconds();
  Status saved = index->save(o.out);
  if (!saved.ok()) return saved.with_context(fmt::format("saving {}", o.out));
  IndexStats stats = index->stats();
  fmt::print("built {} ({}, dim {}, {} vectors) in {:.3f} s: {} ({} bytes in memory)\n",
             o.spec, metric_name(metric), data.dim, stats.count, build_s, o.out, stats.bytes);
  return Status();
}

}  // namespace

Command add_build_command(CLI::App& root) {
  auto o = std::make_shared<BuildOptions>();
  CLI::App* sub = root.add_subcommand("build", "Build an index over a vector file and save it");
  sub->add_option("--data", o->data, "Vectors (.fvecs .bvecs .npy .hdf5[:dataset] IDX[.gz])")
      ->required();
  sub->add_option("--index", o->spec, "Factory string, e.g. Flat, HNSW32,efc=200")->required();
  sub->add_option("--metric", o->metric, "l2 | ip | cosine")->capture_default_str();
  sub->add_option("--out", o->out, "Index file to write")->required();
  sub->add_option("--threads", o->threads, "Build threads (0 = all cores)")->capture_default_str();
  sub->add_option("--max-rows", o->max_rows, "Index only the first N vectors (0 = all)");
  return Command{sub, [o] { return run_build(*o); }};
}

}  // namespace vecdex::cli
