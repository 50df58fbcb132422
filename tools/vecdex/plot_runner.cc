// Runs bench/plot.py on a bench report (see plot_runner.h).
#include "plot_runner.h"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <vector>

#include <fmt/format.h>

extern char** environ;

namespace vecdex::cli {
namespace {

namespace fs = std::filesystem;

std::string find_plot_script() {
  std::vector<fs::path> candidates;
  if (const char* env = std::getenv("VECDEX_PLOT_SCRIPT"); env != nullptr && *env != '\0') {
    candidates.emplace_back(env);
  }
#ifdef VECDEX_SOURCE_DIR
  candidates.push_back(fs::path(VECDEX_SOURCE_DIR) / "bench" / "plot.py");
#endif
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    for (fs::path dir = exe.parent_path(); !dir.empty() && dir != dir.root_path();
         dir = dir.parent_path()) {
      candidates.push_back(dir / "bench" / "plot.py");
    }
  }
  for (const fs::path& p : candidates) {
    if (fs::is_regular_file(p, ec)) return p.string();
  }
  return "";
}

// Runs argv[0] with argv and waits; the child's stdout/stderr are ours.
Status run_process(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  int err = ::posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
  if (err != 0) return internal_error(fmt::format("cannot start {}: {}", args[0], std::strerror(err)));
  int wstatus = 0;
  while (::waitpid(pid, &wstatus, 0) < 0) {
    if (errno != EINTR) return internal_error(fmt::format("waiting for {} failed", args[0]));
  }
  if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != 0) {
    return internal_error(fmt::format("{} {} failed (exit status {})", args[0], args[1],
                                      WIFEXITED(wstatus) ? WEXITSTATUS(wstatus) : -1));
  }
  return Status();
}

}  // namespace

Status plot_report(const BenchReport& report, const std::string& json_path,
                   const std::string& png) {
  std::string script = find_plot_script();
  if (script.empty()) {
    return failed_precondition(
        "cannot find bench/plot.py; set VECDEX_PLOT_SCRIPT to its path");
  }
  std::string json = json_path;
  std::string temp;
  if (json.empty()) {
    std::string tmpl = (fs::temp_directory_path() / "vecdex-bench-XXXXXX.json").string();
    int fd = ::mkstemps(tmpl.data(), 5);
    if (fd < 0) return io_error(fmt::format("cannot create a temporary file: {}", std::strerror(errno)));
    ::close(fd);
    temp = json = tmpl;
    Status written = write_json(json, report);
    if (!written.ok()) {
      std::error_code ec;
      fs::remove(temp, ec);
      return written;
    }
  }
  Status ran = run_process({"/usr/bin/python3", script, "--out", png, json});
  if (!temp.empty()) {
    std::error_code ec;
    fs::remove(temp, ec);
  }
  return ran;
}

}  // namespace vecdex::cli
