// The result of `vecdex bench`: the JSON object DESIGN.md specifies ("CLI and benchmark
// contract") and the human-readable table printed to stdout. JSON is written by a small
// hand-written writer (strings escaped per RFC 8259; non-finite numbers become null).
#pragma once

#include <cstddef>
#include <filesystem>
#include <string>
#include <vector>

#include "vecdex/status.h"

namespace vecdex::cli {

// One parameter set of a sweep.
struct BenchRun {
  std::string params;   // search-parameter string, "" for defaults
  double recall = 0;    // recall@k against exact ground truth
  double qps = 0;       // queries / wall second, whole query set as one batch
  double p50_us = 0;    // single-query latency percentiles, one query at a time, one thread
  double p99_us = 0;
};

struct BenchReport {
  std::string dataset;     // label of the base file
  size_t n = 0;            // base vectors indexed
  size_t dim = 0;
  std::string metric;      // "l2", "ip", "cosine"
  size_t k = 0;
  std::string index;       // factory string
  size_t threads = 1;      // threads of the batch search
  double build_s = 0;      // train + add, wall seconds
  size_t index_bytes = 0;  // IndexStats::bytes
  std::string simd;        // kernel target, e.g. "AVX3"
  std::vector<BenchRun> runs;
};

// `s` as a JSON string literal, quotes included.
std::string json_quote(const std::string& s);

// The report as one JSON object (keys in the order DESIGN.md lists them, then "simd" after
// index_bytes), followed by a newline.
std::string to_json(const BenchReport& report);

// Writes to_json(report) to `path`. IOError naming the path on failure.
Status write_json(const std::filesystem::path& path, const BenchReport& report);

// A fixed-width table: params, recall, qps, p50_us, p99_us (one line per run, header first).
std::string format_table(const BenchReport& report);

}  // namespace vecdex::cli
