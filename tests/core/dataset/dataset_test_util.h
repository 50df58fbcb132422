// Byte-level helpers for the dataset tests: write hand-made files, read files back, and build
// little-/big-endian headers.
#pragma once

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace vecdex::testing {

inline void write_bytes(const std::filesystem::path& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

template <typename T>
void append_raw(std::string& out, const T& value) {
  char buf[sizeof(T)];
  std::memcpy(buf, &value, sizeof(T));
  out.append(buf, sizeof(T));
}

inline void append_be32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

// The first 8 bytes of every PNG file: a typical "foreign file".
inline std::string png_signature() { return std::string("\x89PNG\r\n\x1a\n", 8); }

inline std::vector<float> read_floats_of(const std::string& bytes, size_t offset, size_t n) {
  std::vector<float> v(n);
  std::memcpy(v.data(), bytes.data() + offset, n * sizeof(float));
  return v;
}

}  // namespace vecdex::testing
