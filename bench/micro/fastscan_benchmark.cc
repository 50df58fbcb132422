// 4-bit PQ fast-scan per Highway target, next to float ADC over one byte per code (the 8-bit PQ
// style: one LUT gather per sub-quantizer) on the same number of vectors. Items = vectors scored,
// so "ns/vec" is nanoseconds per vector. Code sets: L1 (16 KiB of packed codes), L2 (1 MiB) and
// big (128 MiB: past L2; memory-bound unless the last-level cache is larger).
//   kernel/<target>/m<m>/<set>:  the raw kernel, 64 blocks per call into one reused buffer.
//   select/m<m>/<set>:           scan_select with a top-10 heap (process kernel: VECDEX_SIMD).
//   float_adc/m<m>/<set>:        sum_j lut[j * 16 + code[j]] in f32, byte codes.
// Run: fastscan_benchmark --benchmark_filter='m16/'
#include <algorithm>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "core/distance/distance.h"
#include "quant/fastscan.h"

namespace vecdex::quant::fastscan {
namespace {

constexpr size_t kChunkBlocks = 64;

struct CodeSet {
  const char* name;
  size_t packed_bytes;
};
constexpr CodeSet kSets[] = {
    {"L1", size_t{16} << 10}, {"L2", size_t{1} << 20}, {"big", size_t{128} << 20}};

size_t vectors_for(const CodeSet& set, size_t m) {
  return std::max<size_t>(1, set.packed_bytes / block_bytes(m)) * kBlock;
}

// Fast fill (a 128 MiB set would take seconds with mt19937 per byte).
std::vector<uint8_t> random_bytes(size_t n, uint64_t seed, uint8_t mask = 0xFF) {
  std::vector<uint8_t> out(n);
  uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
  for (size_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    out[i] = static_cast<uint8_t>(x >> 32) & mask;
  }
  return out;
}

std::vector<float> random_lut(size_t m, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<float> dist(0.0f, 4.0f);
  std::vector<float> lut(m * 16);
  for (float& v : lut)
    v = dist(rng);
  return lut;
}

void set_counters(benchmark::State& state, size_t n, size_t code_bytes) {
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * n));
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * code_bytes));
  state.counters["ns/vec"] =
      benchmark::Counter(static_cast<double>(state.iterations() * n) * 1e-9,
                         benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void bench_kernel(benchmark::State& state, const distance::KernelTable& table, size_t m,
                  const CodeSet& set) {
  const size_t n = vectors_for(set, m);
  const size_t nblocks = n / kBlock;
  const std::vector<uint8_t> packed = random_bytes(nblocks * block_bytes(m), 1);
  QuantizedLut lut;
  const std::vector<float> flut = random_lut(m, 2);
  if (!quantize_lut(flut.data(), m, lut).ok()) {
    state.SkipWithError("quantize_lut failed");
    return;
  }
  std::vector<uint16_t> sums(kChunkBlocks * kBlock);
  const auto kernel = table.fastscan_accumulate;
  for (auto _ : state) {
    for (size_t b = 0; b < nblocks; b += kChunkBlocks) {
      kernel(packed.data() + b * block_bytes(m), std::min(kChunkBlocks, nblocks - b),
             lut.table.data(), padded_m(m), 0xFFFF, sums.data(), nullptr);
      benchmark::DoNotOptimize(sums.data());
    }
    benchmark::ClobberMemory();
  }
  set_counters(state, n, packed.size());
}

void bench_select(benchmark::State& state, size_t m, const CodeSet& set) {
  constexpr size_t kK = 10;
  const size_t n = vectors_for(set, m);
  const std::vector<uint8_t> packed = random_bytes(blocks_for(n) * block_bytes(m), 1);
  QuantizedLut lut;
  const std::vector<float> flut = random_lut(m, 2);
  if (!quantize_lut(flut.data(), m, lut).ok()) {
    state.SkipWithError("quantize_lut failed");
    return;
  }
  std::vector<std::pair<float, size_t>> heap;
  heap.reserve(kK + 1);
  for (auto _ : state) {
    heap.clear();
    scan_select(packed.data(), n, lut, 65535, [&](size_t i, uint16_t sum) {
      if (heap.size() == kK) {
        std::pop_heap(heap.begin(), heap.end());
        heap.pop_back();
      }
      heap.emplace_back(lut.to_distance(sum), i);
      std::push_heap(heap.begin(), heap.end());
      return heap.size() == kK ? lut.threshold_for(heap.front().first) : uint16_t{65535};
    });
    benchmark::DoNotOptimize(heap.data());
  }
  set_counters(state, n, packed.size());
}

// The baseline fast-scan replaces: a float LUT and one byte per sub-quantizer code.
void bench_float_adc(benchmark::State& state, size_t m, const CodeSet& set) {
  const size_t n = vectors_for(set, m);
  const std::vector<uint8_t> codes = random_bytes(n * m, 3, 0x0F);
  const std::vector<float> lut = random_lut(m, 2);
  std::vector<float> out(kChunkBlocks * kBlock);
  for (auto _ : state) {
    for (size_t first = 0; first < n; first += out.size()) {
      const size_t count = std::min(out.size(), n - first);
      for (size_t i = 0; i < count; ++i) {
        const uint8_t* code = codes.data() + (first + i) * m;
        float s0 = 0.0f, s1 = 0.0f;
        size_t j = 0;
        for (; j + 2 <= m; j += 2) {
          s0 += lut[j * 16 + code[j]];
          s1 += lut[(j + 1) * 16 + code[j + 1]];
        }
        if (j < m)
          s0 += lut[j * 16 + code[j]];
        out[i] = s0 + s1;
      }
      benchmark::DoNotOptimize(out.data());
    }
    benchmark::ClobberMemory();
  }
  set_counters(state, n, codes.size());
}

void register_all() {
  constexpr size_t kMs[] = {16, 64, 392};
  for (const distance::KernelTable& table : distance::runnable_kernel_tables()) {
    for (size_t m : kMs) {
      for (const CodeSet& set : kSets) {
        const std::string name =
            std::string("kernel/") + table.target_name + "/m" + std::to_string(m) + "/" + set.name;
        benchmark::RegisterBenchmark(
            name.c_str(), [table, m, set](benchmark::State& s) { bench_kernel(s, table, m, set); });
      }
    }
  }
  for (size_t m : kMs) {
    for (const CodeSet& set : kSets) {
      const std::string suffix = "/m" + std::to_string(m) + "/" + set.name;
      benchmark::RegisterBenchmark(("select" + suffix).c_str(),
                                   [m, set](benchmark::State& s) { bench_select(s, m, set); });
      benchmark::RegisterBenchmark(("float_adc" + suffix).c_str(),
                                   [m, set](benchmark::State& s) { bench_float_adc(s, m, set); });
    }
  }
}

}  // namespace
}  // namespace vecdex::quant::fastscan

int main(int argc, char** argv) {
  vecdex::quant::fastscan::register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv))
    return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
