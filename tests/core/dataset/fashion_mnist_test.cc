// Reads the real Fashion-MNIST files from Debian's dataset-fashion-mnist package when they are
// installed; skipped otherwise.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "testing/status_matchers.h"
#include "vecdex/dataset.h"

namespace vecdex {
namespace {

const std::filesystem::path kDir = "/usr/share/datasets/fashion-mnist";

void skip_unless_present(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not installed";
}

TEST(FashionMnistTest, TrainImagesAre60000x784) {
  auto path = kDir / "train-images-idx3-ubyte.gz";
  skip_unless_present(path);
  if (::testing::Test::IsSkipped()) return;
  auto m = read_vectors(path);
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->rows, 60000u);
  EXPECT_EQ(m->dim, 784u);
  EXPECT_EQ(*std::max_element(m->data.begin(), m->data.end()), 255.0f);
  EXPECT_EQ(*std::min_element(m->data.begin(), m->data.end()), 0.0f);
}

TEST(FashionMnistTest, TestImagesAre10000x784) {
  auto path = kDir / "t10k-images-idx3-ubyte.gz";
  skip_unless_present(path);
  if (::testing::Test::IsSkipped()) return;
  auto m = read_vectors(path);
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->rows, 10000u);
  EXPECT_EQ(m->dim, 784u);
}

TEST(FashionMnistTest, LabelsAre60000x1InTenClasses) {
  auto path = kDir / "train-labels-idx1-ubyte.gz";
  skip_unless_present(path);
  if (::testing::Test::IsSkipped()) return;
  auto m = read_ids(path);
  VECDEX_ASSERT_OK(m);
  EXPECT_EQ(m->rows, 60000u);
  EXPECT_EQ(m->cols, 1u);
  EXPECT_EQ(*std::min_element(m->data.begin(), m->data.end()), 0);
  EXPECT_EQ(*std::max_element(m->data.begin(), m->data.end()), 9);
}

}  // namespace
}  // namespace vecdex
