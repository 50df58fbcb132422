// Request-body parsing as the server does it per search: parse_search on a 784-number vector
// body, with integer pixels (Fashion-MNIST, what scripts/loadtest sends) and with 9-digit
// floats (an embedding model's output), and a batch of 100 such searches; each also through
// the general parser (simdjson throughout), the reference. Bytes processed = body bytes.
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

std::string batch_body(bool integers, size_t searches) {
  std::string body = R"({"searches":[)";
  for (size_t i = 0; i < searches; ++i) {
    if (i > 0) body += ',';
    body += search_body(integers, 7 + i);
  }
  return body + "]}";
}

// One parser (parse_search, parse_search_batch or their general references) on one body.
template <typename Parse>
void BM_Parse(benchmark::State& state, Parse parse, bool batch) {
  const bool integers = state.range(0) != 0;
  const std::string body = batch ? batch_body(integers, 100) : search_body(integers, 7);
  const JsonLimits limits;
  for (auto _ : state) {
    auto parsed = parse(body, kDim, limits);
    if (!parsed.ok()) {
      state.SkipWithError(parsed.status().message().c_str());
      break;
    }
    benchmark::DoNotOptimize(parsed);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * body.size()));
}
BENCHMARK_CAPTURE(BM_Parse, search, &parse_search, false)->ArgName("integers")->Arg(1)->Arg(0);
BENCHMARK_CAPTURE(BM_Parse, search_general, &parse_search_general, false)
    ->ArgName("integers")->Arg(1)->Arg(0);
BENCHMARK_CAPTURE(BM_Parse, batch100, &parse_search_batch, true)
    ->ArgName("integers")->Arg(1)->Arg(0);
BENCHMARK_CAPTURE(BM_Parse, batch100_general, &parse_search_batch_general, true)
    ->ArgName("integers")->Arg(1)->Arg(0);

}  // namespace
}  // namespace vecdex::server

BENCHMARK_MAIN();
