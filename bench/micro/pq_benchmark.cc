// Product quantizer kernels: encode, decode, the ADC lookup table and ADC scans, for PQ16x8 and
// PQ64x8 at dim 128 and PQ16x8 / PQ392x4 at dim 784 (codebooks are random: speed does not depend
// on their quality). Bytes processed: input floats for encode / compute_lut, output floats for
// decode, code bytes for adc_many. BM_AnisotropicRecall is an evaluation, not a speed test: it
// trains plain and anisotropic PQ on synthetic inner-product data with varied norms and reports
// recall@10 of ranking every point by ADC against the exact inner-product top 10 (counters).
// Run: pq_benchmark --benchmark_filter=Adc
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <random>
#include <vector>

#include "quant/pq.h"

namespace vecdex::quant {
namespace {

constexpr size_t kScanCodes = 65536;

std::vector<float> random_floats(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> g;
  std::vector<float> out(n);
  for (float& v : out) v = g(rng);
  return out;
}

ProductQuantizer random_pq(size_t dim, size_t m, size_t nbits, Metric metric) {
  ProductQuantizer pq = ProductQuantizer::create(dim, m, nbits, metric).value();
  if (!pq.set_centroids(random_floats((size_t{1} << nbits) * dim, 1)).ok()) std::abort();
  return pq;
}

// Args: dim, m, nbits.
void Shapes(benchmark::internal::Benchmark* b) {
  b->ArgNames({"dim", "m", "nbits"});
  b->Args({128, 16, 8})->Args({128, 64, 8})->Args({784, 16, 8})->Args({784, 392, 4});
}

void BM_Encode(benchmark::State& state) {
  const size_t dim = state.range(0);
  const ProductQuantizer pq = random_pq(dim, state.range(1), state.range(2), Metric::kL2);
  const std::vector<float> x = random_floats(256 * dim, 2);
  std::vector<uint8_t> code(pq.code_bytes());
  size_t i = 0;
  for (auto _ : state) {
    pq.encode(x.data() + (i++ & 255) * dim, code.data());
    benchmark::DoNotOptimize(code.data());
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * dim * sizeof(float));
}
BENCHMARK(BM_Encode)->Apply(Shapes);

void BM_EncodeBatch(benchmark::State& state) {
  const size_t dim = state.range(0);
  const ProductQuantizer pq = random_pq(dim, state.range(1), state.range(2), Metric::kL2);
  const size_t n = 4096;
  const std::vector<float> x = random_floats(n * dim, 3);
  std::vector<uint8_t> codes(n * pq.code_bytes());
  for (auto _ : state) {
    pq.encode_batch(MatrixView{x.data(), n, dim}, codes.data(), 1);
    benchmark::DoNotOptimize(codes.data());
  }
  state.SetItemsProcessed(state.iterations() * n);
}
BENCHMARK(BM_EncodeBatch)->Apply(Shapes)->Unit(benchmark::kMillisecond);

void BM_EncodeAnisotropic(benchmark::State& state) {
  const size_t dim = 128, m = state.range(0), n = 4096;
  ProductQuantizer pq = ProductQuantizer::create(dim, m, 8, Metric::kInnerProduct).value();
  const std::vector<float> x = random_floats(n * dim, 4);
  PqTrainOptions opts;
  opts.iterations = 4;
  opts.anisotropic_threshold = 0.2f;
  opts.anisotropic_iterations = 2;
  if (!pq.train(MatrixView{x.data(), n, dim}, opts).ok()) std::abort();
  std::vector<uint8_t> code(pq.code_bytes());
  size_t i = 0;
  for (auto _ : state) {
    pq.encode(x.data() + (i++ % n) * dim, code.data());
    benchmark::DoNotOptimize(code.data());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_EncodeAnisotropic)->ArgName("m")->Arg(16)->Arg(64);

void BM_Decode(benchmark::State& state) {
  const size_t dim = state.range(0);
  const ProductQuantizer pq = random_pq(dim, state.range(1), state.range(2), Metric::kL2);
  std::vector<uint8_t> code(pq.code_bytes());
  std::iota(code.begin(), code.end(), uint8_t{0});
  std::vector<float> out(dim);
  for (auto _ : state) {
    pq.decode(code.data(), out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(state.iterations() * dim * sizeof(float));
}
BENCHMARK(BM_Decode)->Apply(Shapes);

void BM_ComputeLut(benchmark::State& state) {
  const size_t dim = state.range(0);
  const Metric metric = state.range(3) ? Metric::kInnerProduct : Metric::kL2;
  const ProductQuantizer pq = random_pq(dim, state.range(1), state.range(2), metric);
  const std::vector<float> q = random_floats(dim, 5);
  std::vector<float> lut(pq.m() * pq.ksub());
  for (auto _ : state) {
    pq.compute_lut(q.data(), lut.data());
    benchmark::DoNotOptimize(lut.data());
  }
  state.SetBytesProcessed(state.iterations() * pq.centroids().size() * sizeof(float));
}
BENCHMARK(BM_ComputeLut)
    ->ArgNames({"dim", "m", "nbits", "ip"})
    ->Args({128, 16, 8, 0})->Args({128, 16, 8, 1})->Args({128, 64, 8, 0})
    ->Args({784, 16, 8, 0})->Args({784, 392, 4, 0});

void BM_AdcMany(benchmark::State& state) {
  const size_t dim = state.range(0);
  const ProductQuantizer pq = random_pq(dim, state.range(1), state.range(2), Metric::kL2);
  std::mt19937_64 rng(6);
  std::vector<uint8_t> codes(kScanCodes * pq.code_bytes());
  for (uint8_t& c : codes) c = static_cast<uint8_t>(rng());
  const std::vector<float> q = random_floats(dim, 7);
  std::vector<float> lut(pq.m() * pq.ksub()), out(kScanCodes);
  pq.compute_lut(q.data(), lut.data());
  for (auto _ : state) {
    pq.adc_many(lut.data(), codes.data(), kScanCodes, out.data());
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kScanCodes);
  state.SetBytesProcessed(state.iterations() * codes.size());
}
BENCHMARK(BM_AdcMany)->Apply(Shapes);

// Training time on 20k Gaussian rows. Args: dim, m, nbits, mode (0 plain, 1 OPQ with 10 rounds,
// 2 anisotropic T = 0.2 with 10 rounds); all cores.
void BM_Train(benchmark::State& state) {
  const size_t dim = state.range(0), n = 20000;
  const std::vector<float> x = random_floats(n * dim, 8);
  PqTrainOptions opts;
  opts.opq = state.range(3) == 1;
  if (state.range(3) == 2) opts.anisotropic_threshold = 0.2f;
  const Metric metric = state.range(3) == 2 ? Metric::kInnerProduct : Metric::kL2;
  for (auto _ : state) {
    ProductQuantizer pq =
        ProductQuantizer::create(dim, state.range(1), state.range(2), metric).value();
    if (!pq.train(MatrixView{x.data(), n, dim}, opts).ok()) std::abort();
  }
}
BENCHMARK(BM_Train)
    ->ArgNames({"dim", "m", "nbits", "mode"})
    ->ArgsProduct({{128}, {16, 64}, {8}, {0, 1, 2}})
    ->Iterations(1)->Unit(benchmark::kSecond)->UseRealTime();

// ---- evaluation: anisotropic vs plain PQ, recall@10 by inner product -----------------------

// Gaussian clusters scaled row by row by factors in [0.3, 3): varied norms, as in MIPS data.
std::vector<float> varied_norm_data(size_t rows, size_t dim, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f), scale(0.3f, 3.0f);
  std::normal_distribution<float> noise(0.0f, 0.4f);
  const size_t clusters = 100;
  std::vector<float> centres(clusters * dim);
  for (float& c : centres) c = u(rng);
  std::vector<float> out(rows * dim);
  for (size_t i = 0; i < rows; ++i) {
    const float* c = centres.data() + (rng() % clusters) * dim;
    const float s = scale(rng);
    for (size_t t = 0; t < dim; ++t) out[i * dim + t] = s * (c[t] + noise(rng));
  }
  return out;
}

double ip_recall_at_10(const ProductQuantizer& pq, const std::vector<float>& base,
                       const std::vector<float>& queries) {
  const size_t dim = pq.dim(), n = base.size() / dim, nq = queries.size() / dim, k = 10;
  std::vector<uint8_t> codes(n * pq.code_bytes());
  pq.encode_batch(MatrixView{base.data(), n, dim}, codes.data(), 0);
  std::vector<float> lut(pq.m() * pq.ksub()), approx(n), exact(n);
  std::vector<uint32_t> a(n), e(n);
  size_t hits = 0;
  for (size_t q = 0; q < nq; ++q) {
    const float* query = queries.data() + q * dim;
    for (size_t i = 0; i < n; ++i) {
      double s = 0;
      for (size_t t = 0; t < dim; ++t) s += double{query[t]} * base[i * dim + t];
      exact[i] = static_cast<float>(-s);
    }
    pq.compute_lut(query, lut.data());
    pq.adc_many(lut.data(), codes.data(), n, approx.data());
    std::iota(a.begin(), a.end(), 0u);
    std::iota(e.begin(), e.end(), 0u);
    std::partial_sort(a.begin(), a.begin() + k, a.end(),
                      [&](uint32_t x, uint32_t y) { return approx[x] < approx[y]; });
    std::partial_sort(e.begin(), e.begin() + k, e.end(),
                      [&](uint32_t x, uint32_t y) { return exact[x] < exact[y]; });
    for (size_t i = 0; i < k; ++i) hits += std::count(e.begin(), e.begin() + k, a[i]);
  }
  return static_cast<double>(hits) / static_cast<double>(nq * k);
}

// Args: m, nbits, threshold T in hundredths, unit (1 = rows normalised to unit length).
void BM_AnisotropicRecall(benchmark::State& state) {
  const size_t dim = 64, n = 20000, m = state.range(0), nbits = state.range(1);
  const float threshold = static_cast<float>(state.range(2)) / 100.0f;
  std::vector<float> base = varied_norm_data(n, dim, 11);
  if (state.range(3)) {
    for (size_t i = 0; i < n; ++i) {
      double norm = 0;
      for (size_t t = 0; t < dim; ++t) norm += double{base[i * dim + t]} * base[i * dim + t];
      for (size_t t = 0; t < dim; ++t) base[i * dim + t] /= static_cast<float>(std::sqrt(norm));
    }
  }
  const std::vector<float> queries = random_floats(200 * dim, 12);
  double plain = 0, aq = 0;
  for (auto _ : state) {
    PqTrainOptions opts;
    opts.iterations = 15;
    ProductQuantizer p = ProductQuantizer::create(dim, m, nbits, Metric::kInnerProduct).value();
    if (!p.train(MatrixView{base.data(), n, dim}, opts).ok()) std::abort();
    opts.anisotropic_threshold = threshold;
    ProductQuantizer a = ProductQuantizer::create(dim, m, nbits, Metric::kInnerProduct).value();
    if (!a.train(MatrixView{base.data(), n, dim}, opts).ok()) std::abort();
    plain = ip_recall_at_10(p, base, queries);
    aq = ip_recall_at_10(a, base, queries);
  }
  state.counters["recall_plain"] = plain;
  state.counters["recall_aq"] = aq;
}
BENCHMARK(BM_AnisotropicRecall)
    ->ArgNames({"m", "nbits", "T100", "unit"})
    ->ArgsProduct({{16, 32}, {4, 8}, {20, 30}, {0, 1}})
    ->Iterations(1)->Unit(benchmark::kSecond);

}  // namespace
}  // namespace vecdex::quant

BENCHMARK_MAIN();
