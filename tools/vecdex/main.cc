// vecdex: the command-line front end (build, search, gt, bench, info, gen, churn, serve).
// Registers the subcommands, parses with CLI11 and runs the chosen one. CLI11 throws; everything
// is caught here and every error ends as "vecdex <cmd>: <message>" on stderr with a non-zero
// exit code.
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>

#include "commands.h"
#include "vecdex/version.h"

namespace {

using vecdex::cli::Command;

// The subcommand named on the command line (the first argument that names one), or "" when
// none does; used to prefix parse errors, which CLI11 raises before it reports a selection.
std::string command_name(int argc, char** argv, const std::vector<Command>& commands) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    for (const Command& c : commands) {
      if (c.app->get_name() == arg) return c.app->get_name();
    }
  }
  return "";
}

void print_error(const std::string& cmd, const std::string& message) {
  std::string prefix = cmd.empty() ? "vecdex" : "vecdex " + cmd;
  std::fprintf(stderr, "%s: %s\n", prefix.c_str(), message.c_str());
}

int run(int argc, char** argv) {
  CLI::App app{"vecdex: approximate nearest-neighbour indexes, from the command line", "vecdex"};
  app.set_version_flag("--version", fmt::format("vecdex {} (SIMD target {})", vecdex::version(),
                                                vecdex::simd_target_name()));
  app.require_subcommand(1);
  app.fallthrough(false);
  std::vector<Command> commands = {
      vecdex::cli::add_build_command(app), vecdex::cli::add_search_command(app),
      vecdex::cli::add_gt_command(app),    vecdex::cli::add_bench_command(app),
      vecdex::cli::add_info_command(app),  vecdex::cli::add_gen_command(app),
      vecdex::cli::add_churn_command(app), vecdex::cli::add_serve_command(app),
  };

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help / --version: printed to stdout, exit 0
  } catch (const CLI::ParseError& e) {
    print_error(command_name(argc, argv, commands),
                std::string(e.what()) + " (run with --help for usage)");
    return e.get_exit_code() != 0 ? e.get_exit_code() : 2;
  }

  for (const Command& c : commands) {
    if (!c.app->parsed()) continue;
    try {
      vecdex::Status status = c.run();
      if (!status.ok()) {
        print_error(c.app->get_name(), status.message());
        return 1;
      }
      return 0;
    } catch (const std::bad_alloc&) {
      print_error(c.app->get_name(), "out of memory");
      return 1;
    } catch (const std::exception& e) {
      print_error(c.app->get_name(), std::string("internal error: ") + e.what());
      return 1;
    }
  }
  print_error("", "no subcommand given (run with --help for usage)");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {
    print_error("", std::string("internal error: ") + e.what());
    return 1;
  }
}
