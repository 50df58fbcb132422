// Distance kernels per Highway target at typical embedding sizes, reported as GB/s of vector
// data read. Run: distance_benchmark --benchmark_filter='l2_f32/'.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "core/distance/distance.h"
#include "core/distance/half.h"

namespace vecdex::distance {
namespace {

std::vector<float> random_floats(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> out(n);
  for (float& v : out)
    v = dist(rng);
  return out;
}

template <typename T, typename Convert>
std::vector<T> convert_all(const std::vector<float>& in, Convert convert) {
  std::vector<T> out(in.size());
  for (size_t i = 0; i < in.size(); ++i)
    out[i] = convert(in[i]);
  return out;
}

// One pair of vectors of `dim` elements, scored repeatedly (they stay in L1).
template <typename T, typename Kernel>
void bench_pair(benchmark::State& state, Kernel kernel, std::vector<T> a, std::vector<T> b) {
  const size_t dim = a.size();
  for (auto _ : state) {
    benchmark::DoNotOptimize(kernel(a.data(), b.data(), dim));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * 2 * dim * sizeof(T)));
}

// One query against `n` rows, as exact search scans a flat index.
void bench_many(benchmark::State& state, decltype(KernelTable::l2_f32_many) kernel, size_t n,
                size_t dim) {
  const std::vector<float> q = random_floats(dim, 1);
  const std::vector<float> base = random_floats(n * dim, 2);
  std::vector<float> out(n);
  for (auto _ : state) {
    kernel(q.data(), base.data(), n, dim, out.data());
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * dim * sizeof(float)));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

void bench_rowwise(benchmark::State& state, decltype(KernelTable::l2_f32) kernel, size_t n,
                   size_t dim) {
  const std::vector<float> q = random_floats(dim, 1);
  const std::vector<float> base = random_floats(n * dim, 2);
  std::vector<float> out(n);
  for (auto _ : state) {
    for (size_t i = 0; i < n; ++i)
      out[i] = kernel(q.data(), base.data() + i * dim, dim);
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * n * dim * sizeof(float)));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
}

void register_all() {
  for (const KernelTable& k : runnable_kernel_tables()) {
    const std::string target = k.target_name;
    for (size_t dim : {128, 768, 1536}) {
      const std::vector<float> a = random_floats(dim, 3);
      const std::vector<float> b = random_floats(dim, 4);
      const std::string suffix = "/" + target + "/" + std::to_string(dim);
      benchmark::RegisterBenchmark(("l2_f32" + suffix).c_str(), [=](benchmark::State& s) {
        bench_pair<float>(s, k.l2_f32, a, b);
      });
      benchmark::RegisterBenchmark(("ip_f32" + suffix).c_str(), [=](benchmark::State& s) {
        bench_pair<float>(s, k.ip_f32, a, b);
      });
    }
    const size_t dim = 768;
    const std::vector<float> a = random_floats(dim, 5);
    const std::vector<float> b = random_floats(dim, 6);
    const std::string suffix = "/" + target + "/768";
    const auto a16 = convert_all<uint16_t>(a, float_to_f16);
    const auto b16 = convert_all<uint16_t>(b, float_to_f16);
    const auto abf = convert_all<uint16_t>(a, float_to_bf16);
    const auto bbf = convert_all<uint16_t>(b, float_to_bf16);
    const auto ai8 = convert_all<int8_t>(a, [](float x) { return static_cast<int8_t>(x * 127); });
    const auto bi8 = convert_all<int8_t>(b, [](float x) { return static_cast<int8_t>(x * 127); });
    const auto au8 =
        convert_all<uint8_t>(a, [](float x) { return static_cast<uint8_t>(x * 127 + 128); });
    const auto bu8 =
        convert_all<uint8_t>(b, [](float x) { return static_cast<uint8_t>(x * 127 + 128); });
    benchmark::RegisterBenchmark(("l2_f16" + suffix).c_str(), [=](benchmark::State& s) {
      bench_pair<uint16_t>(s, k.l2_f16, a16, b16);
    });
    benchmark::RegisterBenchmark(("ip_f16" + suffix).c_str(), [=](benchmark::State& s) {
      bench_pair<uint16_t>(s, k.ip_f16, a16, b16);
    });
    benchmark::RegisterBenchmark(("l2_bf16" + suffix).c_str(), [=](benchmark::State& s) {
      bench_pair<uint16_t>(s, k.l2_bf16, abf, bbf);
    });
    benchmark::RegisterBenchmark(("ip_bf16" + suffix).c_str(), [=](benchmark::State& s) {
      bench_pair<uint16_t>(s, k.ip_bf16, abf, bbf);
    });
    benchmark::RegisterBenchmark(("l2_i8" + suffix).c_str(), [=](benchmark::State& s) {
      bench_pair<int8_t>(s, k.l2_i8, ai8, bi8);
    });
    benchmark::RegisterBenchmark(("ip_i8" + suffix).c_str(), [=](benchmark::State& s) {
      bench_pair<int8_t>(s, k.ip_i8, ai8, bi8);
    });
    benchmark::RegisterBenchmark(("l2_u8" + suffix).c_str(), [=](benchmark::State& s) {
      bench_pair<uint8_t>(s, k.l2_u8, au8, bu8);
    });
    benchmark::RegisterBenchmark(("ip_u8" + suffix).c_str(), [=](benchmark::State& s) {
      bench_pair<uint8_t>(s, k.ip_u8, au8, bu8);
    });
    // 1024-bit binary codes (16 words).
    std::vector<uint64_t> ha(16), hb(16);
    std::mt19937_64 rng(7);
    for (size_t i = 0; i < ha.size(); ++i) {
      ha[i] = rng();
      hb[i] = rng();
    }
    benchmark::RegisterBenchmark(
        ("hamming/" + target + "/1024bits").c_str(),
        [=](benchmark::State& s) { bench_pair<uint64_t>(s, k.hamming, ha, hb); });
    for (size_t n : {size_t{256}, size_t{4096}}) {
      benchmark::RegisterBenchmark(
          ("l2_f32_many/" + target + "/784/" + std::to_string(n)).c_str(),
          [=](benchmark::State& s) { bench_many(s, k.l2_f32_many, n, 784); });
      benchmark::RegisterBenchmark(
          ("ip_f32_many/" + target + "/784/" + std::to_string(n)).c_str(),
          [=](benchmark::State& s) { bench_many(s, k.ip_f32_many, n, 784); });
      // The same scan one row at a time through l2_f32, to show what batching buys.
      benchmark::RegisterBenchmark(
          ("l2_f32_rowwise/" + target + "/784/" + std::to_string(n)).c_str(),
          [=](benchmark::State& s) { bench_rowwise(s, k.l2_f32, n, 784); });
    }
  }
}

}  // namespace
}  // namespace vecdex::distance

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  vecdex::distance::register_all();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
