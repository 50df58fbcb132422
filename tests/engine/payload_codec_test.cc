// Payload and point-id encodings: exact round trips, key order, and Corruption for every kind of
// damage (truncation at every cut point, bad tags, lengths past the end, trailing bytes).
#include "engine/payload_codec.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "testing/status_matchers.h"

namespace vecdex::engine {
namespace {

using ::testing::HasSubstr;

std::span<const uint8_t> as_bytes(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

Payload sample_payload() {
  return {{"price", 9.25},
          {"neg", int64_t{-123456789012}},
          {"min", std::numeric_limits<int64_t>::min()},
          {"max", std::numeric_limits<int64_t>::max()},
          {"zero", -0.0},
          {"on", true},
          {"off", false},
          {"brand", std::string("acme\0corp", 9)},
          {"empty", std::string()},
          {"tags", Keywords{"red", "", "sale"}},
          {"no_tags", Keywords{}}};
}

std::string encoded(const Payload& p) {
  std::string out;
  encode_payload(p, out);
  return out;
}

TEST(PayloadCodecTest, RoundTripsEveryValueKindExactly) {
  Payload p = sample_payload();
  auto decoded = decode_payload(as_bytes(encoded(p)));
  ASSERT_THAT(decoded, IsOk());
  EXPECT_EQ(*decoded, p);
  EXPECT_TRUE(std::signbit(std::get<double>(decoded->at("zero"))));
  auto empty = decode_payload(as_bytes(encoded({})));
  ASSERT_THAT(empty, IsOk());
  EXPECT_TRUE(empty->empty());
}

TEST(PayloadCodecTest, RandomPayloadsRoundTrip) {
  std::mt19937_64 rng(7);
  for (int iter = 0; iter < 300; ++iter) {
    Payload p;
    int fields = static_cast<int>(rng() % 6);
    for (int f = 0; f < fields; ++f) {
      std::string name = "f" + std::to_string(rng() % 10);
      switch (rng() % 5) {
        case 0: p[name] = static_cast<int64_t>(rng()); break;
        case 1: p[name] = std::bit_cast<double>(rng() & 0x7fefffffffffffffULL); break;
        case 2: p[name] = (rng() & 1) == 1; break;
        case 3: p[name] = std::string(rng() % 300, static_cast<char>(rng())); break;
        default: p[name] = Keywords(rng() % 4, std::string(rng() % 5, 'k')); break;
      }
    }
    auto decoded = decode_payload(as_bytes(encoded(p)));
    ASSERT_THAT(decoded, IsOk());
    EXPECT_EQ(*decoded, p);
  }
}

TEST(PayloadCodecTest, EncodingIsCompact) {
  // version + count + name(1+5) + tag + 1-byte zigzag varint
  EXPECT_EQ(encoded({{"stock", int64_t{3}}}).size(), 10u);
}

TEST(PayloadCodecTest, TruncationAtEveryCutPointIsCorruption) {
  std::string full = encoded(sample_payload());
  for (size_t cut = 0; cut < full.size(); ++cut) {
    std::string part = full.substr(0, cut);
    EXPECT_THAT(decode_payload(as_bytes(part)), StatusIs(StatusCode::kCorruption, HasSubstr("payload")))
        << "cut at " << cut;
  }
}

TEST(PayloadCodecTest, TrailingBytesAreCorruption) {
  std::string bytes = encoded({{"a", int64_t{1}}}) + "x";
  EXPECT_THAT(decode_payload(as_bytes(bytes)),
              StatusIs(StatusCode::kCorruption, HasSubstr("1 trailing bytes")));
}

TEST(PayloadCodecTest, UnknownVersionIsCorruption) {
  std::string bytes = encoded({});
  bytes[0] = 7;
  EXPECT_THAT(decode_payload(as_bytes(bytes)),
              StatusIs(StatusCode::kCorruption, HasSubstr("version 7")));
}

TEST(PayloadCodecTest, UnknownValueTagIsCorruption) {
  std::string bytes = encoded({{"a", int64_t{1}}});
  bytes[4] = 9;  // version, count, name len, 'a', tag
  EXPECT_THAT(decode_payload(as_bytes(bytes)),
              StatusIs(StatusCode::kCorruption, HasSubstr("unknown value tag 9")));
}

TEST(PayloadCodecTest, BadBoolByteIsCorruption) {
  std::string bytes = encoded({{"a", true}});
  bytes[5] = 2;
  EXPECT_THAT(decode_payload(as_bytes(bytes)),
              StatusIs(StatusCode::kCorruption, HasSubstr("bool byte 2")));
}

TEST(PayloadCodecTest, LengthsPastTheEndAreCorruption) {
  std::string name_len = encoded({{"a", int64_t{1}}});
  name_len[2] = 100;  // the name claims 100 bytes
  EXPECT_THAT(decode_payload(as_bytes(name_len)),
              StatusIs(StatusCode::kCorruption, HasSubstr("truncated field name")));
  std::string str_len = encoded({{"a", std::string("xy")}});
  str_len[5] = 50;
  EXPECT_THAT(decode_payload(as_bytes(str_len)),
              StatusIs(StatusCode::kCorruption, HasSubstr("truncated string value")));
  std::string kw_count = encoded({{"a", Keywords{"x"}}});
  kw_count[5] = 60;
  EXPECT_THAT(decode_payload(as_bytes(kw_count)),
              StatusIs(StatusCode::kCorruption, HasSubstr("claims 60 keywords")));
  std::string field_count = encoded({{"a", int64_t{1}}});
  field_count[1] = 120;
  EXPECT_THAT(decode_payload(as_bytes(field_count)),
              StatusIs(StatusCode::kCorruption, HasSubstr("claims 120 fields")));
}

TEST(PayloadCodecTest, MalformedVarintIsCorruption) {
  std::string bytes;
  bytes.push_back(1);  // version
  bytes.append(10, static_cast<char>(0xff));  // an 11-byte varint for the field count
  bytes.push_back(0);
  EXPECT_THAT(decode_payload(as_bytes(bytes)),
              StatusIs(StatusCode::kCorruption, HasSubstr("malformed varint")));
}

TEST(PayloadCodecTest, DuplicateFieldIsCorruption) {
  std::string one = encoded({{"a", int64_t{1}}});
  std::string bytes = one.substr(0, 1) + std::string(1, 2) + one.substr(2) + one.substr(2);
  EXPECT_THAT(decode_payload(as_bytes(bytes)),
              StatusIs(StatusCode::kCorruption, HasSubstr("'a' appears twice")));
}

TEST(PayloadCodecTest, RandomByteFlipsNeverCrash) {
  std::string full = encoded(sample_payload());
  std::mt19937_64 rng(11);
  for (int iter = 0; iter < 2000; ++iter) {
    std::string bytes = full;
    bytes[rng() % bytes.size()] = static_cast<char>(rng());
    auto r = decode_payload(as_bytes(bytes));
    if (!r.ok()) EXPECT_EQ(r.status().code(), StatusCode::kCorruption);
  }
}

// ---- point id keys ----

TEST(PointIdKeyTest, RoundTripsNumbersAndStrings) {
  std::vector<PointId> ids = {PointId(0), PointId(1), PointId(std::numeric_limits<uint64_t>::max()),
                              *PointId::from_string("a"), *PointId::from_string(std::string(256, 'z')),
                              *PointId::from_string(std::string("\0\xff", 2))};
  for (const PointId& id : ids) {
    std::string key = encode_point_id(id);
    auto back = decode_point_id(as_bytes(key));
    ASSERT_THAT(back, IsOk());
    EXPECT_EQ(*back, id);
  }
}

TEST(PointIdKeyTest, KeyOrderMatchesIdOrder) {
  std::vector<PointId> ids = {PointId(0),       PointId(255),     PointId(256),
                              PointId(1ULL << 40), PointId(~0ULL),
                              *PointId::from_string("0"), *PointId::from_string("a"),
                              *PointId::from_string("ab"), *PointId::from_string("b"),
                              *PointId::from_string("\xff")};
  for (size_t i = 0; i < ids.size(); ++i) {
    for (size_t j = 0; j < ids.size(); ++j) {
      EXPECT_EQ(ids[i] < ids[j], encode_point_id(ids[i]) < encode_point_id(ids[j]))
          << ids[i].describe() << " vs " << ids[j].describe();
    }
  }
}

TEST(PointIdKeyTest, DamagedKeysAreCorruption) {
  EXPECT_THAT(decode_point_id({}), StatusIs(StatusCode::kCorruption, HasSubstr("empty")));
  std::string number = encode_point_id(PointId(5));
  EXPECT_THAT(decode_point_id(as_bytes(number.substr(0, 5))),
              StatusIs(StatusCode::kCorruption, HasSubstr("9 bytes")));
  EXPECT_THAT(decode_point_id(as_bytes(number + "x")),
              StatusIs(StatusCode::kCorruption, HasSubstr("9 bytes")));
  EXPECT_THAT(decode_point_id(as_bytes(std::string(1, 0x02))),
              StatusIs(StatusCode::kCorruption, HasSubstr("empty")));
  EXPECT_THAT(decode_point_id(as_bytes(std::string(1, 0x02) + std::string(257, 'x'))),
              StatusIs(StatusCode::kCorruption, HasSubstr("256")));
  EXPECT_THAT(decode_point_id(as_bytes(std::string("\x07" "abc"))),
              StatusIs(StatusCode::kCorruption, HasSubstr("unknown tag 7")));
}

}  // namespace
}  // namespace vecdex::engine
