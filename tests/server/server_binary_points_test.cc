// Binary float32 bodies -> points, arriving in arbitrary pieces.
#include "server/binary_points.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>

namespace vecdex::server {
namespace {

std::string bytes_of(const std::vector<float>& v) {
  std::string out(v.size() * sizeof(float), '\0');
  std::memcpy(out.data(), v.data(), out.size());
  return out;
}

BinaryUpsertParams params(uint64_t first_id, std::string version = "") {
  return BinaryUpsertParams{first_id, std::move(version)};
}

TEST(BinaryPointsTest, RowsSplitAcrossPiecesAtOddOffsets) {
  std::vector<float> values(5 * 3);
  for (size_t i = 0; i < values.size(); ++i) values[i] = static_cast<float>(i) + 0.5f;
  const std::string body = bytes_of(values);
  for (size_t piece : {1u, 3u, 7u, 12u, 1000u}) {
    BinaryPointsBuilder b(3, 10, params(40, "v1"), piece == 7 ? body.size() : 0);
    for (size_t off = 0; off < body.size(); off += piece) {
      EXPECT_TRUE(b.append(body.data() + off, std::min(piece, body.size() - off)));
    }
    auto points = std::move(b).finish();
    ASSERT_TRUE(points.ok()) << points.status().to_string();
    ASSERT_EQ(points->size(), 5u);
    for (size_t r = 0; r < 5; ++r) {
      EXPECT_EQ((*points)[r].id, PointId(40 + r));
      EXPECT_EQ((*points)[r].model_version, "v1");
      for (size_t j = 0; j < 3; ++j) EXPECT_EQ((*points)[r].vector[j], values[r * 3 + j]);
    }
  }
}

TEST(BinaryPointsTest, Errors) {
  {
    BinaryPointsBuilder b(2, 10, params(1), 0);
    b.append("abc", 3);
    EXPECT_EQ(std::move(b).finish().status().code(), StatusCode::kInvalidArgument);
  }
  {
    BinaryPointsBuilder b(2, 10, params(1), 0);
    EXPECT_EQ(std::move(b).finish().status().code(), StatusCode::kInvalidArgument);  // empty
  }
  {
    BinaryPointsBuilder b(2, 2, params(1), 0);
    const std::string body = bytes_of(std::vector<float>(6, 1.0f));
    b.append(body.data(), body.size());
    EXPECT_EQ(std::move(b).finish().status().code(), StatusCode::kResourceExhausted);
  }
  {
    BinaryPointsBuilder b(2, 10, params(1), 0);
    const std::string body = bytes_of({1.0f, std::numeric_limits<float>::infinity()});
    b.append(body.data(), body.size());
    auto r = std::move(b).finish();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("element 1"), std::string::npos);
  }
  {
    BinaryPointsBuilder b(1, 10, params(std::numeric_limits<uint64_t>::max()), 0);
    const std::string body = bytes_of({1.0f, 2.0f});
    b.append(body.data(), body.size());
    EXPECT_EQ(std::move(b).finish().status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(BinaryPointsTest, QueryParameters) {
  EXPECT_EQ(parse_binary_upsert_params("18446744073709551615", std::nullopt)->first_id,
            std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(parse_binary_upsert_params("7", "v3")->model_version, "v3");
  for (const char* bad : {"", "-1", "+1", "1x", "18446744073709551616", " 1"}) {
    EXPECT_FALSE(parse_binary_upsert_params(std::string_view(bad), std::nullopt).ok()) << bad;
  }
  EXPECT_FALSE(parse_binary_upsert_params(std::nullopt, std::nullopt).ok());
}

}  // namespace
}  // namespace vecdex::server
