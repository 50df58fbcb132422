// Bench report: JSON writer and text table (see bench_report.h).
#include "bench_report.h"

#include <cmath>
#include <fstream>

#include <fmt/format.h>

namespace vecdex::cli {
namespace {

// Shortest text that reads back as the same double; JSON has no NaN/Inf, so those are null.
std::string json_number(double v) {
  if (!std::isfinite(v)) return "null";
  return fmt::format("{}", v);
}

}  // namespace

std::string json_quote(const std::string& s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += fmt::format("\\u{:04x}", static_cast<unsigned>(c));
        } else {
          out += c;  // UTF-8 bytes pass through unchanged
        }
    }
  }
  out += '"';
  return out;
}

std::string to_json(const BenchReport& r) {
  std::string out = "{";
  out += fmt::format("\"dataset\": {}, ", json_quote(r.dataset));
  out += fmt::format("\"n\": {}, \"dim\": {}, ", r.n, r.dim);
  out += fmt::format("\"metric\": {}, \"k\": {}, ", json_quote(r.metric), r.k);
  out += fmt::format("\"index\": {}, \"threads\": {}, ", json_quote(r.index), r.threads);
  out += fmt::format("\"build_s\": {}, \"index_bytes\": {}, ", json_number(r.build_s),
                     r.index_bytes);
  out += fmt::format("\"simd\": {},\n \"runs\": [", json_quote(r.simd));
  for (size_t i = 0; i < r.runs.size(); ++i) {
    const BenchRun& run = r.runs[i];
    out += i == 0 ? "\n  " : ",\n  ";
    out += fmt::format(
        "{{\"params\": {}, \"recall\": {}, \"qps\": {}, \"p50_us\": {}, \"p99_us\": {}}}",
        json_quote(run.params), json_number(run.recall), json_number(run.qps),
        json_number(run.p50_us), json_number(run.p99_us));
  }
  out += r.runs.empty() ? "]}\n" : "\n ]}\n";
  return out;
}

Status write_json(const std::filesystem::path& path, const BenchReport& report) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  if (!f) return io_error(fmt::format("cannot open {} for writing", path.string()));
  f << to_json(report);
  f.close();
  if (!f) return io_error(fmt::format("writing {} failed", path.string()));
  return Status();
}

std::string format_table(const BenchReport& r) {
  std::string out = fmt::format("{:<28} {:>8} {:>12} {:>10} {:>10}\n", "params", "recall", "qps",
                                "p50_us", "p99_us");
  for (const BenchRun& run : r.runs) {
    out += fmt::format("{:<28} {:>8.4f} {:>12.1f} {:>10.1f} {:>10.1f}\n",
                       run.params.empty() ? "(default)" : run.params, run.recall, run.qps,
                       run.p50_us, run.p99_us);
  }
  return out;
}

}  // namespace vecdex::cli
