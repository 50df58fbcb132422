// Per-format readers and writers behind vecdex/dataset.h. Errors carry no path; dataset.cc
// prefixes "read <path>: " / "write <path>: " so every message names its file once.
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>

#include "vecdex/dataset.h"

namespace vecdex::dataset {

// TexMex .fvecs / .bvecs / .ivecs: each row is a little-endian int32 dim, then dim elements.
Result<FloatMatrix> read_fvecs(const std::filesystem::path& path, size_t max_rows);
Result<FloatMatrix> read_bvecs(const std::filesystem::path& path, size_t max_rows);
Result<IdMatrix> read_ivecs(const std::filesystem::path& path, size_t max_rows);
Status write_fvecs(const std::filesystem::path& path, MatrixView vectors);
Status write_bvecs(const std::filesystem::path& path, MatrixView vectors);
Status write_ivecs(const std::filesystem::path& path, const IdMatrix& ids);

// NumPy .npy (format 1.0 / 2.0 / 3.0, C order). Vectors: <f4 or |u1, shape (n, dim).
// Ids: <i4 or <i8 (values must fit in int32), shape (n,) or (n, k).
Result<FloatMatrix> read_npy_vectors(const std::filesystem::path& path, size_t max_rows);
Result<IdMatrix> read_npy_ids(const std::filesystem::path& path, size_t max_rows);
Status write_npy_vectors(const std::filesystem::path& path, MatrixView vectors);
Status write_npy_ids(const std::filesystem::path& path, const IdMatrix& ids);

// ann-benchmarks HDF5: a 2-D dataset at the file's root ("train", "test", "neighbors",
// "distances"). Vectors: any float class (converted to float32); ids: any integer class.
Result<FloatMatrix> read_hdf5_vectors(const std::filesystem::path& path,
                                      const std::string& dataset, size_t max_rows);
Result<IdMatrix> read_hdf5_ids(const std::filesystem::path& path, const std::string& dataset,
                               size_t max_rows);

// IDX (MNIST / Fashion-MNIST), plain or gzip: idx3-ubyte images -> rows of rows*cols floats,
// idx1-ubyte labels -> one-column ids.
Result<FloatMatrix> read_idx_images(const std::filesystem::path& path, size_t max_rows);
Result<IdMatrix> read_idx_labels(const std::filesystem::path& path, size_t max_rows);

}  // namespace vecdex::dataset
