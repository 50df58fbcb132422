// PayloadIndex::evaluate() on 1,000,000 points at selectivities 0.1% / 10% / 90%: keyword
// equality (posting bitmaps), int ranges (ordered column), and a must + must_not combination.
// The reported time includes building the allowed-id Filter that a search would receive.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>

#include "engine/payload_index.h"

namespace vecdex::engine {
namespace {

constexpr size_t kPoints = 1'000'000;

// Point i carries: bucket = uniform int in [0, 1000); tags ⊇ {"p001"} with prob 0.1%,
// {"p10"} with 10%, {"p90"} with 90%; price = uniform float in [0, 100).
const PayloadIndex& index_1m() {
  static const std::unique_ptr<PayloadIndex> index = [] {
    PayloadSchema schema;
    schema.fields = {{"bucket", FieldType::kInt}, {"tags", FieldType::kKeywords},
                     {"price", FieldType::kFloat}};
    auto idx = std::make_unique<PayloadIndex>(schema);
    std::mt19937_64 rng(1);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (Pid pid = 0; pid < kPoints; ++pid) {
      Keywords tags;
      if (unit(rng) < 0.001) tags.emplace_back("p001");
      if (unit(rng) < 0.10) tags.emplace_back("p10");
      if (unit(rng) < 0.90) tags.emplace_back("p90");
      idx->add(pid, {{"bucket", static_cast<int64_t>(rng() % 1000)},
                     {"tags", std::move(tags)},
                     {"price", unit(rng) * 100.0}});
    }
    return idx;
  }();
  return *index;
}

PayloadFilter must_condition(FieldCondition c) {
  PayloadFilter f;
  f.must = {{std::move(c), nullptr}};
  return f;
}

const char* tag_for(int64_t permille) {
  return permille == 1 ? "p001" : (permille == 100 ? "p10" : "p90");
}

void run(benchmark::State& state, const PayloadFilter& filter) {
  const PayloadIndex& index = index_1m();
  uint64_t matched = 0;
  for (auto _ : state) {
    auto r = index.evaluate(filter);
    if (!r.ok()) {
      state.SkipWithError(r.status().to_string().c_str());
      return;
    }
    matched = r->count();
    benchmark::DoNotOptimize(matched);
  }
  state.counters["matched"] = static_cast<double>(matched);
  state.counters["selectivity_%"] = 100.0 * static_cast<double>(matched) / kPoints;
}

// Arg: selectivity in permille of points (1 = 0.1%, 100 = 10%, 900 = 90%).
void BM_KeywordMatch(benchmark::State& state) {
  FieldCondition c;
  c.field = "tags";
  c.value = std::string(tag_for(state.range(0)));
  run(state, must_condition(c));
}
BENCHMARK(BM_KeywordMatch)->Arg(1)->Arg(100)->Arg(900)->Unit(benchmark::kMicrosecond);

void BM_IntRange(benchmark::State& state) {
  FieldCondition c;
  c.field = "bucket";
  c.kind = FieldCondition::Kind::kRange;
  c.lt = static_cast<double>(state.range(0));
  run(state, must_condition(c));
}
BENCHMARK(BM_IntRange)->Arg(1)->Arg(100)->Arg(900)->Unit(benchmark::kMicrosecond);

void BM_FloatRange(benchmark::State& state) {
  FieldCondition c;
  c.field = "price";
  c.kind = FieldCondition::Kind::kRange;
  c.gte = 0.0;
  c.lt = static_cast<double>(state.range(0)) / 10.0;
  run(state, must_condition(c));
}
BENCHMARK(BM_FloatRange)->Arg(1)->Arg(100)->Arg(900)->Unit(benchmark::kMicrosecond);

// must: bucket < X / 0.9 and tags contain "p90"; must_not: tags contain "p001". About X permille
// overall; mixes an ordered-column leaf, a posting leaf and a must_not difference.
void BM_RangeAndNotTag(benchmark::State& state) {
  FieldCondition range;
  range.field = "bucket";
  range.kind = FieldCondition::Kind::kRange;
  range.lt = static_cast<double>(state.range(0)) / 0.9;
  FieldCondition tag;
  tag.field = "tags";
  tag.value = std::string("p90");
  PayloadFilter f;
  f.must = {{range, nullptr}, {tag, nullptr}};
  FieldCondition rare;
  rare.field = "tags";
  rare.value = std::string("p001");
  f.must_not = {{rare, nullptr}};
  run(state, f);
}
BENCHMARK(BM_RangeAndNotTag)->Arg(1)->Arg(100)->Arg(900)->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace vecdex::engine

BENCHMARK_MAIN();
