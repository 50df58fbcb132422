// Runs the built `vecdex` binary (path in $VECDEX_CLI, else next to the test binary) in a shell and captures
// its exit code, stdout and stderr, for the CLI end-to-end tests.
#pragma once

#include <sys/wait.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <system_error>
#include <vector>

namespace vecdex::testing {

struct CliOutput {
  int exit_code = -1;    // the process's exit status; >= 128 means a signal (a crash)
  std::string out;       // stdout
  std::string err;       // stderr
};

// $VECDEX_CLI, else `vecdex` next to this test binary (both live in CMAKE_BINARY_DIR).
inline std::string cli_path() {
  const char* env = std::getenv("VECDEX_CLI");
  if (env != nullptr && *env != '\0') return env;
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  return ec ? std::string("vecdex") : (self.parent_path() / "vecdex").string();
}

inline std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) {
    if (c == '\'') {
      q += "'\\''";
    } else {
      q += c;
    }
  }
  return q + "'";
}

inline std::string slurp(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Runs `vecdex args...`, with stdout/stderr redirected into files under `dir`.
inline CliOutput run_cli(const std::filesystem::path& dir, const std::vector<std::string>& args) {
  // Built by appending: GCC 12 warns falsely (-Wrestrict) on "literal" + std::string here.
  std::string cmd = shell_quote(cli_path());
  for (const std::string& a : args) cmd.append(" ").append(shell_quote(a));
  std::filesystem::path out = dir / "cli.stdout";
  std::filesystem::path err = dir / "cli.stderr";
  cmd.append(" >").append(shell_quote(out.string()));
  cmd.append(" 2>").append(shell_quote(err.string()));
  cmd.append(" </dev/null");
  int status = std::system(cmd.c_str());
  CliOutput result;
  if (status != -1 && WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  result.out = slurp(out);
  result.err = slurp(err);
  return result;
}

}  // namespace vecdex::testing
