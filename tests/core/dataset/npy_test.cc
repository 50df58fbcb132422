// .npy: round trips, hand-written headers (versions 1-3, dtypes, Fortran order, ranks), and
// truncated, trailing and foreign files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/dataset/dataset_test_util.h"
#include "testing/random_data.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"
#include "vecdex/dataset.h"

namespace vecdex {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::append_raw;
using testing::read_bytes;
using testing::TempDir;
using testing::write_bytes;

// A .npy file with the given header dict and raw data, in format `major`.0.
std::string make_npy(const std::string& dict, const std::string& data, int major = 1) {
  std::string header = dict;
  size_t prefix = major == 1 ? 10 : 12;
  while ((prefix + header.size() + 1) % 64 != 0) header.push_back(' ');
  header.push_back('\n');
  std::string out("\x93NUMPY", 6);
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  if (major == 1) {
    append_raw(out, static_cast<uint16_t>(header.size()));
  } else {
    append_raw(out, static_cast<uint32_t>(header.size()));
  }
  return out + header + data;
}

std::string dict(const std::string& descr, const std::string& shape, bool fortran = false) {
  return "{'descr': '" + descr + "', 'fortran_order': " + (fortran ? "True" : "False") +
         ", 'shape': " + shape + ", }";
}

template <typename T>
std::string raw(const std::vector<T>& v) {
  return std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T));
}

TEST(NpyTest, VectorsRoundTripWithAlignedHeader) {
  TempDir dir;
  std::vector<float> data = testing::random_floats(5, 9, 4);
  auto path = dir.file("base.npy");
  VECDEX_ASSERT_OK(write_vectors(path, MatrixView{data.data(), 5, 9}));
  std::string bytes = read_bytes(path);
  ASSERT_EQ((bytes.size() - 5 * 9 * 4) % 64, 0u);
  EXPECT_THAT(bytes, HasSubstr("{'descr': '<f4', 'fortran_order': False, 'shape': (5, 9), }"));
  auto m = read_vectors(path);
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->rows, 5u);
  EXPECT_EQ(m->dim, 9u);
  EXPECT_EQ(m->data, data);
}

TEST(NpyTest, IdsRoundTripAndEmptyMatrix) {
  TempDir dir;
  auto path = dir.file("gt.npy");
  IdMatrix ids{{4, 5, 6, -7, 8, 9}, 2, 3};
  VECDEX_ASSERT_OK(write_ids(path, ids));
  auto m = read_ids(path);
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->rows, 2u);
  EXPECT_EQ(m->cols, 3u);
  EXPECT_EQ(m->data, ids.data);

  VECDEX_ASSERT_OK(write_vectors(dir.file("empty.npy"), MatrixView{nullptr, 0, 4}));
  auto e = read_vectors(dir.file("empty.npy"));
  VECDEX_ASSERT_OK(e);
  EXPECT_EQ(e->rows, 0u);
  EXPECT_EQ(e->dim, 4u);
}

TEST(NpyTest, ReadsUint8VectorsAndInt64Ids) {
  TempDir dir;
  write_bytes(dir.file("u8.npy"), make_npy(dict("|u1", "(2, 2)"), raw<uint8_t>({0, 9, 200, 255})));
  auto v = read_vectors(dir.file("u8.npy"));
  VECDEX_ASSERT_OK(v);
  EXPECT_THAT(v->data, ElementsAre(0.0f, 9.0f, 200.0f, 255.0f));

  write_bytes(dir.file("i8.npy"), make_npy(dict("<i8", "(3,)"), raw<int64_t>({1, -2, 3})));
  auto ids = read_ids(dir.file("i8.npy"));
  VECDEX_ASSERT_OK(ids);
  EXPECT_EQ(ids->rows, 3u);
  EXPECT_EQ(ids->cols, 1u);
  EXPECT_THAT(ids->data, ElementsAre(1, -2, 3));

  write_bytes(dir.file("big.npy"),
              make_npy(dict("<i8", "(1, 2)"), raw<int64_t>({1, int64_t{1} << 40})));
  EXPECT_THAT(read_ids(dir.file("big.npy")),
              StatusIs(StatusCode::kOutOfRange, HasSubstr("row 0 col 1: id 1099511627776")));
}

TEST(NpyTest, ReadsFormatVersions2And3) {
  TempDir dir;
  for (int major : {2, 3}) {
    auto path = dir.file(major == 2 ? "v2.npy" : "v3.npy");
    write_bytes(path, make_npy(dict("<f4", "(1, 3)"), raw<float>({1.5f, 2.5f, 3.5f}), major));
    auto m = read_vectors(path);
    VECDEX_ASSERT_OK(m) << major;
    EXPECT_THAT(m->data, ElementsAre(1.5f, 2.5f, 3.5f));
  }
  std::string v4 = make_npy(dict("<f4", "(1, 1)"), raw<float>({1}), 2);
  v4[6] = 4;
  write_bytes(dir.file("v4.npy"), v4);
  EXPECT_THAT(read_vectors(dir.file("v4.npy")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("version 4.0")));
}

TEST(NpyTest, MaxRowsReadsAPrefix) {
  TempDir dir;
  std::vector<float> data = testing::random_floats(10, 3, 5);
  auto path = dir.file("base.npy");
  VECDEX_ASSERT_OK(write_vectors(path, MatrixView{data.data(), 10, 3}));
  ReadOptions options;
  options.max_rows = 4;
  auto m = read_vectors(path, options);
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->rows, 4u);
  EXPECT_EQ(m->data, std::vector<float>(data.begin(), data.begin() + 12));
}

TEST(NpyTest, UnsupportedDtypesNameWhatIsAccepted) {
  TempDir dir;
  auto path = dir.file("x.npy");
  write_bytes(path, make_npy(dict("<f8", "(1, 1)"), raw<double>({1.0})));
  EXPECT_THAT(read_vectors(path),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("dtype '<f8'"), HasSubstr("accepted: '<f4', '|u1'"))));
  write_bytes(path, make_npy(dict(">f4", "(1, 1)"), raw<float>({1.0f})));
  EXPECT_THAT(read_vectors(path),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("big-endian dtype '>f4'")));
  write_bytes(path, make_npy(dict("<f4", "(1, 1)"), raw<float>({1.0f})));
  EXPECT_THAT(read_ids(path),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("accepted: '<i4', '<i8'")));
  write_bytes(path, make_npy("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }",
                             raw<float>({1.0f})));
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kInvalidArgument, HasSubstr("structured")));
}

TEST(NpyTest, FortranOrderAndWrongRankAreInvalidArgument) {
  TempDir dir;
  auto path = dir.file("x.npy");
  write_bytes(path, make_npy(dict("<f4", "(2, 2)", true), raw<float>({1, 2, 3, 4})));
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kInvalidArgument, HasSubstr("Fortran")));
  write_bytes(path, make_npy(dict("<f4", "(1, 2, 2)"), raw<float>({1, 2, 3, 4})));
  EXPECT_THAT(read_vectors(path),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("shape (n, dim); got (1, 2, 2)")));
  write_bytes(path, make_npy(dict("<f4", "(4,)"), raw<float>({1, 2, 3, 4})));
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kInvalidArgument, HasSubstr("got (4,)")));
  write_bytes(path, make_npy(dict("<f4", "()"), raw<float>({1})));
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kInvalidArgument, HasSubstr("got ()")));
  write_bytes(path, make_npy(dict("<f4", "(3, 0)"), ""));
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kInvalidArgument, HasSubstr("(3, 0)")));
}

TEST(NpyTest, DataSizeMustMatchTheHeaderExactly) {
  TempDir dir;
  auto path = dir.file("x.npy");
  write_bytes(path, make_npy(dict("<f4", "(2, 3)"), raw<float>({1, 2, 3, 4, 5})));
  EXPECT_THAT(read_vectors(path),
              StatusIs(StatusCode::kCorruption,
                       AllOf(HasSubstr("truncated"), HasSubstr("needs 24 bytes"),
                             HasSubstr("file has 20"))));
  write_bytes(path, make_npy(dict("<f4", "(1, 3)"), raw<float>({1, 2, 3, 4})));
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kCorruption, HasSubstr("trailing")));
  write_bytes(path, make_npy(dict("<f4", "(18446744073709551615, 1024)"), ""));
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kCorruption, HasSubstr("overflows")));
  write_bytes(path, make_npy(dict("<f4", "(99999999999999999999999, 1)"), ""));
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kCorruption, HasSubstr("64 bits")));
}

TEST(NpyTest, EveryTruncationOfAValidFileIsCorruption) {
  TempDir dir;
  std::vector<float> data = testing::random_floats(3, 4, 6);
  auto good = dir.file("good.npy");
  VECDEX_ASSERT_OK(write_vectors(good, MatrixView{data.data(), 3, 4}));
  const std::string full = read_bytes(good);
  auto path = dir.file("cut.npy");
  for (size_t cut = 0; cut < full.size(); ++cut) {
    write_bytes(path, full.substr(0, cut));
    EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kCorruption, ::testing::_))
        << "cut " << cut;
  }
}

TEST(NpyTest, MalformedHeadersAreCorruption) {
  TempDir dir;
  auto path = dir.file("x.npy");
  const std::string data = raw<float>({1});
  for (const char* bad : {"", "garbage", "{'descr': '<f4', 'fortran_order': False}",
                          "{'descr': '<f4', 'fortran_order': Maybe, 'shape': (1, 1)}",
                          "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1), 'x': 1}",
                          "{'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (1, 1)}",
                          "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 1)} extra",
                          "{'descr: '<f4', 'fortran_order': False, 'shape': (1, 1)}",
                          "{'descr': '<f4', 'fortran_order': False, 'shape': (1, -1)}"}) {
    write_bytes(path, make_npy(bad, data));
    EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kCorruption, ::testing::_)) << bad;
  }
  // A header length beyond the file.
  std::string lying = make_npy(dict("<f4", "(1, 1)"), data);
  lying[8] = '\xff';
  lying[9] = '\xff';
  write_bytes(path, lying);
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kCorruption, HasSubstr("truncated")));
}

TEST(NpyTest, ForeignFilesAreCorruption) {
  TempDir dir;
  auto path = dir.file("x.npy");
  write_bytes(path, testing::png_signature() + std::string(100, '\0'));
  EXPECT_THAT(read_vectors(path),
              StatusIs(StatusCode::kCorruption,
                       AllOf(HasSubstr("read " + path.string()), HasSubstr("bad magic 89 50"))));
  write_bytes(path, "");
  EXPECT_THAT(read_vectors(path), StatusIs(StatusCode::kCorruption, HasSubstr("not a .npy")));
}

}  // namespace
}  // namespace vecdex
