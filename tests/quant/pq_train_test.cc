// ProductQuantizer::train: input checks, reconstruction error, ranking quality against exact
// search, determinism, and that trained state survives serialize / deserialize.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <vector>

#include "quant/codec_test_data.h"
#include "quant/pq.h"
#include "testing/status_matchers.h"

namespace vecdex::quant {
namespace {

using ::testing::HasSubstr;

ProductQuantizer create(size_t dim, size_t m, size_t nbits, Metric metric) {
  Result<ProductQuantizer> pq = ProductQuantizer::create(dim, m, nbits, metric);
  EXPECT_THAT(pq, IsOk());
  return std::move(pq).value();
}

PqTrainOptions fast_options() {
  PqTrainOptions opts;
  opts.iterations = 10;
  opts.threads = 2;
  return opts;
}

// Mean squared reconstruction error per vector.
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

// Mean squared norm of data minus its mean (what a single centroid would leave).
double variance(const std::vector<float>& data, size_t dim) {
  const size_t n = data.size() / dim;
  std::vector<double> mean(dim, 0.0);
  for (size_t i = 0; i < data.size(); ++i) mean[i % dim] += data[i] / static_cast<double>(n);
  double sum = 0;
  for (size_t i = 0; i < data.size(); ++i) sum += std::pow(data[i] - mean[i % dim], 2);
  return sum / static_cast<double>(n);
}

// Recall@k of ranking every base vector by ADC against exact ranking (metric's convention).
double adc_recall(const ProductQuantizer& pq, const std::vector<float>& base,
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
      exact[i] = testing::exact_distance(pq.metric(), query, base.data() + i * dim, dim);
    pq.compute_lut(query, lut.data());
    pq.adc_many(lut.data(), codes.data(), n, approx.data());
    scores.assign(approx.begin(), approx.end());
    std::vector<size_t> truth = testing::top_k(exact, k);
    std::vector<size_t> got = testing::top_k(scores, k);
    std::set<size_t> want(truth.begin(), truth.end());
    for (size_t id : got) hits += want.count(id);
  }
  return static_cast<double>(hits) / static_cast<double>(nq * k);
}

TEST(PqTrainTest, RejectsBadInput) {
  ProductQuantizer pq = create(16, 4, 4, Metric::kL2);
  std::vector<float> data = testing::clustered(100, 16, 5, 0.1f, 1);
  EXPECT_THAT(pq.train(MatrixView{data.data(), 50, 32}, {}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim 32, quantizer dim is 16")));
  EXPECT_THAT(pq.train(MatrixView{data.data(), 15, 16}, {}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("15 training rows, need at least")));
  std::vector<float> nan = data;
  nan[3 * 16 + 5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(pq.train(MatrixView{nan.data(), 100, 16}, {}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("row 3 dimension 5")));
  nan[3 * 16 + 5] = std::numeric_limits<float>::infinity();
  EXPECT_THAT(pq.train(MatrixView{nan.data(), 100, 16}, {}),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("inf")));
  PqTrainOptions aq;
  aq.anisotropic_threshold = 0.2f;
  EXPECT_THAT(pq.train(MatrixView{data.data(), 100, 16}, aq),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not l2")));
  ProductQuantizer ip = create(16, 4, 4, Metric::kInnerProduct);
  for (float t : {-0.1f, 1.0f, 2.0f, std::numeric_limits<float>::quiet_NaN()}) {
    aq.anisotropic_threshold = t;
    EXPECT_THAT(ip.train(MatrixView{data.data(), 100, 16}, aq),
                StatusIs(StatusCode::kInvalidArgument, HasSubstr("outside (0, 1)")));
  }
  PqTrainOptions zero;
  zero.iterations = 0;
  EXPECT_THAT(pq.train(MatrixView{data.data(), 100, 16}, zero),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("iterations")));
  zero = {};
  zero.max_points_per_centroid = 0;
  EXPECT_THAT(pq.train(MatrixView{data.data(), 100, 16}, zero),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("max_points_per_centroid")));
  EXPECT_FALSE(pq.is_trained());
  EXPECT_THAT(ProductQuantizer().train(MatrixView{data.data(), 100, 16}, {}),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("not created")));
}

TEST(PqTrainTest, ReconstructionErrorIsFarBelowVariance) {
  const size_t dim = 32;
  std::vector<float> data = testing::clustered(3000, dim, 30, 0.05f, 2);
  for (size_t nbits : {4, 8}) {
    ProductQuantizer pq = create(dim, 8, nbits, Metric::kL2);
    VECDEX_ASSERT_OK(pq.train(MatrixView{data.data(), 3000, dim}, fast_options()));
    ASSERT_TRUE(pq.is_trained());
    EXPECT_FALSE(pq.has_rotation());
    const double err = mse(pq, data);
    // 30 clusters with noise variance 32 * 0.05^2 = 0.08: the codebooks must capture the centres.
    EXPECT_LT(err, 0.1 * variance(data, dim)) << "nbits " << nbits;
    // PQ8x8 has 256 centroids per sub-space for 30 centres: below the noise itself.
    if (nbits == 8) {
      EXPECT_LT(err, 0.08);
    }
  }
}

TEST(PqTrainTest, MoreBitsAndMoreSubspacesLowerTheError) {
  const size_t dim = 32;
  std::vector<float> data = testing::clustered(3000, dim, 300, 0.2f, 3);
  const MatrixView view{data.data(), 3000, dim};
  ProductQuantizer coarse = create(dim, 4, 4, Metric::kL2);
  ProductQuantizer more_bits = create(dim, 4, 8, Metric::kL2);
  ProductQuantizer more_m = create(dim, 16, 4, Metric::kL2);
  VECDEX_ASSERT_OK(coarse.train(view, fast_options()));
  VECDEX_ASSERT_OK(more_bits.train(view, fast_options()));
  VECDEX_ASSERT_OK(more_m.train(view, fast_options()));
  EXPECT_LT(mse(more_bits, data), 0.9 * mse(coarse, data));
  EXPECT_LT(mse(more_m, data), 0.9 * mse(coarse, data));
}

TEST(PqTrainTest, AdcRecallAgainstExactSearch) {
  const size_t dim = 32;
  std::vector<float> base = testing::clustered(2000, dim, 50, 0.3f, 4);
  std::vector<float> queries = testing::clustered(30, dim, 50, 0.3f, 4);  // same centres
  for (Metric metric : {Metric::kL2, Metric::kInnerProduct}) {
    ProductQuantizer pq = create(dim, 16, 8, metric);
    VECDEX_ASSERT_OK(pq.train(MatrixView{base.data(), 2000, dim}, fast_options()));
    // PQ16x8 on 32 dims keeps 2 floats per byte: the top 10 should mostly survive.
    EXPECT_GT(adc_recall(pq, base, queries, 10), 0.6) << metric_name(metric);
  }
}

TEST(PqTrainTest, SameSeedGivesSameCodebooks) {
  const size_t dim = 16;
  std::vector<float> data = testing::clustered(1200, dim, 20, 0.2f, 5);
  const MatrixView view{data.data(), 1200, dim};
  PqTrainOptions opts = fast_options();
  ProductQuantizer a = create(dim, 4, 8, Metric::kL2), b = create(dim, 4, 8, Metric::kL2);
  VECDEX_ASSERT_OK(a.train(view, opts));
  opts.threads = 1;  // results must not depend on the thread count
  VECDEX_ASSERT_OK(b.train(view, opts));
  EXPECT_TRUE(std::equal(a.centroids().begin(), a.centroids().end(), b.centroids().begin(),
                         b.centroids().end()));
  opts.seed = 99;
  ProductQuantizer c = create(dim, 4, 8, Metric::kL2);
  VECDEX_ASSERT_OK(c.train(view, opts));
  EXPECT_FALSE(std::equal(a.centroids().begin(), a.centroids().end(), c.centroids().begin(),
                          c.centroids().end()));
}

TEST(PqTrainTest, SamplesLargeTrainingSets) {
  // 4 points per centroid cap: trains on 64 of the 2000 rows, still a usable quantizer.
  const size_t dim = 8;
  std::vector<float> data = testing::clustered(2000, dim, 10, 0.05f, 6);
  PqTrainOptions opts = fast_options();
  opts.max_points_per_centroid = 4;
  ProductQuantizer pq = create(dim, 2, 4, Metric::kL2);
  VECDEX_ASSERT_OK(pq.train(MatrixView{data.data(), 2000, dim}, opts));
  EXPECT_LT(mse(pq, data), 0.2 * variance(data, dim));
}

TEST(PqTrainTest, RetrainingReplacesCodebooks) {
  const size_t dim = 8;
  std::vector<float> a = testing::clustered(500, dim, 10, 0.05f, 7);
  std::vector<float> b = testing::clustered(500, dim, 10, 0.05f, 8);
  ProductQuantizer pq = create(dim, 2, 4, Metric::kL2);
  VECDEX_ASSERT_OK(pq.train(MatrixView{a.data(), 500, dim}, fast_options()));
  VECDEX_ASSERT_OK(pq.train(MatrixView{b.data(), 500, dim}, fast_options()));
  EXPECT_LT(mse(pq, b), 0.2 * variance(b, dim));
}

TEST(PqTrainTest, TrainedQuantizerSurvivesSerialization) {
  const size_t dim = 24;
  std::vector<float> data = testing::clustered(800, dim, 10, 0.2f, 9);
  PqTrainOptions opts = fast_options();
  opts.opq = true;
  opts.opq_iterations = 2;
  ProductQuantizer pq = create(dim, 6, 4, Metric::kInnerProduct);
  VECDEX_ASSERT_OK(pq.train(MatrixView{data.data(), 800, dim}, opts));
  Result<ProductQuantizer> back = ProductQuantizer::deserialize(pq.serialize());
  ASSERT_THAT(back, IsOk());
  std::vector<uint8_t> c1(pq.code_bytes()), c2(pq.code_bytes());
  for (size_t i = 0; i < 800; i += 37) {
    pq.encode(data.data() + i * dim, c1.data());
    back->encode(data.data() + i * dim, c2.data());
    EXPECT_EQ(c1, c2);
  }
}

}  // namespace
}  // namespace vecdex::quant
