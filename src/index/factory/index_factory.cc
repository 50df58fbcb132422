// make_index / load_index (include/vecdex/index_factory.h): parse, then hand to the registry.
#include "vecdex/index_factory.h"

#include <new>

#include <fmt/format.h>

#include "index/factory/registry.h"
#include "index/factory/spec_parser.h"
#include "index/index_file.h"

namespace vecdex {

inline constexpr size_t kMaxDim = 65536;

Result<std::unique_ptr<Index>> make_index(std::string_view spec, size_t dim, Metric metric) {
  if (dim == 0 || dim > kMaxDim) {
    return invalid_argument(fmt::format("make_index: dim must be in [1, {}], got {}", kMaxDim, dim));
  }
  if (static_cast<uint8_t>(metric) > static_cast<uint8_t>(Metric::kCosine)) {
    return invalid_argument(fmt::format("make_index: unknown metric code {}",
                                        static_cast<int>(metric)));
  }
  VECDEX_ASSIGN_OR_RETURN(factory::ParsedSpec parsed, factory::parse_spec(spec));
  try {
    return factory::Registry::global().build(parsed, dim, metric);
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("make_index \"{}\": out of memory", spec));
  }
}

Result<std::unique_ptr<Index>> load_index(const std::filesystem::path& path,
                                          const LoadOptions& options) {
  try {
    VECDEX_ASSIGN_OR_RETURN(IndexFileReader file, IndexFileReader::open(path, options.mmap));
    if (file.info().dim > kMaxDim) {
      return file.corrupt(fmt::format("dimension {} in header exceeds the maximum {}",
                                      file.info().dim, kMaxDim));
    }
    return factory::Registry::global().load(file, options);
  } catch (const std::bad_alloc&) {
    return resource_exhausted(fmt::format("load {}: out of memory", path.string()));
  }
}

}  // namespace vecdex
