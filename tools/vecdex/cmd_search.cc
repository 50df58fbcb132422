// vecdex search: load an index, search a query file as one batch, write the ids (row numbers of
// the build input) as an n x k int32 .ivecs (or .npy); rows short of k hits end with -1.
//   vecdex search --index idx.vdx --queries q.fvecs --k 10 --params "ef=64" --out ids.ivecs
//                 [--threads N] [--mmap]
#include <memory>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "common.h"
#include "progress.h"
#include "vecdex/index_factory.h"
#include "vecdex/search_params.h"

namespace vecdex::cli {
namespace {

struct SearchOptions {
  std::string index;
  std::string queries;
  size_t k = 10;
  std::string params;
  std::string out;
  uint32_t threads = 0;
  bool mmap = false;
  size_t max_queries = 0;
};

Status run_search(const SearchOptions& o) {
  VECDEX_RETURN_IF_ERROR(check_k(o.k));
  Result<SearchParams> parsed = parse_search_params(o.params);
  if (!parsed.ok()) return parsed.status().with_context("--params");
  SearchParams params = *parsed;
  params.threads = o.threads;

  LoadOptions load;
  load.mmap = o.mmap;
  Result<std::unique_ptr<Index>> loaded = load_index(o.index, load);
  if (!loaded.ok()) return loaded.status();  // the message names the file
  const Index& index = **loaded;

  VECDEX_ASSIGN_OR_RETURN(FloatMatrix queries, load_vectors(o.queries, o.max_queries, "--queries"));
  if (queries.dim != index.dim()) {
    return invalid_argument(fmt::format("queries in {} have dim {}, index {} has dim {}",
                                        o.queries, queries.dim, o.index, index.dim()));
  }
  progress_note(fmt::format("searching {} queries ...", queries.rows));
  Stopwatch watch;
  VECDEX_ASSIGN_OR_RETURN(SearchResults results, index.search(queries.view(), o.k, params));
  double seconds = watch.seconds();
  VECDEX_ASSIGN_OR_RETURN(IdMatrix ids, to_id_matrix(results));
  Status written = write_ids(o.out, ids);
  if (!written.ok()) return written.with_context(fmt::format("writing {}", o.out));
  fmt::print("searched {} queries (k={}, params \"{}\") in {:.3f} s ({:.1f} qps): {}\n",
             queries.rows, o.k, o.params, seconds,
             seconds > 0 ? static_cast<double>(queries.rows) / seconds : 0.0, o.out);
  return Status();
}

}  // namespace

Command add_search_command(CLI::App& root) {
  auto o = std::make_shared<SearchOptions>();
  CLI::App* sub = root.add_subcommand("search", "Search an index with a query file");
  sub->add_option("--index", o->index, "Index file written by vecdex build")->required();
  sub->add_option("--queries", o->queries, "Query vectors (any format vecdex reads)")->required();
  sub->add_option("--k", o->k, "Neighbours per query")->capture_default_str();
  sub->add_option("--params", o->params, "Search parameters, e.g. ef=64 or nprobe=16,rerank=100");
  sub->add_option("--out", o->out, "Result ids (.ivecs or .npy)")->required();
  sub->add_option("--threads", o->threads, "Search threads (0 = all cores)")
      ->capture_default_str();
  sub->add_flag("--mmap", o->mmap, "Map the index file instead of reading it");
  sub->add_option("--max-queries", o->max_queries, "Use only the first N queries (0 = all)");
  return Command{sub, [o] { return run_search(*o); }};
}

}  // namespace vecdex::cli
