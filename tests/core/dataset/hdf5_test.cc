// ann-benchmarks .hdf5: files made here with the HDF5 C API, read back by dataset name (option
// and "file.hdf5:name" suffix), max_rows, missing datasets, wrong types and non-HDF5 files.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <hdf5.h>

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
using testing::TempDir;
using testing::write_bytes;

// Writes a dataset of the given file type from memory of mem_type.
void put(hid_t file, const char* name, hid_t file_type, hid_t mem_type,
         std::vector<hsize_t> dims, const void* data) {
  hid_t space = H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr);
  hid_t dset = H5Dcreate2(file, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(dset, 0) << name;
  ASSERT_GE(H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data), 0) << name;
  H5Dclose(dset);
  H5Sclose(space);
}

class Hdf5Test : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_.file("fashion-mnist-784-euclidean.hdf5");
    hid_t f = H5Fcreate(path_.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    ASSERT_GE(f, 0);
    train_ = testing::random_floats(10, 6, 1);
    for (int i = 0; i < 18; ++i) test_.push_back(i * 0.5);
    for (int i = 0; i < 12; ++i) neighbors_.push_back(i * 3);
    put(f, "train", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {10, 6}, train_.data());
    put(f, "test", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, {3, 6}, test_.data());
    put(f, "neighbors", H5T_STD_I32LE, H5T_NATIVE_INT32, {3, 4}, neighbors_.data());
    std::vector<float> distances(12, 2.5f);
    put(f, "distances", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {3, 4}, distances.data());
    std::vector<int64_t> wide = {1, int64_t{1} << 40};
    put(f, "wide", H5T_STD_I64LE, H5T_NATIVE_INT64, {2}, wide.data());
    std::vector<float> cube(8, 1.0f);
    put(f, "cube", H5T_IEEE_F32LE, H5T_NATIVE_FLOAT, {2, 2, 2}, cube.data());
    H5Fclose(f);
  }

  TempDir dir_;
  std::filesystem::path path_;
  std::vector<float> train_;
  std::vector<double> test_;
  std::vector<int32_t> neighbors_;
};

TEST_F(Hdf5Test, ReadsTrainByDefaultAndNeighborsForIds) {
  auto train = read_vectors(path_);
  VECDEX_ASSERT_OK(train);
  EXPECT_EQ(train->rows, 10u);
  EXPECT_EQ(train->dim, 6u);
  EXPECT_EQ(train->data, train_);
  auto ids = read_ids(path_);
  VECDEX_ASSERT_OK(ids);
  EXPECT_EQ(ids->rows, 3u);
  EXPECT_EQ(ids->cols, 4u);
  EXPECT_EQ(ids->data, neighbors_);
}

TEST_F(Hdf5Test, SuffixAndOptionSelectTheDataset) {
  auto test = read_vectors(path_.string() + ":test");
  VECDEX_ASSERT_OK(test);
  EXPECT_EQ(test->rows, 3u);
  EXPECT_EQ(test->row(2)[5], 8.5f);  // float64 converted
  ReadOptions options;
  options.hdf5_dataset = "distances";
  auto d = read_vectors(path_, options);
  VECDEX_ASSERT_OK(d);
  EXPECT_EQ(d->rows, 3u);
  EXPECT_EQ(d->dim, 4u);
  // The suffix wins over the option.
  auto t = read_vectors(path_.string() + ":test", options);
  VECDEX_ASSERT_OK(t);
  EXPECT_EQ(t->dim, 6u);
}

TEST_F(Hdf5Test, MaxRowsReadsAHyperslab) {
  ReadOptions options;
  options.max_rows = 4;
  auto m = read_vectors(path_, options);
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->rows, 4u);
  EXPECT_EQ(m->data, std::vector<float>(train_.begin(), train_.begin() + 24));
  options.max_rows = 1;
  auto ids = read_ids(path_, options);
  VECDEX_ASSERT_OK(ids);
  EXPECT_THAT(ids->data, ElementsAre(0, 3, 6, 9));
}

TEST_F(Hdf5Test, MissingDatasetListsWhatIsPresentWithoutPrinting) {
  ::testing::internal::CaptureStderr();
  auto r = read_vectors(path_.string() + ":query");
  std::string printed = ::testing::internal::GetCapturedStderr();
  EXPECT_THAT(r, StatusIs(StatusCode::kNotFound,
                          AllOf(HasSubstr("no dataset 'query'"),
                                HasSubstr("cube, distances, neighbors, test, train, wide"))));
  EXPECT_EQ(printed, "");
}

TEST_F(Hdf5Test, WrongTypesAndShapesAreInvalidArgument) {
  EXPECT_THAT(read_vectors(path_.string() + ":neighbors"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("read integer datasets with")));
  EXPECT_THAT(read_ids(path_.string() + ":train"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("ids must be int32 or int64")));
  EXPECT_THAT(read_vectors(path_.string() + ":cube"),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("rank 3")));
  EXPECT_THAT(read_ids(path_.string() + ":wide"),
              StatusIs(StatusCode::kOutOfRange, HasSubstr("row 1 col 0: id 1099511627776")));
}

TEST_F(Hdf5Test, NonHdf5FilesAreCorruption) {
  auto fake = dir_.file("fake.hdf5");
  for (const std::string& bytes :
       {std::string(), testing::png_signature() + std::string(600, 'z'), std::string(5000, '\7')}) {
    write_bytes(fake, bytes);
    ::testing::internal::CaptureStderr();
    auto r = read_vectors(fake);
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
    EXPECT_THAT(r, StatusIs(StatusCode::kCorruption,
                            AllOf(HasSubstr("read " + fake.string()), HasSubstr("not an HDF5"))));
  }
  EXPECT_THAT(read_vectors(dir_.file("missing.h5")), StatusIs(StatusCode::kNotFound, ::testing::_));
}

TEST_F(Hdf5Test, TruncatedFileIsAnError) {
  std::string bytes = testing::read_bytes(path_);
  auto cut = dir_.file("cut.hdf5");
  for (size_t n : {bytes.size() / 4, bytes.size() / 2, bytes.size() - 10}) {
    write_bytes(cut, bytes.substr(0, n));
    ::testing::internal::CaptureStderr();
    auto r = read_vectors(cut);
    EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");
    EXPECT_FALSE(r.ok()) << n;
  }
}

}  // namespace
}  // namespace vecdex
