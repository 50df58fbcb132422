// Parsing and formatting of the NumPy .npy header (magic, version, the Python-dict header
// {'descr': ..., 'fortran_order': ..., 'shape': (...)}). See numpy's format.py documentation.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/dataset/file_io.h"
#include "vecdex/result.h"

namespace vecdex::dataset {

struct NpyHeader {
  int major = 1;               // format version 1, 2 or 3
  std::string descr;           // dtype string, e.g. "<f4"
  bool fortran_order = false;
  std::vector<uint64_t> shape;
  uint64_t data_offset = 0;    // where the array data starts
};

// Reads and validates the header at the start of `file`, leaving the file positioned at the
// data. Corruption for a bad magic, length or dict; InvalidArgument for a valid header this
// reader does not support (unknown version, structured dtype).
Result<NpyHeader> read_npy_header(InputFile& file);

// "(3, 4)" / "(5,)" as numpy prints shapes.
std::string format_shape(const std::vector<uint64_t>& shape);

// A complete format-1.0 header (magic .. padding .. '\n'), data aligned to 64 bytes.
std::string make_npy_header(const std::string& descr, const std::vector<uint64_t>& shape);

}  // namespace vecdex::dataset
