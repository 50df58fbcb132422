// Creating and loading indexes from factory strings and files.
//
// Factory grammar (docs/factory-strings.md): comma-separated stages, then key=value build options.
//   "Flat"                       exact search
//   "HNSW32,efc=200"             (issue #3)   "IVF1024,PQ32x4fs,Refine" (issue #4)
// Errors name the bad token and its position.
#pragma once

#include <cstddef>
#include <filesystem>
#include <memory>
#include <string_view>

#include "vecdex/index.h"
#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex {

// Builds an empty index. InvalidArgument for a malformed spec, dim == 0 or dim > 65536.
Result<std::unique_ptr<Index>> make_index(std::string_view spec, size_t dim, Metric metric);

struct LoadOptions {
  // Map the file read-only instead of copying it into memory (families whose layout allows).
  bool mmap = false;
};

// Loads a file written by Index::save. Corruption for a truncated, damaged or foreign file;
// IOError when it cannot be read.
Result<std::unique_ptr<Index>> load_index(const std::filesystem::path& path,
                                          const LoadOptions& options = {});

}  // namespace vecdex
