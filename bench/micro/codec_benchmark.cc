// Asymmetric codec kernels (f32 query vs FP16 / BF16 / SQ8 code) per Highway target, next to
// l2_f32 on the same dimensions. Bytes processed = stored-vector bytes read (4, 2 or 1 per dim).
// "pair": one code scored repeatedly (L1-resident, pure kernel speed). "random": one query against
// 64k codes visited in a random order, as a graph walk reads them (memory-bound).
// Run: codec_benchmark --benchmark_filter='/AVX3_DL/784'
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "core/distance/distance.h"
#include "core/distance/half.h"

namespace vecdex::distance {
namespace {

constexpr size_t kRandomRows = 65536;

std::vector<float> random_floats(size_t n, float lo, float hi, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(lo, hi);
  std::vector<float> out(n);
  for (float& v : out)
    v = dist(rng);
  return out;
}

// Codes of `rows` vectors of `dim` elements for `kind`, as bytes.
enum class Kind { kF32, kF16, kBf16, kU8 };

size_t bytes_per_dim(Kind kind) {
  return kind == Kind::kF32 ? 4 : kind == Kind::kU8 ? 1 : 2;
}

std::vector<uint8_t> make_codes(Kind kind, size_t rows, size_t dim, uint64_t seed) {
  const std::vector<float> x = random_floats(rows * dim, -1.0f, 1.0f, seed);
  std::vector<uint8_t> out(rows * dim * bytes_per_dim(kind));
  for (size_t i = 0; i < x.size(); ++i) {
    if (kind == Kind::kF32) {
      std::memcpy(out.data() + 4 * i, &x[i], 4);
    } else if (kind == Kind::kU8) {
      out[i] = static_cast<uint8_t>((x[i] + 1.0f) * 127.5f);
    } else {
      const uint16_t h = kind == Kind::kF16 ? float_to_f16(x[i]) : float_to_bf16(x[i]);
      std::memcpy(out.data() + 2 * i, &h, 2);
    }
  }
  return out;
}

using Fn = KernelTable::CodecDistanceFn;

// l2_f32 in the codec signature, so the random-order loop is the same for every kernel (the
// adapter adds one direct call; set per run).
struct F32Adapter {
  static inline decltype(KernelTable::l2_f32) l2 = nullptr;
  static float call(const float* q, const uint8_t* code, size_t dim, const float*) {
    return l2(q, reinterpret_cast<const float*>(code), dim);
  }
};

void bench_pair(benchmark::State& state, Fn fn, Kind kind, size_t dim) {
  const std::vector<float> q = random_floats(dim, 0.0f, 255.0f, 1);
  const std::vector<float> params = random_floats(dim, 1e-4f, 1e-3f, 2);
  const std::vector<uint8_t> code = make_codes(kind, 1, dim, 3);
  for (auto _ : state) {
    benchmark::DoNotOptimize(fn(q.data(), code.data(), dim, params.data()));
    benchmark::ClobberMemory();
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * code.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}

void bench_random(benchmark::State& state, Fn fn, Kind kind, size_t dim) {
  const std::vector<float> q = random_floats(dim, 0.0f, 255.0f, 1);
  const std::vector<float> params = random_floats(dim, 1e-4f, 1e-3f, 2);
  const std::vector<uint8_t> codes = make_codes(kind, kRandomRows, dim, 4);
  const size_t stride = dim * bytes_per_dim(kind);
  std::vector<uint32_t> order(kRandomRows);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), std::mt19937_64(5));
  float sink = 0.0f;
  for (auto _ : state) {
    for (uint32_t row : order)
      sink += fn(q.data(), codes.data() + row * stride, dim, params.data());
    benchmark::DoNotOptimize(sink);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * codes.size()));
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * kRandomRows));
}

void register_all() {
  for (const KernelTable& k : runnable_kernel_tables()) {
    const std::string target = k.target_name;
    struct Entry {
      const char* name;
      Fn fn;
      Kind kind;
    };
    const Entry entries[] = {
        {"l2_f32_f16", k.l2_f32_f16, Kind::kF16},       {"ip_f32_f16", k.ip_f32_f16, Kind::kF16},
        {"l2_f32_bf16", k.l2_f32_bf16, Kind::kBf16},    {"ip_f32_bf16", k.ip_f32_bf16, Kind::kBf16},
        {"l2_sq8_weighted", k.l2_sq8_weighted, Kind::kU8},
        {"l2_sq8_uniform", k.l2_sq8_uniform, Kind::kU8}, {"ip_f32_u8", k.ip_f32_u8, Kind::kU8},
    };
    for (size_t dim : {128, 768, 784}) {
      const std::string suffix = "/" + target + "/" + std::to_string(dim);
      const auto l2_f32 = k.l2_f32;
      benchmark::RegisterBenchmark(("pair/l2_f32" + suffix).c_str(), [=](benchmark::State& s) {
        const std::vector<float> q = random_floats(dim, -1.0f, 1.0f, 1);
        const std::vector<float> x = random_floats(dim, -1.0f, 1.0f, 3);
        for (auto _ : s) {
          benchmark::DoNotOptimize(l2_f32(q.data(), x.data(), dim));
          benchmark::ClobberMemory();
        }
        s.SetBytesProcessed(static_cast<int64_t>(s.iterations() * dim * sizeof(float)));
        s.SetItemsProcessed(static_cast<int64_t>(s.iterations()));
      });
      for (const Entry& e : entries) {
        benchmark::RegisterBenchmark((std::string("pair/") + e.name + suffix).c_str(),
                                     [=](benchmark::State& s) { bench_pair(s, e.fn, e.kind, dim); });
      }
    }
    for (size_t dim : {128, 784}) {
      const std::string suffix = "/" + target + "/" + std::to_string(dim);
      const auto l2_f32 = k.l2_f32;
      benchmark::RegisterBenchmark(("random/l2_f32" + suffix).c_str(), [=](benchmark::State& s) {
        F32Adapter::l2 = l2_f32;
        bench_random(s, &F32Adapter::call, Kind::kF32, dim);
      });
      for (const Entry& e : entries) {
        benchmark::RegisterBenchmark((std::string("random/") + e.name + suffix).c_str(),
                                     [=](benchmark::State& s) { bench_random(s, e.fn, e.kind, dim); });
      }
    }
  }
}

}  // namespace
}  // namespace vecdex::distance

int main(int argc, char** argv) {
  vecdex::distance::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
