// vecdex info: what an index file holds (family, spec, dim, metric, count, bytes, SIMD target,
// file size, family-specific figures), one "key: value" line each.
//   vecdex info idx.vdx [--mmap]
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include <fmt/format.h>

#include "commands.h"
#include "vecdex/index_factory.h"

namespace vecdex::cli {
namespace {

struct InfoOptions {
  std::string path;
  bool mmap = false;
};

Status run_info(const InfoOptions& o) {
  std::error_code ec;
  uintmax_t file_size = std::filesystem::file_size(o.path, ec);
  if (ec) return io_error(fmt::format("cannot read {}: {}", o.path, ec.message()));
  LoadOptions load;
  load.mmap = o.mmap;
  Result<std::unique_ptr<Index>> index = load_index(o.path, load);
  if (!index.ok()) return index.status();  // the message names the file
  IndexStats s = (*index)->stats();
  fmt::print("file: {}\n", o.path);
  fmt::print("family: {}\n", s.family);
  fmt::print("spec: {}\n", s.spec);
  fmt::print("dim: {}\n", s.dim);
  fmt::print("metric: {}\n", metric_name(s.metric));
  fmt::print("count: {}\n", s.count);
  fmt::print("bytes: {}\n", s.bytes);
  fmt::print("simd: {}\n", s.simd_target);
  fmt::print("file_size: {}\n", file_size);
  for (const auto& [key, value] : s.extra) fmt::print("{}: {}\n", key, value);
  return Status();
}

}  // namespace

Command add_info_command(CLI::App& root) {
  auto o = std::make_shared<InfoOptions>();
  CLI::App* sub = root.add_subcommand("info", "Describe an index file");
  sub->add_option("index", o->path, "Index file written by vecdex build")->required();
  sub->add_flag("--mmap", o->mmap, "Map the file instead of reading it");
  return Command{sub, [o] { return run_info(*o); }};
}

}  // namespace vecdex::cli
