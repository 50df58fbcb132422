// read_vectors / read_ids / write_vectors / write_ids: choose the format from the file name
// (extension, ".gz" for IDX, "file.hdf5:dataset") and prefix every error with the path.
#include "vecdex/dataset.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <string>

#include "core/dataset/formats.h"

namespace vecdex {
namespace {

enum class Format { kUnknown, kFvecs, kBvecs, kIvecs, kNpy, kHdf5, kIdxImages, kIdxLabels };

struct Target {
  std::filesystem::path file;  // the path to open (":dataset" suffix removed)
  Format format = Format::kUnknown;
  std::string hdf5_dataset;    // from a ":dataset" suffix, else empty
  bool gzip = false;
  std::string ext;             // what the user wrote, for messages
};

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

Target resolve(const std::filesystem::path& path) {
  Target t;
  t.file = path;
  std::string name = path.filename().string();
  // "data.hdf5:test" names a dataset inside an HDF5 file.
  size_t colon = name.rfind(':');
  if (colon != std::string::npos) {
    std::string base = lower(name.substr(0, colon));
    if (ends_with(base, ".hdf5") || ends_with(base, ".h5")) {
      t.hdf5_dataset = name.substr(colon + 1);
      name.resize(colon);
      t.file = path.parent_path() / name;
    }
  }
  std::string l = lower(name);
  if (ends_with(l, ".gz")) {
    t.gzip = true;
    l.resize(l.size() - 3);
  }
  struct Rule {
    const char* suffix;
    Format format;
  };
  static constexpr Rule kRules[] = {
      {".fvecs", Format::kFvecs},     {".bvecs", Format::kBvecs},
      {".ivecs", Format::kIvecs},     {".npy", Format::kNpy},
      {".hdf5", Format::kHdf5},       {".h5", Format::kHdf5},
      {"idx3-ubyte", Format::kIdxImages}, {"idx1-ubyte", Format::kIdxLabels},
  };
  for (const Rule& r : kRules) {
    if (ends_with(l, r.suffix)) {
      t.format = r.format;
      t.ext = r.suffix;
      break;
    }
  }
  if (t.format == Format::kUnknown) {
    size_t dot = l.rfind('.');
    t.ext = dot == std::string::npos ? "" : l.substr(dot);
  }
  return t;
}

constexpr const char* kVectorFormats =
    ".fvecs, .bvecs, .npy, .hdf5 / .h5 (file.hdf5:dataset), *idx3-ubyte[.gz]";
constexpr const char* kIdFormats = ".ivecs, .npy, .hdf5 / .h5 (file.hdf5:dataset), *idx1-ubyte[.gz]";

Status unknown_format(const Target& t, const char* expected) {
  if (t.format != Format::kUnknown) {
    return invalid_argument(fmt::format("{} files cannot be used here; expected {}", t.ext,
                                        expected));
  }
  return invalid_argument(fmt::format("unknown file extension '{}'; expected {}", t.ext, expected));
}

Status check_gzip(const Target& t) {
  if (t.gzip && t.format != Format::kIdxImages && t.format != Format::kIdxLabels) {
    return invalid_argument(fmt::format("gzip-compressed {} files are not supported (only IDX "
                                        "files may be .gz); decompress it first", t.ext));
  }
  return Status();
}

std::string dataset_name(const Target& t, const ReadOptions& options, const char* fallback) {
  if (!t.hdf5_dataset.empty()) return t.hdf5_dataset;
  return options.hdf5_dataset.empty() ? fallback : options.hdf5_dataset;
}

Result<FloatMatrix> read_vectors_impl(const Target& t, const ReadOptions& o) {
  VECDEX_RETURN_IF_ERROR(check_gzip(t));
  switch (t.format) {
    case Format::kFvecs: return dataset::read_fvecs(t.file, o.max_rows);
    case Format::kBvecs: return dataset::read_bvecs(t.file, o.max_rows);
    case Format::kNpy: return dataset::read_npy_vectors(t.file, o.max_rows);
    case Format::kHdf5:
      return dataset::read_hdf5_vectors(t.file, dataset_name(t, o, "train"), o.max_rows);
    case Format::kIdxImages: return dataset::read_idx_images(t.file, o.max_rows);
    case Format::kIvecs:
    case Format::kIdxLabels:
      return invalid_argument(fmt::format("{} files hold ids, not vectors (use read_ids); "
                                          "expected {}", t.ext, kVectorFormats));
    case Format::kUnknown: break;
  }
  return unknown_format(t, kVectorFormats);
}

Result<IdMatrix> read_ids_impl(const Target& t, const ReadOptions& o) {
  VECDEX_RETURN_IF_ERROR(check_gzip(t));
  switch (t.format) {
    case Format::kIvecs: return dataset::read_ivecs(t.file, o.max_rows);
    case Format::kNpy: return dataset::read_npy_ids(t.file, o.max_rows);
    case Format::kHdf5:
      return dataset::read_hdf5_ids(t.file, dataset_name(t, o, "neighbors"), o.max_rows);
    case Format::kIdxLabels: return dataset::read_idx_labels(t.file, o.max_rows);
    case Format::kFvecs:
    case Format::kBvecs:
    case Format::kIdxImages:
      return invalid_argument(fmt::format("{} files hold vectors, not ids (use read_vectors); "
                                          "expected {}", t.ext, kIdFormats));
    case Format::kUnknown: break;
  }
  return unknown_format(t, kIdFormats);
}

std::string context(const char* verb, const std::filesystem::path& path) {
  return fmt::format("{} {}", verb, path.string());
}

}  // namespace

Result<FloatMatrix> read_vectors(const std::filesystem::path& path, const ReadOptions& options) {
  Result<FloatMatrix> r = read_vectors_impl(resolve(path), options);
  if (!r.ok()) return r.status().with_context(context("read", path));
  return r;
}

Result<IdMatrix> read_ids(const std::filesystem::path& path, const ReadOptions& options) {
  Result<IdMatrix> r = read_ids_impl(resolve(path), options);
  if (!r.ok()) return r.status().with_context(context("read", path));
  return r;
}

Status write_vectors(const std::filesystem::path& path, MatrixView vectors) {
  Target t = resolve(path);
  Status s;
  if (vectors.data == nullptr && vectors.rows * vectors.dim != 0) {
    s = invalid_argument("vectors view has no data");
  } else if (t.gzip) {
    s = invalid_argument("writing gzip-compressed files is not supported");
  } else if (t.format == Format::kFvecs) {
    s = dataset::write_fvecs(t.file, vectors);
  } else if (t.format == Format::kBvecs) {
    s = dataset::write_bvecs(t.file, vectors);
  } else if (t.format == Format::kNpy) {
    s = dataset::write_npy_vectors(t.file, vectors);
  } else {
    s = invalid_argument(fmt::format("cannot write vectors as '{}'; writable: .fvecs, .bvecs, .npy",
                                     t.ext));
  }
  return s.with_context(context("write", path));
}

Status write_ids(const std::filesystem::path& path, const IdMatrix& ids) {
  Target t = resolve(path);
  Status s;
  if (t.gzip) {
    s = invalid_argument("writing gzip-compressed files is not supported");
  } else if (t.format == Format::kIvecs) {
    s = dataset::write_ivecs(t.file, ids);
  } else if (t.format == Format::kNpy) {
    s = dataset::write_npy_ids(t.file, ids);
  } else {
    s = invalid_argument(fmt::format("cannot write ids as '{}'; writable: .ivecs, .npy", t.ext));
  }
  return s.with_context(context("write", path));
}

}  // namespace vecdex
