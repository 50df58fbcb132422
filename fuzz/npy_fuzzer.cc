// libFuzzer target for the .npy reader: writes the input to a temp file and reads it both as
// vectors and as ids. Build: clang++ -std=c++20 -fsanitize=fuzzer,address ... (not in CMake).
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "vecdex/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path path =
      std::filesystem::temp_directory_path() / ("vecdex-npy-fuzz-" + std::to_string(::getpid()) +
                                                ".npy");
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  vecdex::ReadOptions options;
  options.max_rows = size % 3;  // exercise both full reads and prefixes
  auto vectors = vecdex::read_vectors(path, options);
  if (vectors.ok() && vectors->data.size() != vectors->rows * vectors->dim) __builtin_trap();
  auto ids = vecdex::read_ids(path, options);
  if (ids.ok() && ids->data.size() != ids->rows * ids->cols) __builtin_trap();
  std::filesystem::remove(path);
  return 0;
}
