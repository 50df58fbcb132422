// Binary bulk-upsert bodies; see binary_points.h.
#include "server/binary_points.h"

#include <bit>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

namespace vecdex::server {
namespace {

void to_native_order(std::vector<float>& values) {
  if constexpr (std::endian::native == std::endian::big) {
    for (float& v : values) {
      uint32_t bits;
      std::memcpy(&bits, &v, sizeof bits);
      bits = __builtin_bswap32(bits);
      std::memcpy(&v, &bits, sizeof bits);
    }
  }
}

}  // namespace

Result<BinaryUpsertParams> parse_binary_upsert_params(std::optional<std::string_view> first_id,
                                                      std::optional<std::string_view> version) {
  BinaryUpsertParams params;
  if (!first_id) {
    return invalid_argument("a binary upsert needs the query parameter first_id=N "
                            "(ids N, N+1, ... are given to the rows in order)");
  }
  const char* end = first_id->data() + first_id->size();
  auto [ptr, ec] = std::from_chars(first_id->data(), end, params.first_id);
  if (first_id->empty() || ec != std::errc() || ptr != end) {
    return invalid_argument("first_id=\"" + std::string(*first_id) +
                            "\" is not an unsigned 64-bit integer");
  }
  if (version) params.model_version = std::string(*version);
  return params;
}

BinaryPointsBuilder::BinaryPointsBuilder(size_t dim, size_t max_rows, BinaryUpsertParams params,
                                         size_t expected_bytes)
    : dim_(dim), max_rows_(max_rows), row_bytes_(dim * sizeof(float)), params_(std::move(params)) {
  const size_t expected_rows = row_bytes_ == 0 ? 0 : expected_bytes / row_bytes_;
  if (expected_rows <= max_rows_) points_.reserve(expected_rows);
}

bool BinaryPointsBuilder::append(const char* data, size_t size) {
  while (size > 0 && !too_many_rows_) {
    const size_t offset_in_row = bytes_ % row_bytes_;
    if (offset_in_row == 0) {
      if (points_.size() == max_rows_) {
        too_many_rows_ = true;
        break;
      }
      // Ids past u64 wrap here; finish() refuses them before anyone sees the points.
      points_.push_back(Point{PointId(params_.first_id + points_.size()),
                              std::vector<float>(dim_), Payload{}, params_.model_version});
    }
    const size_t n = std::min(size, row_bytes_ - offset_in_row);
    std::memcpy(reinterpret_cast<char*>(points_.back().vector.data()) + offset_in_row, data, n);
    bytes_ += n;
    data += n;
    size -= n;
  }
  return true;
}

Result<std::vector<Point>> BinaryPointsBuilder::finish() && {
  if (too_many_rows_) {
    return resource_exhausted("the binary body holds more than " + std::to_string(max_rows_) +
                              " rows (max_binary_points); split the load into several requests");
  }
  if (bytes_ % row_bytes_ != 0) {
    return invalid_argument("the binary body has " + std::to_string(bytes_) +
                            " bytes, not a multiple of the row size " +
                            std::to_string(row_bytes_) + " (dim " + std::to_string(dim_) +
                            " x 4-byte little-endian float32)");
  }
  if (points_.empty()) return invalid_argument("the binary body is empty: no rows to upsert");
  const uint64_t last_offset = points_.size() - 1;
  if (params_.first_id > std::numeric_limits<uint64_t>::max() - last_offset) {
    return invalid_argument("ids first_id=" + std::to_string(params_.first_id) + " .. +" +
                            std::to_string(last_offset) + " overflow an unsigned 64-bit id");
  }
  for (size_t row = 0; row < points_.size(); ++row) {
    Point& p = points_[row];
    to_native_order(p.vector);
    for (size_t j = 0; j < dim_; ++j) {
      if (!std::isfinite(p.vector[j])) {
        return invalid_argument("row " + std::to_string(row) + " (id " +
                                std::to_string(params_.first_id + row) + "), element " +
                                std::to_string(j) + " is " +
                                (std::isnan(p.vector[j]) ? "NaN" : "infinite") +
                                "; vectors must be finite");
      }
    }
  }
  return std::move(points_);
}

}  // namespace vecdex::server
