// HTTP load generator for scripts/loadtest, two modes:
//   open  open-loop search load: requests are scheduled at a fixed rate (request i at
//         t0 + i / rate) and sent by N keep-alive connections; each latency is measured from
//         the request's scheduled time, not from when a connection got free, so queueing in
//         the server (or behind a slow reply) counts (no coordinated omission). Reports the
//         achieved rate and p50 / p99 / p99.9.
//   bulk  bulk load through the binary endpoint: N x dim synthetic clustered float32 rows in
//         requests of R rows (PUT /collections/{name}/points?first_id=..., octet-stream) over
//         C connections, then POST /collections/{name}/seal?wait=true. Reports points/s for
//         the upload and until everything is indexed.
// A human summary goes to stderr, one JSON object to stdout.
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <httplib.h>

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string mode;
  std::string url = "http://127.0.0.1:8080";
  std::string api_key;
  uint32_t connections = 16;
  // open
  std::string path = "/collections/fashion/search";
  std::string bodies_file;
  double rate = 1000;
  double duration_s = 10;
  // bulk
  std::string collection = "bulk";
  std::string index = "HNSW16";
  size_t n = 1000000;
  size_t dim = 128;
  size_t rows_per_request = 50000;
  bool replace = false;
  uint64_t seed = 42;
};

std::unique_ptr<httplib::Client> make_client(const Options& o) {
  auto client = std::make_unique<httplib::Client>(o.url);
  client->set_keep_alive(true);
  client->set_tcp_nodelay(true);  // headers and body are separate writes: no Nagle delay
  client->set_connection_timeout(5, 0);
  client->set_read_timeout(600, 0);  // a seal with wait=true may take minutes
  client->set_write_timeout(60, 0);
  if (!o.api_key.empty()) client->set_bearer_token_auth(o.api_key);
  return client;
}

// Fails with a clear message when nothing answers at the URL.
bool check_server(const Options& o) {
  auto client = make_client(o);
  httplib::Result r = client->Get("/healthz");
  if (!r) {
    fmt::print(stderr, "loadgen: no server answers at {} (httplib error: {}); start one with "
               "`make serve`\n", o.url, httplib::to_string(r.error()));
    return false;
  }
  return true;
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  size_t i = static_cast<size_t>(std::ceil(p / 100.0 * static_cast<double>(sorted.size())));
  return sorted[std::min(sorted.size() - 1, i == 0 ? 0 : i - 1)];
}

// ---- open loop --------------------------------------------------------------------------------

int run_open(const Options& o) {
  std::vector<std::string> bodies;
  std::ifstream in(o.bodies_file);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) bodies.push_back(std::move(line));
  }
  if (bodies.empty()) {
    fmt::print(stderr, "loadgen: no request bodies in '{}' (one JSON body per line)\n",
               o.bodies_file);
    return 2;
  }
  if (o.rate <= 0 || o.duration_s <= 0 || o.connections == 0) {
    fmt::print(stderr, "loadgen: --rate, --duration and --connections must be > 0\n");
    return 2;
  }
  if (!check_server(o)) return 1;

  const size_t total = static_cast<size_t>(o.rate * o.duration_s);
  const auto interval = std::chrono::duration<double>(1.0 / o.rate);
  std::atomic<size_t> next{0};
  std::atomic<size_t> errors{0};
  std::mutex merge_mutex;
  std::vector<double> latencies_ms;
  latencies_ms.reserve(total);
  Clock::time_point last_done = Clock::now();
  std::string first_error;
  const Clock::time_point t0 = Clock::now() + std::chrono::milliseconds(100);

  auto worker = [&] {
    auto client = make_client(o);
    std::vector<double> mine;
    Clock::time_point my_last = t0;
    std::string my_error;
    for (size_t i = next++; i < total; i = next++) {
      auto scheduled = t0 + std::chrono::duration_cast<Clock::duration>(interval * double(i));
      std::this_thread::sleep_until(scheduled);
      httplib::Result r = client->Post(o.path, bodies[i % bodies.size()], "application/json");
      Clock::time_point done = Clock::now();
      if (!r || r->status != 200) {
        ++errors;
        if (my_error.empty()) {
          my_error = r ? fmt::format("HTTP {}: {}", r->status, r->body.substr(0, 200))
                       : httplib::to_string(r.error());
        }
        continue;
      }
      mine.push_back(std::chrono::duration<double, std::milli>(done - scheduled).count());
      my_last = std::max(my_last, done);
    }
    std::lock_guard<std::mutex> lock(merge_mutex);
    latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
    last_done = std::max(last_done, my_last);
    if (first_error.empty()) first_error = my_error;
  };
  std::vector<std::thread> threads;
  for (uint32_t c = 0; c < o.connections; ++c) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();

  std::sort(latencies_ms.begin(), latencies_ms.end());
  double elapsed = std::chrono::duration<double>(last_done - t0).count();
  double achieved = elapsed > 0 ? static_cast<double>(latencies_ms.size()) / elapsed : 0;
  double p50 = percentile(latencies_ms, 50), p99 = percentile(latencies_ms, 99);
  double p999 = percentile(latencies_ms, 99.9);
  fmt::print(stderr,
             "open loop: target {:.0f}/s over {} connections for {:.0f} s: {} ok, {} errors, "
             "achieved {:.0f}/s; latency from scheduled send p50 {:.3f} ms, p99 {:.3f} ms, "
             "p99.9 {:.3f} ms\n",
             o.rate, o.connections, o.duration_s, latencies_ms.size(), errors.load(), achieved,
             p50, p99, p999);
  if (!first_error.empty()) fmt::print(stderr, "first error: {}\n", first_error);
  fmt::print("{{\"mode\":\"open\",\"target_rate\":{},\"achieved_rate\":{:.1f},\"ok\":{},"
             "\"errors\":{},\"p50_ms\":{:.4f},\"p99_ms\":{:.4f},\"p999_ms\":{:.4f}}}\n",
             o.rate, achieved, latencies_ms.size(), errors.load(), p50, p99, p999);
  return errors.load() == 0 ? 0 : 1;
}

// ---- bulk load --------------------------------------------------------------------------------

// Deterministic clustered rows: row r is centre (hash(r) % 100) plus uniform noise in [-1, 1),
// so any request's rows can be made on the fly (no 512 MB buffer for 1M x 128).
class RowMaker {
 public:
  RowMaker(size_t dim, uint64_t seed) : dim_(dim), seed_(seed), centres_(kCentres * dim) {
    uint64_t s = seed;
    for (float& c : centres_) c = 8.0f * uniform(s) - 4.0f;
  }
  void make(size_t first_row, size_t rows, std::string& out) const {
    out.resize(rows * dim_ * sizeof(float));
    float* dst = reinterpret_cast<float*>(out.data());
    for (size_t r = 0; r < rows; ++r) {
      uint64_t s = (seed_ ^ (first_row + r)) * 0x9E3779B97F4A7C15ull + 1;
      const float* centre = &centres_[(next(s) % kCentres) * dim_];
      for (size_t d = 0; d < dim_; ++d) *dst++ = centre[d] + 2.0f * uniform(s) - 1.0f;
    }
  }

 private:
  static constexpr size_t kCentres = 100;
  static uint64_t next(uint64_t& s) {  // xorshift64*
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1Dull;
  }
  static float uniform(uint64_t& s) { return static_cast<float>(next(s) >> 40) / 16777216.0f; }

  size_t dim_;
  uint64_t seed_;
  std::vector<float> centres_;
};

bool ok_or_report(const httplib::Result& r, const std::string& what) {
  if (r && r->status / 100 == 2) return true;
  fmt::print(stderr, "loadgen: {} failed: {}\n", what,
             r ? fmt::format("HTTP {}: {}", r->status, r->body.substr(0, 300))
               : httplib::to_string(r.error()));
  return false;
}

int run_bulk(const Options& o) {
  if (o.n == 0 || o.dim == 0 || o.rows_per_request == 0 || o.connections == 0) {
    fmt::print(stderr, "loadgen: --n, --dim, --rows-per-request and --connections must be > 0\n");
    return 2;
  }
  if (!check_server(o)) return 1;
  auto admin = make_client(o);
  const std::string base = "/collections/" + o.collection;
  if (o.replace) admin->Delete(base);  // 404 when absent is fine
  std::string config = fmt::format(R"({{"dim":{},"metric":"l2","index":"{}"}})", o.dim, o.index);
  if (!ok_or_report(admin->Put(base, config, "application/json"), "PUT " + base)) return 1;

  RowMaker maker(o.dim, o.seed);
  const size_t requests = (o.n + o.rows_per_request - 1) / o.rows_per_request;
  std::atomic<size_t> next{0};
  std::atomic<bool> failed{false};
  const Clock::time_point t0 = Clock::now();
  auto worker = [&] {
    auto client = make_client(o);
    std::string body;
    for (size_t i = next++; i < requests && !failed; i = next++) {
      size_t first = i * o.rows_per_request;
      size_t rows = std::min(o.rows_per_request, o.n - first);
      maker.make(first, rows, body);
      std::string target = fmt::format("{}/points?first_id={}", base, first);
      if (!ok_or_report(client->Put(target, body, "application/octet-stream"), "PUT " + target)) {
        failed = true;
      }
    }
  };
  std::vector<std::thread> threads;
  for (uint32_t c = 0; c < o.connections; ++c) threads.emplace_back(worker);
  for (std::thread& t : threads) t.join();
  if (failed) return 1;
  const double upload_s = std::chrono::duration<double>(Clock::now() - t0).count();
  fmt::print(stderr, "bulk: uploaded {} x {} in {:.1f} s: {:.0f} points/s ({:.1f} MB/s)\n", o.n,
             o.dim, upload_s, o.n / upload_s, o.n * o.dim * 4.0 / upload_s / 1e6);

  if (!ok_or_report(admin->Post(base + "/seal?wait=true", "", "application/json"),
                    "POST " + base + "/seal?wait=true")) {
    return 1;
  }
  const double indexed_s = std::chrono::duration<double>(Clock::now() - t0).count();
  fmt::print(stderr, "bulk: all {} points indexed ({}) after {:.1f} s: {:.0f} points/s\n", o.n,
             o.index, indexed_s, o.n / indexed_s);
  fmt::print("{{\"mode\":\"bulk\",\"n\":{},\"dim\":{},\"index\":\"{}\",\"upload_s\":{:.3f},"
             "\"upload_points_per_s\":{:.1f},\"indexed_s\":{:.3f},"
             "\"indexed_points_per_s\":{:.1f}}}\n",
             o.n, o.dim, o.index, upload_s, o.n / upload_s, indexed_s, o.n / indexed_s);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  CLI::App app{"HTTP load generator for vecdex serve (open-loop search load, binary bulk load)"};
  app.add_option("mode", o.mode, "open | bulk")->required()->check(CLI::IsMember({"open", "bulk"}));
  app.add_option("--url", o.url, "Server base URL")->capture_default_str();
  app.add_option("--api-key", o.api_key, "Bearer token");
  app.add_option("--connections", o.connections, "Keep-alive connections")->capture_default_str();
  app.add_option("--path", o.path, "open: request path")->capture_default_str();
  app.add_option("--bodies", o.bodies_file, "open: file with one JSON body per line");
  app.add_option("--rate", o.rate, "open: requests per second")->capture_default_str();
  app.add_option("--duration", o.duration_s, "open: seconds")->capture_default_str();
  app.add_option("--collection", o.collection, "bulk: collection name")->capture_default_str();
  app.add_option("--index", o.index, "bulk: index spec")->capture_default_str();
  app.add_option("--n", o.n, "bulk: points")->capture_default_str();
  app.add_option("--dim", o.dim, "bulk: dimension")->capture_default_str();
  app.add_option("--rows-per-request", o.rows_per_request, "bulk: rows per request")
      ->capture_default_str();
  app.add_flag("--replace", o.replace, "bulk: delete the collection first if it exists");
  app.add_option("--seed", o.seed, "bulk: data seed")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  return o.mode == "open" ? run_open(o) : run_bulk(o);
}
