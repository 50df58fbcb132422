// ProductQuantizer without training: parameters, encode / decode / ADC with hand-set codebooks,
// the 4-bit layout, rotations, and the byte image (round trip and every kind of damage).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "quant/pq.h"
#include "testing/random_data.h"
#include "testing/status_matchers.h"

namespace vecdex::quant {
namespace {

using ::testing::HasSubstr;

ProductQuantizer make_pq(size_t dim, size_t m, size_t nbits, Metric metric, uint64_t seed,
                         bool rotate = false);

// A random orthogonal dim x dim matrix (Gram-Schmidt on Gaussian rows, in double).
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

ProductQuantizer make_pq(size_t dim, size_t m, size_t nbits, Metric metric, uint64_t seed,
                         bool rotate) {
  Result<ProductQuantizer> pq = ProductQuantizer::create(dim, m, nbits, metric);
  EXPECT_THAT(pq, IsOk());
  std::vector<float> books = testing::random_floats(pq->ksub() * dim, 1, seed);
  std::vector<float> rotation = rotate ? random_rotation(dim, seed + 1) : std::vector<float>{};
  EXPECT_THAT(pq->set_centroids(books, rotation), IsOk());
  return std::move(pq).value();
}

// Brute-force nearest centroid of sub-vector j of the (rotated) vector.
uint32_t nearest(const ProductQuantizer& pq, const float* xr, size_t j) {
  uint32_t best = 0;
  double best_d = std::numeric_limits<double>::infinity();
  for (size_t c = 0; c < pq.ksub(); ++c) {
    const float* cen = pq.centroids().data() + (j * pq.ksub() + c) * pq.dsub();
    double d = 0;
    for (size_t t = 0; t < pq.dsub(); ++t) d += std::pow(double{xr[j * pq.dsub() + t]} - cen[t], 2);
    if (d < best_d) {
      best_d = d;
      best = static_cast<uint32_t>(c);
    }
  }
  return best;
}

TEST(PqCreateTest, RejectsBadParameters) {
  EXPECT_THAT(ProductQuantizer::create(0, 4, 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("positive")));
  EXPECT_THAT(ProductQuantizer::create(16, 0, 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("m 0")));
  EXPECT_THAT(ProductQuantizer::create(10, 4, 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("not divisible by m 4")));
  EXPECT_THAT(ProductQuantizer::create(16, 4, 6, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("nbits must be 4 or 8, got 6")));
  EXPECT_THAT(ProductQuantizer::create(ProductQuantizer::kMaxDim * 2, 2, 8, Metric::kL2),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("maximum")));
  EXPECT_THAT(ProductQuantizer::create(16, 4, 8, static_cast<Metric>(7)),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("metric")));
}

TEST(PqCreateTest, ReportsGeometry) {
  Result<ProductQuantizer> pq = ProductQuantizer::create(784, 392, 4, Metric::kInnerProduct);
  ASSERT_THAT(pq, IsOk());
  EXPECT_EQ(pq->ksub(), 16u);
  EXPECT_EQ(pq->dsub(), 2u);
  EXPECT_EQ(pq->code_bytes(), 196u);
  EXPECT_FALSE(pq->is_trained());
  Result<ProductQuantizer> odd = ProductQuantizer::create(12, 3, 4, Metric::kL2);
  ASSERT_THAT(odd, IsOk());
  EXPECT_EQ(odd->code_bytes(), 2u);
  Result<ProductQuantizer> eight = ProductQuantizer::create(128, 16, 8, Metric::kL2);
  EXPECT_EQ(eight->code_bytes(), 16u);
}

TEST(PqCreateTest, SetCentroidsRejectsWrongSizesAndNonFinite) {
  Result<ProductQuantizer> pq = ProductQuantizer::create(8, 4, 4, Metric::kL2);
  ASSERT_THAT(pq, IsOk());
  std::vector<float> books(16 * 8, 0.5f);
  EXPECT_THAT(pq->set_centroids(std::span<const float>(books).first(100)),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("expected m * ksub * dsub")));
  std::vector<float> bad_rotation(10, 0.0f);
  EXPECT_THAT(pq->set_centroids(books, bad_rotation),
              StatusIs(StatusCode::kInvalidArgument, HasSubstr("rotation has 10 floats")));
  books[5] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THAT(pq->set_centroids(books), StatusIs(StatusCode::kInvalidArgument, HasSubstr("5")));
  EXPECT_FALSE(pq->is_trained());
  EXPECT_THAT(ProductQuantizer().set_centroids(books),
              StatusIs(StatusCode::kFailedPrecondition, HasSubstr("not created")));
}

struct Shape {
  size_t dim, m, nbits;
  Metric metric;
  bool rotate;
};

class PqShapeTest : public ::testing::TestWithParam<Shape> {};

TEST_P(PqShapeTest, EncodePicksNearestCentroidPerSubspace) {
  const Shape s = GetParam();
  ProductQuantizer pq = make_pq(s.dim, s.m, s.nbits, s.metric, 7, s.rotate);
  std::vector<float> x = testing::random_floats(50, s.dim, 8);
  std::vector<uint8_t> code(pq.code_bytes());
  std::vector<float> xr(s.dim);
  for (size_t i = 0; i < 50; ++i) {
    pq.encode(x.data() + i * s.dim, code.data());
    pq.rotate(x.data() + i * s.dim, xr.data());
    for (size_t j = 0; j < s.m; ++j) ASSERT_EQ(pq.code_at(code.data(), j), nearest(pq, xr.data(), j));
  }
}

TEST_P(PqShapeTest, DecodeRebuildsCentroidsInOriginalSpace) {
  const Shape s = GetParam();
  ProductQuantizer pq = make_pq(s.dim, s.m, s.nbits, s.metric, 9, s.rotate);
  std::vector<float> x = testing::random_floats(1, s.dim, 10);
  std::vector<uint8_t> code(pq.code_bytes());
  pq.encode(x.data(), code.data());
  std::vector<float> decoded(s.dim), back(s.dim);
  pq.decode(code.data(), decoded.data());
  pq.rotate(decoded.data(), back.data());  // R decode(code) = concatenated centroids
  for (size_t j = 0; j < s.m; ++j) {
    const float* cen = pq.centroids().data() + (j * pq.ksub() + pq.code_at(code.data(), j)) * pq.dsub();
    for (size_t t = 0; t < pq.dsub(); ++t) EXPECT_NEAR(back[j * pq.dsub() + t], cen[t], 1e-5);
  }
}

TEST_P(PqShapeTest, AdcEqualsDistanceToDecodedVector) {
  const Shape s = GetParam();
  ProductQuantizer pq = make_pq(s.dim, s.m, s.nbits, s.metric, 11, s.rotate);
  const size_t n = 40;
  std::vector<float> base = testing::random_floats(n, s.dim, 12);
  std::vector<float> query = testing::random_floats(1, s.dim, 13);
  std::vector<uint8_t> codes(n * pq.code_bytes());
  pq.encode_batch(MatrixView{base.data(), n, s.dim}, codes.data(), 2);
  std::vector<float> lut(pq.m() * pq.ksub());
  pq.compute_lut(query.data(), lut.data());
  std::vector<float> many(n);
  pq.adc_many(lut.data(), codes.data(), n, many.data());
  std::vector<float> decoded(s.dim);
  for (size_t i = 0; i < n; ++i) {
    const uint8_t* code = codes.data() + i * pq.code_bytes();
    pq.decode(code, decoded.data());
    double want = 0;
    for (size_t t = 0; t < s.dim; ++t) {
      want += s.metric == Metric::kL2 ? std::pow(double{query[t]} - decoded[t], 2)
                                      : -double{query[t]} * decoded[t];
    }
    const float one = pq.adc(lut.data(), code);
    EXPECT_EQ(one, many[i]);
    EXPECT_NEAR(one, want, 1e-4 * (1.0 + std::abs(want))) << "row " << i;
  }
}

TEST_P(PqShapeTest, EncodeBatchMatchesEncode) {
  const Shape s = GetParam();
  ProductQuantizer pq = make_pq(s.dim, s.m, s.nbits, s.metric, 14, s.rotate);
  const size_t n = 600;  // several encode blocks
  std::vector<float> base = testing::random_floats(n, s.dim, 15);
  std::vector<uint8_t> batch(n * pq.code_bytes()), one(pq.code_bytes());
  pq.encode_batch(MatrixView{base.data(), n, s.dim}, batch.data(), 0);
  for (size_t i = 0; i < n; ++i) {
    pq.encode(base.data() + i * s.dim, one.data());
    ASSERT_EQ(0, std::memcmp(one.data(), batch.data() + i * pq.code_bytes(), one.size()));
  }
}

TEST_P(PqShapeTest, SerializeRoundTripIsExact) {
  const Shape s = GetParam();
  ProductQuantizer pq = make_pq(s.dim, s.m, s.nbits, s.metric, 16, s.rotate);
  std::vector<uint8_t> image = pq.serialize();
  Result<ProductQuantizer> back = ProductQuantizer::deserialize(image);
  ASSERT_THAT(back, IsOk());
  EXPECT_EQ(back->dim(), pq.dim());
  EXPECT_EQ(back->m(), pq.m());
  EXPECT_EQ(back->nbits(), pq.nbits());
  EXPECT_EQ(back->metric(), pq.metric());
  EXPECT_EQ(back->has_rotation(), pq.has_rotation());
  EXPECT_TRUE(std::equal(pq.centroids().begin(), pq.centroids().end(), back->centroids().begin(),
                         back->centroids().end()));
  EXPECT_TRUE(std::equal(pq.rotation().begin(), pq.rotation().end(), back->rotation().begin(),
                         back->rotation().end()));
  EXPECT_EQ(back->serialize(), image);
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, PqShapeTest,
    ::testing::Values(Shape{16, 4, 8, Metric::kL2, false}, Shape{16, 4, 8, Metric::kInnerProduct, false},
                      Shape{15, 5, 8, Metric::kL2, true}, Shape{24, 8, 4, Metric::kL2, false},
                      Shape{21, 7, 4, Metric::kInnerProduct, false},  // odd m: half-used byte
                      Shape{12, 3, 4, Metric::kCosine, true}, Shape{10, 10, 8, Metric::kL2, false},
                      Shape{6, 1, 8, Metric::kInnerProduct, false}));

TEST(PqCodesTest, FourBitLayoutPutsEvenSubQuantizerInLowNibble) {
  ProductQuantizer pq = make_pq(5, 5, 4, Metric::kL2, 3);
  // Sub-space j of x sits exactly on centroid (j * 3 + 1) % 16.
  std::vector<float> x(5);
  for (size_t j = 0; j < 5; ++j) x[j] = pq.centroids()[j * 16 + (j * 3 + 1) % 16];
  std::vector<uint8_t> code(pq.code_bytes(), 0xAA);
  ASSERT_EQ(code.size(), 3u);
  pq.encode(x.data(), code.data());
  EXPECT_EQ(code[0], 1 | (4 << 4));
  EXPECT_EQ(code[1], 7 | (10 << 4));
  EXPECT_EQ(code[2], 13);  // the unused high nibble is zero
  for (size_t j = 0; j < 5; ++j) EXPECT_EQ(pq.code_at(code.data(), j), (j * 3 + 1) % 16);
}

TEST(PqCodesTest, EightBitCodeAtIsTheByte) {
  ProductQuantizer pq = make_pq(4, 4, 8, Metric::kL2, 3);
  const uint8_t code[4] = {0, 255, 17, 128};
  for (size_t j = 0; j < 4; ++j) EXPECT_EQ(pq.code_at(code, j), code[j]);
}

TEST(PqCodesTest, LutForInnerProductIsNegated) {
  ProductQuantizer pq = make_pq(4, 2, 4, Metric::kInnerProduct, 5);
  const float q[4] = {1.0f, 2.0f, -1.0f, 0.5f};
  std::vector<float> lut(2 * 16);
  pq.compute_lut(q, lut.data());
  for (size_t j = 0; j < 2; ++j) {
    for (size_t c = 0; c < 16; ++c) {
      const float* cen = pq.centroids().data() + (j * 16 + c) * 2;
      EXPECT_FLOAT_EQ(lut[j * 16 + c], -(q[2 * j] * cen[0] + q[2 * j + 1] * cen[1]));
    }
  }
}

TEST(PqSerializeTest, UntrainedRoundTrips) {
  Result<ProductQuantizer> pq = ProductQuantizer::create(32, 8, 4, Metric::kInnerProduct);
  ASSERT_THAT(pq, IsOk());
  Result<ProductQuantizer> back = ProductQuantizer::deserialize(pq->serialize());
  ASSERT_THAT(back, IsOk());
  EXPECT_FALSE(back->is_trained());
  EXPECT_EQ(back->m(), 8u);
  EXPECT_EQ(back->metric(), Metric::kInnerProduct);
}

TEST(PqSerializeTest, TruncatedImageIsCorruption) {
  ProductQuantizer pq = make_pq(12, 3, 8, Metric::kL2, 21, /*rotate=*/true);
  const std::vector<uint8_t> image = pq.serialize();
  for (size_t cut : {size_t{0}, size_t{3}, size_t{31}, size_t{32}, size_t{100},
                     image.size() - 12 * 12 * 4, image.size() - 1}) {
    EXPECT_THAT(ProductQuantizer::deserialize(std::span(image).first(cut)),
                StatusIs(StatusCode::kCorruption, HasSubstr("bytes")))
        << "cut at " << cut;
  }
  std::vector<uint8_t> longer = image;
  longer.push_back(0);
  EXPECT_THAT(ProductQuantizer::deserialize(longer),
              StatusIs(StatusCode::kCorruption, HasSubstr("expected")));
}

// Overwrites the u32 at `offset` and expects deserialize to fail naming `what`.
void expect_damaged(std::vector<uint8_t> image, size_t offset, uint32_t value, const char* what) {
  std::memcpy(image.data() + offset, &value, 4);
  EXPECT_THAT(ProductQuantizer::deserialize(image),
              StatusIs(StatusCode::kCorruption, HasSubstr(what)))
      << "offset " << offset << " value " << value;
}

TEST(PqSerializeTest, DamagedHeaderIsCorruption) {
  const std::vector<uint8_t> image = make_pq(12, 3, 8, Metric::kL2, 22).serialize();
  expect_damaged(image, 0, 0x12345678, "magic");
  expect_damaged(image, 4, 2, "version 2");
  expect_damaged(image, 8, 13, "not divisible");         // dim 13, m 3
  expect_damaged(image, 8, 0, "positive");               // dim 0
  expect_damaged(image, 12, 0, "positive");              // m 0
  expect_damaged(image, 16, 5, "nbits");
  expect_damaged(image, 20, 9, "metric");
  expect_damaged(image, 24, 8, "flags");
  expect_damaged(image, 24, 2, "rotation without codebooks");
  expect_damaged(image, 24, 3, "expected");              // claims a rotation that is not there
  expect_damaged(image, 8, 24, "expected");              // sizes no longer match
  float bad = 1.5f;
  uint32_t bits;
  std::memcpy(&bits, &bad, 4);
  expect_damaged(image, 28, bits, "anisotropic threshold");
  const float nan = std::numeric_limits<float>::quiet_NaN();
  std::memcpy(&bits, &nan, 4);
  expect_damaged(image, 28, bits, "anisotropic threshold");
  expect_damaged(image, 32 + 4 * 10, bits, "centroid value 10");
}

TEST(PqSerializeTest, NonFiniteRotationIsCorruption) {
  std::vector<uint8_t> image = make_pq(4, 2, 4, Metric::kL2, 23, /*rotate=*/true).serialize();
  const float inf = std::numeric_limits<float>::infinity();
  std::memcpy(image.data() + image.size() - 4, &inf, 4);
  EXPECT_THAT(ProductQuantizer::deserialize(image),
              StatusIs(StatusCode::kCorruption, HasSubstr("rotation value 15")));
}

}  // namespace
}  // namespace vecdex::quant
