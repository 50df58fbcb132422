// libFuzzer target for search bodies: parse_search (the vector read straight from the text when
// the body allows, json_vector_field.h) must return exactly what parse_search_general (simdjson
// throughout) returns: the same error, word for word, or the same request, vector bit for bit;
// and parse_search_batch what parse_search_batch_general returns. The first byte picks the
// dimension (1..4, bits 0-1) and a single search or a batch (bit 2); a dictionary helps:
//   clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -Isrc -Iinclude \
//     fuzz/search_body_fuzzer.cc src/server/json_{vector_field,parse_search,reader,filter}.cc \
//     src/engine/payload.cc build/release/libvecdex_index.a build/release/libvecdex_core_base.a \
//     -lsimdjson -lfmt -o search_body_fuzzer
//   ./search_body_fuzzer -max_total_time=300 corpus/
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "server/json_codec.h"

namespace {

using vecdex::server::JsonLimits;
using vecdex::server::ParsedSearch;

bool same_bits(float a, float b) { return std::memcmp(&a, &b, sizeof(a)) == 0; }

void expect_same(const ParsedSearch& fast, const ParsedSearch& general) {
  if (fast.vector.size() != general.vector.size()) __builtin_trap();
  for (size_t i = 0; i < fast.vector.size(); ++i) {
    if (!same_bits(fast.vector[i], general.vector[i])) __builtin_trap();
  }
  const auto& a = fast.request;
  const auto& b = general.request;
  if (a.vector.data() != fast.vector.data() || a.k != b.k ||
      a.params.to_string() != b.params.to_string() ||
      a.filter.has_value() != b.filter.has_value() || a.with_payload != b.with_payload ||
      a.with_vector != b.with_vector || a.model_version != b.model_version ||
      a.restrict_to_version != b.restrict_to_version) {
    __builtin_trap();
  }
}

template <typename Parsed>
void expect_same_outcome(const Parsed& fast, const Parsed& general) {
  if (fast.ok() != general.ok()) __builtin_trap();
  if (!fast.ok() && (fast.status().code() != general.status().code() ||
                     fast.status().message() != general.status().message())) {
    __builtin_trap();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace vecdex::server;
  if (size == 0) return 0;
  const size_t dim = 1 + data[0] % 4;
  const bool batch = (data[0] & 4) != 0;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  JsonLimits limits;
  limits.max_k = 100;
  limits.max_searches = 4;
  if (batch) {
    auto fast = parse_search_batch(body, dim, limits);
    auto general = parse_search_batch_general(body, dim, limits);
    expect_same_outcome(fast, general);
    if (!fast.ok()) return 0;
    if (fast->size() != general->size()) __builtin_trap();
    for (size_t i = 0; i < fast->size(); ++i) expect_same((*fast)[i], (*general)[i]);
    return 0;
  }
  auto fast = parse_search(body, dim, limits);
  auto general = parse_search_general(body, dim, limits);
  expect_same_outcome(fast, general);
  if (fast.ok()) expect_same(*fast, *general);
  return 0;
}
