// A small stand-in for Debian's dataset-fashion-mnist: IDX image and label files (plain, not
// gzip: the demo loader accepts both) in a directory, for the demo collection and `vecdex serve
// --demo` tests. Image i has pixel p = (i * 37 + p * 11) % 256, label i % 10; the first test
// image equals training image `query_row`, so its nearest neighbour is known.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "core/dataset/dataset_test_util.h"

namespace vecdex::testing {

struct FakeFashionSpec {
  uint32_t images = 120;   // training images (and labels)
  uint32_t side = 4;       // images are side x side pixels (dim = side * side)
  uint32_t labels = 0;     // labels to write; 0 = as many as images
  uint32_t query_row = 3;  // the first test image is this training image
  int bad_label_at = -1;   // >= 0: that label is 12 (not a Fashion-MNIST class)
};

inline uint8_t fake_pixel(uint32_t image, uint32_t p) {
  return static_cast<uint8_t>((image * 37 + p * 11) % 256);
}

inline std::string fake_idx_images(uint32_t first, uint32_t n, uint32_t side) {
  std::string out;
  append_be32(out, 0x00000803);
  append_be32(out, n);
  append_be32(out, side);
  append_be32(out, side);
  for (uint32_t i = first; i < first + n; ++i) {
    for (uint32_t p = 0; p < side * side; ++p) out.push_back(static_cast<char>(fake_pixel(i, p)));
  }
  return out;
}

// Writes train-images-idx3-ubyte, train-labels-idx1-ubyte and t10k-images-idx3-ubyte to dir.
inline void write_fake_fashion(const std::filesystem::path& dir, const FakeFashionSpec& spec = {}) {
  std::filesystem::create_directories(dir);
  write_bytes(dir / "train-images-idx3-ubyte", fake_idx_images(0, spec.images, spec.side));
  write_bytes(dir / "t10k-images-idx3-ubyte", fake_idx_images(spec.query_row, 2, spec.side));
  const uint32_t n_labels = spec.labels != 0 ? spec.labels : spec.images;
  std::string labels;
  append_be32(labels, 0x00000801);
  append_be32(labels, n_labels);
  for (uint32_t i = 0; i < n_labels; ++i) {
    labels.push_back(static_cast<char>(static_cast<int>(i) == spec.bad_label_at ? 12 : i % 10));
  }
  write_bytes(dir / "train-labels-idx1-ubyte", labels);
}

}  // namespace vecdex::testing
