// The binary bulk-upsert body (Content-Type: application/octet-stream): little-endian float32
// rows of the collection's dim, ids first_id .. first_id + rows - 1 from the query string.
// BinaryPointsBuilder turns the body (whole, or in pieces) straight into Points: each byte is
// copied once, from the body into its point's vector.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vecdex/database.h"
#include "vecdex/result.h"

namespace vecdex::server {

// Query parameters of a binary upsert.
struct BinaryUpsertParams {
  uint64_t first_id = 0;
  std::string model_version;
};

// first_id (required, a u64 without sign) and model_version (optional).
Result<BinaryUpsertParams> parse_binary_upsert_params(std::optional<std::string_view> first_id,
                                                      std::optional<std::string_view> version);

// Not thread-safe; one per request.
class BinaryPointsBuilder {
 public:
  // `expected_bytes`: Content-Length when known (rows are allocated up front), else 0.
  BinaryPointsBuilder(size_t dim, size_t max_rows, BinaryUpsertParams params,
                      size_t expected_bytes);

  // Appends a piece of the body. Always consumes it (returns true) so the body is read to its
  // end; past max_rows the rest is dropped and finish() reports it.
  bool append(const char* data, size_t size);

  // The points, after checking: a whole number of rows (InvalidArgument), at least one row,
  // at most max_rows (ResourceExhausted: the route answers 413), finite values
  // (InvalidArgument naming row and column), and ids that fit u64 (InvalidArgument).
  Result<std::vector<Point>> finish() &&;

 private:
  size_t dim_;
  size_t max_rows_;
  size_t row_bytes_;
  BinaryUpsertParams params_;
  std::vector<Point> points_;
  size_t bytes_ = 0;           // body bytes seen
  bool too_many_rows_ = false;
};

}  // namespace vecdex::server
