// Segment manifest encoding: exact round trip, and every kind of damage is Corruption.
#include "engine/segment_manifest.h"

#include <gtest/gtest.h>

#include "core/checksum.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace vecdex::engine {
namespace {

using ::testing::HasSubstr;

SegmentManifest sample() {
  SegmentManifest m;
  m.next_segment_id = 9;
  m.segments.push_back({2, {1, 5, 7}});
  m.segments.push_back({8, {}});
  m.segments.push_back({4, {100, 0xffffffffffULL}});
  return m;
}

// Recomputes the trailing checksum after a deliberate edit, so the edit itself is what fails.
void reseal(std::vector<uint8_t>& bytes) {
  uint64_t sum = checksum64(bytes.data(), bytes.size() - 8);
  for (int i = 0; i < 8; ++i) bytes[bytes.size() - 8 + i] = static_cast<uint8_t>(sum >> (8 * i));
}

TEST(SegmentManifestTest, RoundTripsExactly) {
  vecdex::testing::TempDir dir;
  VECDEX_ASSERT_OK(write_manifest(dir.path(), sample()));
  Result<SegmentManifest> back = read_manifest(dir.path());
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->next_segment_id, 9u);
  ASSERT_EQ(back->segments.size(), 3u);
  EXPECT_EQ(back->segments[0].id, 2u);
  EXPECT_EQ(back->segments[0].pids, (std::vector<Pid>{1, 5, 7}));
  EXPECT_TRUE(back->segments[1].pids.empty());
  EXPECT_EQ(back->segments[2].pids, (std::vector<Pid>{100, 0xffffffffffULL}));
}

TEST(SegmentManifestTest, AbsentManifestIsNotFound) {
  vecdex::testing::TempDir dir;
  EXPECT_THAT(read_manifest(dir.path()), StatusIs(StatusCode::kNotFound, HasSubstr("segments")));
}

TEST(SegmentManifestTest, DamageIsCorruption) {
  std::vector<uint8_t> good = encode_manifest(sample());
  std::filesystem::path src = "segments.manifest";

  std::vector<uint8_t> bytes = good;
  bytes[0] = 'X';
  EXPECT_THAT(decode_manifest(bytes, src), StatusIs(StatusCode::kCorruption, HasSubstr("magic")));

  bytes = good;
  bytes[30] ^= 1;
  EXPECT_THAT(decode_manifest(bytes, src),
              StatusIs(StatusCode::kCorruption, HasSubstr("checksum mismatch")));

  bytes = good;
  bytes.resize(bytes.size() - 3);
  EXPECT_THAT(decode_manifest(bytes, src), StatusIs(StatusCode::kCorruption, HasSubstr("")));

  bytes = good;
  bytes[8] = 2;  // version
  reseal(bytes);
  EXPECT_THAT(decode_manifest(bytes, src),
              StatusIs(StatusCode::kCorruption, HasSubstr("format version 2")));

  bytes = good;
  bytes[24] = 200;  // segment count
  reseal(bytes);
  EXPECT_THAT(decode_manifest(bytes, src),
              StatusIs(StatusCode::kCorruption, HasSubstr("200 segments")));

  bytes = good;
  bytes[40] = 50;  // first segment's pid count
  reseal(bytes);
  EXPECT_THAT(decode_manifest(bytes, src),
              StatusIs(StatusCode::kCorruption, HasSubstr("claims 50 pids")));

  bytes = good;
  bytes[24] = 2;  // one segment fewer than written: its bytes trail
  reseal(bytes);
  EXPECT_THAT(decode_manifest(bytes, src),
              StatusIs(StatusCode::kCorruption, HasSubstr("unexpected bytes")));

  SegmentManifest twice = sample();
  twice.segments[1].id = 2;
  EXPECT_THAT(decode_manifest(encode_manifest(twice), src),
              StatusIs(StatusCode::kCorruption, HasSubstr("segment 2 listed twice")));

  bytes = good;
  bytes.resize(20);
  reseal(bytes);
  EXPECT_THAT(decode_manifest(bytes, src),
              StatusIs(StatusCode::kCorruption, HasSubstr("truncated")));
}

}  // namespace
}  // namespace vecdex::engine
