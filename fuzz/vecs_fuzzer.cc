// libFuzzer target for the .fvecs / .bvecs / .ivecs and IDX readers: the first input byte picks
// the format, the rest is the file. Build: clang++ -std=c++20 -fsanitize=fuzzer,address ...
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include "vecdex/dataset.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static const char* kNames[] = {"x.fvecs", "x.bvecs", "x.ivecs", "x-idx3-ubyte", "x-idx1-ubyte"};
  const char* name = kNames[data[0] % 5];
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("vecdex-vecs-fuzz-" + std::to_string(::getpid()) + name);
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data + 1), static_cast<std::streamsize>(size - 1));
  }
  vecdex::ReadOptions options;
  options.max_rows = (data[0] / 5) % 4;
  if (data[0] % 5 == 2 || data[0] % 5 == 4) {
    auto ids = vecdex::read_ids(path, options);
    if (ids.ok() && ids->data.size() != ids->rows * ids->cols) __builtin_trap();
  } else {
    auto vectors = vecdex::read_vectors(path, options);
    if (vectors.ok() && vectors->data.size() != vectors->rows * vectors->dim) __builtin_trap();
  }
  std::filesystem::remove(path);
  return 0;
}
