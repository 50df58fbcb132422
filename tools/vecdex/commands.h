// The vecdex CLI's subcommands. Each add_*_command registers its options on the root CLI11 app
// and returns the subcommand plus the work to run once parsing succeeded; main.cc runs the one
// the user picked and prints "vecdex <cmd>: <message>" when it returns an error.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

#include "vecdex/status.h"

namespace vecdex::cli {

struct Command {
  CLI::App* app = nullptr;         // the subcommand (its name is the "<cmd>" in errors)
  std::function<Status()> run;     // what to do after a successful parse
};

Command add_build_command(CLI::App& root);   // vecdex build: vectors -> index file
Command add_search_command(CLI::App& root);  // vecdex search: index + queries -> ids.ivecs
Command add_gt_command(CLI::App& root);      // vecdex gt: exact ground truth -> gt.ivecs
Command add_bench_command(CLI::App& root);   // vecdex bench: recall / QPS / latency sweep
Command add_info_command(CLI::App& root);    // vecdex info: what an index file holds
Command add_gen_command(CLI::App& root);     // vecdex gen: synthetic clustered data
Command add_churn_command(CLI::App& root);   // vecdex churn: recall under remove + add rounds
Command add_serve_command(CLI::App& root);   // vecdex serve: the HTTP/JSON API over a database

}  // namespace vecdex::cli
