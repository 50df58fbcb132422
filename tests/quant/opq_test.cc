// OPQ: the Procrustes step recovers a known rotation, the learned rotation is orthogonal, and on
// data whose variance is unevenly spread and correlated across dimensions it lowers PQ's error.
#include "quant/opq.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <random>
#include <vector>

#include "core/lapack.h"
#include "quant/pq.h"
#include "testing/random_data.h"
#include "testing/status_matchers.h"

namespace vecdex::quant {
namespace {

using ::testing::HasSubstr;

std::vector<float> random_rotation(size_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> g;
  std::vector<double> r(dim * dim);
  for (double& v : r) v = g(rng);
  for (size_t a = 0; a < dim; ++a) {
    for (size_t b = 0; b < a; ++b) {
      double d = 0;
      for (size_t k = 0; k < dim; ++k) d += r[a * dim + k] * r[b * dim + k];
      for (size_t k = 0; k < dim; ++k) r[a * dim + k] -= d * r[b * dim + k];
    }
    double norm = 0;
    for (size_t k = 0; k < dim; ++k) norm += r[a * dim + k] * r[a * dim + k];
    for (size_t k = 0; k < dim; ++k) r[a * dim + k] /= std::sqrt(norm);
  }
  return std::vector<float>(r.begin(), r.end());
}

// Gaussian rows whose per-dimension standard deviation falls off geometrically (most energy in
// the first sub-space), then mixed by a random rotation so that dimensions are correlated.
std::vector<float> uneven_correlated(size_t rows, size_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> latent(rows * dim);
  for (size_t i = 0; i < rows; ++i)
    for (size_t t = 0; t < dim; ++t) latent[i * dim + t] = g(rng) * std::pow(0.75f, float(t));
  const std::vector<float> r = random_rotation(dim, seed + 1);
  std::vector<float> out(rows * dim);
  opq::rotate_rows(MatrixView{latent.data(), rows, dim}, r.data(), out.data());
  return out;
}

double mse(const ProductQuantizer& pq, const std::vector<float>& data) {
  const size_t dim = pq.dim();
  const size_t n = data.size() / dim;
  std::vector<uint8_t> code(pq.code_bytes());
  std::vector<float> decoded(dim);
  double sum = 0;
  for (size_t i = 0; i < n; ++i) {
    pq.encode(data.data() + i * dim, code.data());
    pq.decode(code.data(), decoded.data());
    for (size_t t = 0; t < dim; ++t) sum += std::pow(double{data[i * dim + t]} - decoded[t], 2);
  }
  return sum / static_cast<double>(n);
}

TEST(OpqTest, ProcrustesRecoversAKnownRotation) {
  const size_t dim = 12, n = 200;
  std::vector<float> x = testing::random_floats(n, dim, 1);
  const std::vector<float> r = random_rotation(dim, 2);
  std::vector<float> y(n * dim);
  opq::rotate_rows(MatrixView{x.data(), n, dim}, r.data(), y.data());
  Result<std::vector<float>> got =
      opq::procrustes_rotation(MatrixView{x.data(), n, dim}, MatrixView{y.data(), n, dim});
  ASSERT_THAT(got, IsOk());
  for (size_t i = 0; i < dim * dim; ++i) EXPECT_NEAR((*got)[i], r[i], 1e-4) << i;
  EXPECT_LT(opq::orthogonality_error(got->data(), dim), 1e-5);
}

TEST(OpqTest, ProcrustesRejectsMismatchedShapes) {
  std::vector<float> x(20, 1.0f);
  EXPECT_THAT(opq::procrustes_rotation(MatrixView{x.data(), 5, 4}, MatrixView{x.data(), 4, 5}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("5 x 4 and y is 4 x 5")));
  EXPECT_THAT(opq::procrustes_rotation(MatrixView{x.data(), 0, 4}, MatrixView{x.data(), 0, 4}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("non-empty")));
}

TEST(OpqTest, LowersErrorOnUnevenCorrelatedData) {
  const size_t dim = 16, n = 2000;
  std::vector<float> data = uneven_correlated(n, dim, 3);
  const MatrixView view{data.data(), n, dim};
  PqTrainOptions opts;
  opts.iterations = 10;
  opts.threads = 2;
  Result<ProductQuantizer> plain = ProductQuantizer::create(dim, 4, 4, Metric::kL2);
  Result<ProductQuantizer> rotated = ProductQuantizer::create(dim, 4, 4, Metric::kL2);
  ASSERT_THAT(plain, IsOk());
  ASSERT_THAT(rotated, IsOk());
  VECDEX_ASSERT_OK(plain->train(view, opts));
  opts.opq = true;
  opts.opq_iterations = 8;
  VECDEX_ASSERT_OK(rotated->train(view, opts));
  ASSERT_TRUE(rotated->has_rotation());
  EXPECT_LT(opq::orthogonality_error(rotated->rotation().data(), dim), 1e-4);
  const double e_plain = mse(*plain, data);
  const double e_opq = mse(*rotated, data);
  EXPECT_LT(e_opq, 0.9 * e_plain) << "plain " << e_plain << " opq " << e_opq;
}

TEST(OpqTest, ProcrustesDoesNotDependOnThreads) {
  const size_t dim = 8, n = 5000;  // several row blocks
  std::vector<float> x = testing::random_floats(n, dim, 5);
  std::vector<float> y = testing::random_floats(n, dim, 6);
  Result<std::vector<float>> one =
      opq::procrustes_rotation(MatrixView{x.data(), n, dim}, MatrixView{y.data(), n, dim}, 1);
  Result<std::vector<float>> two =
      opq::procrustes_rotation(MatrixView{x.data(), n, dim}, MatrixView{y.data(), n, dim}, 2);
  ASSERT_THAT(one, IsOk());
  ASSERT_THAT(two, IsOk());
  EXPECT_EQ(*one, *two);
  EXPECT_LT(opq::orthogonality_error(one->data(), dim), 1e-5);
}

TEST(OpqTest, SvdOfRectangularMatrixReconstructsIt) {
  for (auto [rows, cols] : {std::pair<size_t, size_t>{5, 3}, {3, 5}, {1, 4}}) {
    std::vector<float> f = testing::random_floats(rows, cols, 7);
    std::vector<double> a(f.begin(), f.end());
    Result<lapack::Svd> svd = lapack::svd(a.data(), rows, cols);
    ASSERT_THAT(svd, IsOk());
    const size_t k = std::min(rows, cols);
    ASSERT_EQ(svd->s.size(), k);
    for (size_t i = 0; i + 1 < k; ++i) EXPECT_GE(svd->s[i], svd->s[i + 1]);
    for (size_t r = 0; r < rows; ++r) {
      for (size_t c = 0; c < cols; ++c) {
        double v = 0;
        for (size_t t = 0; t < k; ++t) v += svd->u[r * k + t] * svd->s[t] * svd->vt[t * cols + c];
        EXPECT_NEAR(v, a[r * cols + c], 1e-9) << rows << "x" << cols << " at " << r << "," << c;
      }
    }
  }
  EXPECT_THAT(lapack::svd(nullptr, 0, 3), StatusIs(StatusCode::kInvalidArgument, HasSubstr("0 x 3")));
}

TEST(OpqTest, ZeroIterationsIsIdentity) {
  const size_t dim = 8, n = 300;
  std::vector<float> data = testing::random_floats(n, dim, 4);
  PqTrainOptions opts;
  opts.iterations = 5;
  opts.opq = true;
  opts.opq_iterations = 0;
  Result<ProductQuantizer> pq = ProductQuantizer::create(dim, 2, 4, Metric::kL2);
  ASSERT_THAT(pq, IsOk());
  VECDEX_ASSERT_OK(pq->train(MatrixView{data.data(), n, dim}, opts));
  ASSERT_TRUE(pq->has_rotation());
  for (size_t a = 0; a < dim; ++a)
    for (size_t b = 0; b < dim; ++b) EXPECT_EQ(pq->rotation()[a * dim + b], a == b ? 1.0f : 0.0f);
}

}  // namespace
}  // namespace vecdex::quant
