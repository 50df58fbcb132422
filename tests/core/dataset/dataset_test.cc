// Format dispatch in read_vectors / read_ids / write_*: extensions, ".gz", the
// "file.hdf5:dataset" suffix, and the errors for unknown or mismatched kinds.
#include "vecdex/dataset.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "core/dataset/dataset_test_util.h"
#include "testing/status_matchers.h"
#include "testing/temp_dir.h"

namespace vecdex {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using testing::TempDir;
using testing::write_bytes;

TEST(DatasetTest, UnknownExtensionListsTheKnownOnes) {
  TempDir dir;
  auto path = dir.file("base.csv");
  write_bytes(path, "1,2,3\n");
  EXPECT_THAT(read_vectors(path),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("read " + path.string()),
                             HasSubstr("unknown file extension '.csv'"), HasSubstr(".fvecs"),
                             HasSubstr(".npy"), HasSubstr(".hdf5"), HasSubstr("idx3-ubyte"))));
  EXPECT_THAT(read_ids(dir.file("noext")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("unknown file extension ''")));
  float x = 1;
  EXPECT_THAT(write_vectors(dir.file("a.txt"), MatrixView{&x, 1, 1}),
              StatusIs(StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("write "), HasSubstr("writable: .fvecs, .bvecs, .npy"))));
  EXPECT_THAT(write_vectors(dir.file("a.hdf5"), MatrixView{&x, 1, 1}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("cannot write vectors as '.hdf5'")));
  EXPECT_THAT(write_ids(dir.file("a.fvecs"), IdMatrix{{1}, 1, 1}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("writable: .ivecs, .npy")));
}

TEST(DatasetTest, ExtensionsAreCaseInsensitive) {
  TempDir dir;
  float v[] = {1, 2};
  VECDEX_ASSERT_OK(write_vectors(dir.file("A.FVECS"), MatrixView{v, 1, 2}));
  auto m = read_vectors(dir.file("A.FVECS"));
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->dim, 2u);
}

TEST(DatasetTest, IdsAndVectorsFilesAreNotInterchangeable) {
  TempDir dir;
  EXPECT_THAT(read_vectors(dir.file("gt.ivecs")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("hold ids, not vectors")));
  EXPECT_THAT(read_vectors(dir.file("train-labels-idx1-ubyte.gz")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("use read_ids")));
  EXPECT_THAT(read_ids(dir.file("base.bvecs")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("hold vectors, not ids")));
}

TEST(DatasetTest, GzipOnlyForIdx) {
  TempDir dir;
  EXPECT_THAT(read_vectors(dir.file("base.fvecs.gz")),
              StatusIs(StatusCode::kInvalidArgument,
                       HasSubstr("gzip-compressed .fvecs files are not supported")));
  float x = 1;
  EXPECT_THAT(write_vectors(dir.file("base.npy.gz"), MatrixView{&x, 1, 1}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("gzip")));
}

TEST(DatasetTest, DirectoriesAndNullViewsAreRejected) {
  TempDir dir;
  std::filesystem::create_directory(dir.file("d.fvecs"));
  EXPECT_THAT(read_vectors(dir.file("d.fvecs")),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("is a directory")));
  EXPECT_THAT(write_vectors(dir.file("n.fvecs"), MatrixView{nullptr, 2, 2}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("no data")));
}

TEST(DatasetTest, ColonOnlySplitsHdf5Names) {
  TempDir dir;
  // "a:b.fvecs" is an ordinary file name, not a dataset suffix.
  float v[] = {3};
  VECDEX_ASSERT_OK(write_vectors(dir.file("a:b.fvecs"), MatrixView{v, 1, 1}));
  VECDEX_EXPECT_OK(read_vectors(dir.file("a:b.fvecs")));
  EXPECT_THAT(read_vectors(dir.file("missing.h5:train")),
              StatusIs(StatusCode::kNotFound, HasSubstr("missing.h5:train")));
}

}  // namespace
}  // namespace vecdex
