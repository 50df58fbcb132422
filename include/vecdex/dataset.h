// Dataset I/O: reading and writing the vector and ground-truth files users bring.
// Formats: .fvecs / .ivecs / .bvecs (TexMex), .npy (NumPy, C order), ann-benchmarks .hdf5
// (datasets train / test / neighbors / distances), Fashion-MNIST IDX (optionally .gz).
// Readers validate every header and size against the file's real length; they never trust a
// length field, and a truncated or foreign file is Corruption naming the file and what was wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

#include "vecdex/result.h"
#include "vecdex/types.h"

namespace vecdex {

// Owning row-major float32 matrix.
struct FloatMatrix {
  std::vector<float> data;
  size_t rows = 0;
  size_t dim = 0;
  MatrixView view() const { return MatrixView{data.data(), rows, dim}; }
  const float* row(size_t i) const { return data.data() + i * dim; }
};

// Owning row-major int32 matrix (ground-truth neighbour ids, labels).
struct IdMatrix {
  std::vector<int32_t> data;
  size_t rows = 0;
  size_t cols = 0;
  const int32_t* row(size_t i) const { return data.data() + i * cols; }
};

// Which part of a multi-dataset file to read, and how much.
struct ReadOptions {
  // Dataset inside an .hdf5 file ("train", "test", "neighbors", "distances"); empty means
  // "train" for read_vectors and "neighbors" for read_ids. A path may also name it after a
  // colon: "fashion-mnist-784-euclidean.hdf5:test" (the suffix wins).
  std::string hdf5_dataset;
  // Read at most this many rows (0 = all).
  size_t max_rows = 0;
};

// Reads vectors as float32 from .fvecs, .bvecs (uint8 widened), .npy (float32 or uint8), .hdf5,
// or an IDX image file (.idx3-ubyte, optionally .gz; pixels widened to float). The format is
// chosen by extension; an unknown extension is InvalidArgument listing the known ones.
Result<FloatMatrix> read_vectors(const std::filesystem::path& path, const ReadOptions& options = {});

// Reads an id matrix from .ivecs, .npy (int32 or int64 that fit in int32), .hdf5 (default
// dataset "neighbors"), or an IDX label file (idx1-ubyte, one column).
Result<IdMatrix> read_ids(const std::filesystem::path& path, const ReadOptions& options = {});

// Writers; the format is chosen by extension (.fvecs/.bvecs/.npy for vectors, .ivecs/.npy for
// ids). .bvecs requires every value to be an integer in [0, 255] (InvalidArgument otherwise).
// Files are written to a temporary name and renamed, so a failed write leaves no partial file.
Status write_vectors(const std::filesystem::path& path, MatrixView vectors);
Status write_ids(const std::filesystem::path& path, const IdMatrix& ids);

// Gaussian-mixture synthetic data for benchmarks at any scale: `clusters` centres drawn from
// N(0, spread^2 I), points drawn around a uniformly chosen centre with N(0, 1) noise. Base and
// queries come from the same distribution; fixed seed => identical output on every machine.
struct SyntheticSpec {
  size_t n = 100000;        // base vectors
  size_t n_queries = 1000;  // query vectors
  size_t dim = 128;
  size_t clusters = 100;
  float spread = 4.0f;      // centre spread relative to the within-cluster noise
  uint64_t seed = 42;
};
struct SyntheticData {
  FloatMatrix base;
  FloatMatrix queries;
};
Result<SyntheticData> generate_clustered(const SyntheticSpec& spec);

}  // namespace vecdex
