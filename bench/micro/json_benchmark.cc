// Request-body parsing as the server does it per search: parse_search on a 784-number vector
// body, with integer pixels (Fashion-MNIST, what scripts/loadtest sends) and with 9-digit
// floats (an embedding model's output). Bytes processed = body bytes.
// Run: json_benchmark --benchmark_min_time=0.5
#include <benchmark/benchmark.h>

#include <cstdio>
#include <random>
#include <string>

#include "server/json_codec.h"

namespace vecdex::server {
namespace {

constexpr size_t kDim = 784;

std::string search_body(bool integers, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> pixel(0, 255);
  std::normal_distribution<float> component(0.0f, 0.05f);
  std::string body = R"({"vector":[)";
  char number[32];
  for (size_t j = 0; j < kDim; ++j) {
    if (j > 0) body += ',';
    if (integers) {
      // Most Fashion-MNIST pixels are 0.
      std::snprintf(number, sizeof(number), "%d", rng() % 2 == 0 ? 0 : pixel(rng));
    } else {
      std::snprintf(number, sizeof(number), "%.9g", component(rng));
    }
    body += number;
  }
  body += R"(],"k":10,"params":"ef=24"})";
  return body;
}

void BM_ParseSearch(benchmark::State& state) {
  const std::string body = search_body(state.range(0) != 0, 7);
  const JsonLimits limits;
  for (auto _ : state) {
    Result<ParsedSearch> parsed = parse_search(body, kDim, limits);
    if (!parsed.ok()) {
      state.SkipWithError(parsed.status().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(parsed->vector.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseSearch)->ArgName("integers")->Arg(1)->Arg(0);

}  // namespace
}  // namespace vecdex::server

BENCHMARK_MAIN();
