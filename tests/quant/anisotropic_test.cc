// Anisotropic (score-aware) PQ: the eta formula, that code refinement and the codebook update
// never raise the loss they minimise, that parallel error shrinks, and that maximum inner
// product recall beats plain PQ at the same code size on data with varied norms.
#include "quant/anisotropic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <set>
#include <vector>

#include "quant/codec_test_data.h"
#include "quant/pq.h"
#include "testing/status_matchers.h"

namespace vecdex::quant {
namespace {

// Clustered rows scaled by random factors in [0.3, 3): inner-product data with varied norms,
// where the largest-norm points win most queries.
std::vector<float> varied_norms(size_t rows, size_t dim, uint64_t seed) {
  std::vector<float> data = testing::clustered(rows, dim, 40, 0.4f, seed);
  std::mt19937_64 rng(seed + 100);
  std::uniform_real_distribution<float> scale(0.3f, 3.0f);
  for (size_t i = 0; i < rows; ++i) {
    const float s = scale(rng);
    for (size_t t = 0; t < dim; ++t) data[i * dim + t] *= s;
  }
  return data;
}

std::vector<float> gaussian(size_t rows, size_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> out(rows * dim);
  for (float& v : out) v = g(rng);
  return out;
}

// Recall@k of ranking all of base by ADC score against the exact inner-product top k.
double ip_recall(const ProductQuantizer& pq, const std::vector<float>& base,
                 const std::vector<float>& queries, size_t k) {
  const size_t dim = pq.dim();
  const size_t n = base.size() / dim;
  const size_t nq = queries.size() / dim;
  std::vector<uint8_t> codes(n * pq.code_bytes());
  pq.encode_batch(MatrixView{base.data(), n, dim}, codes.data(), 2);
  std::vector<float> lut(pq.m() * pq.ksub()), approx(n);
  size_t hits = 0;
  for (size_t q = 0; q < nq; ++q) {
    const float* query = queries.data() + q * dim;
    std::vector<double> exact(n), scores(n);
    for (size_t i = 0; i < n; ++i)
      exact[i] = testing::exact_distance(Metric::kInnerProduct, query, base.data() + i * dim, dim);
    pq.compute_lut(query, lut.data());
    pq.adc_many(lut.data(), codes.data(), n, approx.data());
    scores.assign(approx.begin(), approx.end());
    const std::vector<size_t> truth = testing::top_k(exact, k);
    const std::set<size_t> want(truth.begin(), truth.end());
    for (size_t id : testing::top_k(scores, k)) hits += want.count(id);
  }
  return static_cast<double>(hits) / static_cast<double>(nq * k);
}

ProductQuantizer trained(const std::vector<float>& data, size_t dim, size_t m, size_t nbits,
                         float threshold) {
  Result<ProductQuantizer> pq = ProductQuantizer::create(dim, m, nbits, Metric::kInnerProduct);
  EXPECT_THAT(pq, IsOk());
  PqTrainOptions opts;
  opts.iterations = 10;
  opts.threads = 2;
  opts.anisotropic_threshold = threshold;
  EXPECT_THAT(pq->train(MatrixView{data.data(), data.size() / dim, dim}, opts), IsOk());
  return std::move(pq).value();
}

TEST(AnisotropicTest, ParallelWeightFollowsTheorem) {
  // eta = (d - 1) T^2 / (1 - T^2): T = 0.2 in 100 dims gives 99 * 0.04 / 0.96 = 4.125.
  EXPECT_NEAR(anisotropic::parallel_weight(0.2f, 100), 4.125, 1e-5);
  EXPECT_NEAR(anisotropic::parallel_weight(0.5f, 4), 1.0, 1e-6);
  EXPECT_EQ(anisotropic::parallel_weight(0.5f, 1), 1.0);
  EXPECT_GT(anisotropic::parallel_weight(0.9f, 32), anisotropic::parallel_weight(0.3f, 32));
}

TEST(AnisotropicTest, LossWeighsParallelErrorByEta) {
  const float x[2] = {2.0f, 0.0f};
  const float along[2] = {1.5f, 0.0f};   // residual (0.5, 0): all parallel
  const float across[2] = {2.0f, 0.5f};  // residual (0, -0.5): all orthogonal
  EXPECT_NEAR(anisotropic::score_aware_loss(x, along, 2, 4.0), 4.0 * 0.25, 1e-9);
  EXPECT_NEAR(anisotropic::score_aware_loss(x, across, 2, 4.0), 0.25, 1e-9);
  const float zero[2] = {0.0f, 0.0f};
  EXPECT_NEAR(anisotropic::score_aware_loss(zero, along, 2, 4.0), 2.25, 1e-9);
}

TEST(AnisotropicTest, RefineAndUpdateNeverRaiseTheLoss) {
  const size_t dim = 16, m = 4, ksub = 16, dsub = 4, n = 400;
  const double eta = 6.0;
  std::vector<float> data = varied_norms(n, dim, 1);
  std::vector<float> books = gaussian(m * ksub * dsub, 1, 2);
  std::vector<uint32_t> labels(n * m);
  std::mt19937 rng(3);
  for (uint32_t& l : labels) l = rng() % ksub;
  auto total_loss = [&] {
    double sum = 0;
    std::vector<float> xhat(dim);
    for (size_t i = 0; i < n; ++i) {
      for (size_t j = 0; j < m; ++j)
        for (size_t t = 0; t < dsub; ++t)
          xhat[j * dsub + t] = books[(j * ksub + labels[i * m + j]) * dsub + t];
      sum += anisotropic::score_aware_loss(data.data() + i * dim, xhat.data(), dim, eta);
    }
    return sum;
  };
  double before = total_loss();
  for (int round = 0; round < 3; ++round) {
    const anisotropic::Codebooks view{books.data(), m, ksub, dsub};
    for (size_t i = 0; i < n; ++i)
      anisotropic::refine_labels(view, data.data() + i * dim, eta, 8, labels.data() + i * m);
    const double refined = total_loss();
    EXPECT_LE(refined, before * (1 + 1e-6)) << "round " << round;
    anisotropic::update_codebooks(books.data(), m, ksub, dsub, MatrixView{data.data(), n, dim},
                                  labels.data(), eta, 2);
    const double updated = total_loss();
    EXPECT_LE(updated, refined * (1 + 1e-6)) << "round " << round;
    before = updated;
  }
}

TEST(AnisotropicTest, UpdateWithEtaOneIsTheMean) {
  // eta = 1 is plain squared error: each centroid becomes the mean of its rows.
  const size_t dim = 4, m = 2, ksub = 2, dsub = 2, n = 4;
  const std::vector<float> data = {1, 2, 3, 4,  3, 4, 5, 6,  -1, 0, 0, 1,  -3, -2, 0, 3};
  const std::vector<uint32_t> labels = {0, 1, 0, 1, 1, 0, 1, 0};
  std::vector<float> books(m * ksub * dsub, 9.0f);
  anisotropic::update_codebooks(books.data(), m, ksub, dsub, MatrixView{data.data(), n, dim},
                                labels.data(), 1.0, 1);
  const std::vector<float> want = {2, 3, -2, -1,  0, 2, 4, 5};
  for (size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(books[i], want[i], 1e-5) << i;
}

TEST(AnisotropicTest, ShrinksParallelResidual) {
  const size_t dim = 32, n = 2000;
  std::vector<float> data = varied_norms(n, dim, 4);
  const ProductQuantizer plain = trained(data, dim, 8, 4, 0.0f);
  const ProductQuantizer aq = trained(data, dim, 8, 4, 0.4f);
  EXPECT_GT(aq.anisotropic_threshold(), 0.0f);
  auto parallel_error = [&](const ProductQuantizer& pq) {
    std::vector<uint8_t> code(pq.code_bytes());
    std::vector<float> decoded(dim);
    double sum = 0;
    for (size_t i = 0; i < n; ++i) {
      const float* x = data.data() + i * dim;
      pq.encode(x, code.data());
      pq.decode(code.data(), decoded.data());
      double xr = 0, x2 = 0;
      for (size_t t = 0; t < dim; ++t) {
        xr += x[t] * (double{x[t]} - decoded[t]);
        x2 += double{x[t]} * x[t];
      }
      sum += xr * xr / x2;
    }
    return sum / static_cast<double>(n);
  };
  EXPECT_LT(parallel_error(aq), 0.7 * parallel_error(plain));
}

TEST(AnisotropicTest, BeatsPlainPqOnInnerProductRecall) {
  const size_t dim = 32, n = 4000, k = 10;
  std::vector<float> base = varied_norms(n, dim, 5);
  std::vector<float> queries = gaussian(40, dim, 6);
  const double plain = ip_recall(trained(base, dim, 8, 4, 0.0f), base, queries, k);
  const double aq = ip_recall(trained(base, dim, 8, 4, 0.4f), base, queries, k);
  RecordProperty("recall_plain", std::to_string(plain));
  RecordProperty("recall_anisotropic", std::to_string(aq));
  EXPECT_GT(aq, plain + 0.02) << "plain " << plain << " anisotropic " << aq;
}

TEST(AnisotropicTest, CombinesWithOpq) {
  const size_t dim = 16, n = 1500, k = 10;
  std::vector<float> base = varied_norms(n, dim, 8);
  std::vector<float> queries = gaussian(30, dim, 9);
  Result<ProductQuantizer> pq = ProductQuantizer::create(dim, 4, 4, Metric::kInnerProduct);
  ASSERT_THAT(pq, IsOk());
  PqTrainOptions opts;
  opts.iterations = 8;
  opts.threads = 2;
  opts.opq = true;
  opts.opq_iterations = 3;
  opts.anisotropic_threshold = 0.3f;
  VECDEX_ASSERT_OK(pq->train(MatrixView{base.data(), n, dim}, opts));
  EXPECT_TRUE(pq->has_rotation());
  EXPECT_EQ(pq->anisotropic_threshold(), 0.3f);
  // Sanity floor: far better than a random ranking (k / n = 0.7%).
  EXPECT_GT(ip_recall(*pq, base, queries, k), 0.2);
}

TEST(AnisotropicTest, SurvivesSerialization) {
  const size_t dim = 16, n = 500;
  std::vector<float> base = varied_norms(n, dim, 7);
  const ProductQuantizer aq = trained(base, dim, 4, 4, 0.3f);
  Result<ProductQuantizer> back = ProductQuantizer::deserialize(aq.serialize());
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->anisotropic_threshold(), 0.3f);
  std::vector<uint8_t> c1(aq.code_bytes()), c2(aq.code_bytes());
  for (size_t i = 0; i < n; ++i) {
    aq.encode(base.data() + i * dim, c1.data());
    back->encode(base.data() + i * dim, c2.data());
    ASSERT_EQ(c1, c2);
  }
}

}  // namespace
}  // namespace vecdex::quant
