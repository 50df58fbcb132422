// k-means training and nearest-centroid assignment (cluster/kmeans.h) on Fashion-MNIST
// (60000 x 784, Debian's dataset-fashion-mnist; a seeded Gaussian mixture of the same shape when
// the file is absent). bench/kmeans_compare.py runs the KMeans cases next to faiss.Kmeans.
//   BM_KMeans/<k>/<threads>/<init>   20 Lloyd iterations; init 0 = k-means++, 1 = random
//   BM_AssignNearest/<k>/<threads>   one assignment pass of all 60000 rows
//   BM_NearestCentroids/<k>/<rows>/<n>  IVF probe selection (rows = query batch, n = nprobe)
// Run: kmeans_benchmark --benchmark_filter='KMeans/1024'
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <vector>

#include "cluster/kmeans.h"
#include "vecdex/dataset.h"

namespace vecdex::cluster {
namespace {

constexpr const char* kFashionMnist =
    "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz";

const FloatMatrix& training_data() {
  static const FloatMatrix data = [] {
    const char* path = std::getenv("VECDEX_KMEANS_DATA");
    auto read = read_vectors(path != nullptr ? path : kFashionMnist);
    if (read.ok()) return std::move(read).value();
    auto synthetic = generate_clustered({.n = 60000, .n_queries = 0, .dim = 784,
                                         .clusters = 100, .spread = 4.0f, .seed = 42});
    if (!synthetic.ok()) std::abort();
    return std::move(synthetic->base);
  }();
  return data;
}

MatrixView view_of(const FloatMatrix& m) { return MatrixView{m.data.data(), m.rows, m.dim}; }

void BM_KMeans(benchmark::State& state) {
  const MatrixView data = view_of(training_data());
  KMeansOptions o;
  o.k = static_cast<size_t>(state.range(0));
  o.threads = static_cast<uint32_t>(state.range(1));
  o.init = state.range(2) == 0 ? KMeansInit::kPlusPlus : KMeansInit::kRandom;
  o.iterations = 20;
  double objective = 0;
  size_t iterations = 0;
  for (auto _ : state) {
    auto r = kmeans(data, o);
    if (!r.ok()) {
      state.SkipWithError(r.status().to_string().c_str());
      return;
    }
    objective = r->objective;
    iterations = r->iterations_run;
  }
  state.counters["objective"] = objective;
  state.counters["lloyd_iters"] = static_cast<double>(iterations);
  state.counters["rows"] = static_cast<double>(data.rows);
}
BENCHMARK(BM_KMeans)
    ->ArgsProduct({{256, 1024}, {1, 2}, {0, 1}})
    ->Unit(benchmark::kSecond)
    ->MeasureProcessCPUTime()  // CPU time of all threads: less skewed by a busy machine
    ->UseRealTime()
    ->Iterations(1);

// Centroids for the assignment cases: k rows of the data, spread through it.
std::vector<float> some_centroids(MatrixView data, size_t k) {
  std::vector<float> c;
  for (size_t j = 0; j < k; ++j) {
    const float* r = data.row(j * (data.rows / k));
    c.insert(c.end(), r, r + data.dim);
  }
  return c;
}

void BM_AssignNearest(benchmark::State& state) {
  const MatrixView data = view_of(training_data());
  const size_t k = static_cast<size_t>(state.range(0));
  const std::vector<float> c = some_centroids(data, k);
  std::vector<uint32_t> labels(data.rows);
  std::vector<float> dist(data.rows);
  for (auto _ : state) {
    assign_nearest(data, c.data(), k, false, labels.data(), dist.data(),
                   static_cast<uint32_t>(state.range(1)));
    benchmark::DoNotOptimize(labels.data());
  }
  // Multiply-adds of the row x centroid products, as GFLOP/s (2 flops each).
  state.counters["GFLOPS"] = benchmark::Counter(
      2.0 * double(data.rows) * double(k) * double(data.dim) * double(state.iterations()),
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AssignNearest)
    ->ArgsProduct({{256, 1024}, {1, 2}})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

void BM_NearestCentroids(benchmark::State& state) {
  const MatrixView data = view_of(training_data());
  const size_t k = static_cast<size_t>(state.range(0));
  const size_t rows = static_cast<size_t>(state.range(1));
  const size_t n = static_cast<size_t>(state.range(2));
  const std::vector<float> c = some_centroids(data, k);
  const MatrixView queries{data.row(1), rows, data.dim};  // rows that are not centroids
  std::vector<uint32_t> labels(rows * n);
  std::vector<float> dist(rows * n);
  for (auto _ : state) {
    nearest_centroids(queries, c.data(), k, n, false, labels.data(), dist.data(), 1);
    benchmark::DoNotOptimize(labels.data());
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * rows));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * k * data.dim * 4));
}
BENCHMARK(BM_NearestCentroids)
    ->ArgsProduct({{1024, 4096}, {1, 16, 256}, {8, 64}})
    ->Unit(benchmark::kMicrosecond)
    ->UseRealTime();

}  // namespace
}  // namespace vecdex::cluster

BENCHMARK_MAIN();
