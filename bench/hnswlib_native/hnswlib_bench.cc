// hnswlib_bench: the native-hnswlib peer of `vecdex bench` (issue 3, "Bar").
//
// Debian's libhnswlib-dev headers compiled here with -O3 -march=native, so hnswlib's AVX-512
// distance code is on: the hnswlib a pip user gets, not Debian's SSE-only python3-hnswlib.
// Not part of the CMake build: bench/compare_peers.py compiles it on demand (build.sh does the
// same by hand).
//
// Same protocol as `vecdex bench` (DESIGN.md "CLI and benchmark contract"):
//  - build with M, ef_construction and --build-threads threads (timed: insertion only, the
//    base is streamed from its file in chunks so only hnswlib's own copy is ever fully held);
//  - per ef: 16 warm-up queries, then the whole query set as one batch on --threads threads
//    (qps), recall@k against --gt, then --latency-queries single queries one at a time on one
//    thread (nearest-rank p50/p99);
//  - writes the `vecdex bench --json` object with "system":"hnswlib-native" added.
//
// Inputs: .fvecs (base, queries), .ivecs (gt; first k columns used), Fashion-MNIST IDX
// (.gz or raw, uint8 pixels widened to float).
//
//   hnswlib_bench --base b.fvecs --queries q.fvecs --gt gt.ivecs --k 10 --M 16 --efc 200
//                 --build-threads 2 --threads 1 --ef 10,16,32,64,128 --json out.json
#include <algorithm>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include <hnswlib/hnswlib.h>
#include <zlib.h>

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

[[noreturn]] void fail(const std::string& message) {
  std::fprintf(stderr, "hnswlib_bench: %s\n", message.c_str());
  std::exit(1);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// ---------------------------------------------------------------------------------------------
// Vector input, read in chunks of rows.

class VectorReader {
 public:
  virtual ~VectorReader() = default;
  size_t rows() const { return rows_; }
  size_t dim() const { return dim_; }
  // Reads the next `n` rows into out[n * dim].
  virtual void read(float* out, size_t n) = 0;

 protected:
  size_t rows_ = 0;
  size_t dim_ = 0;
};

// .fvecs: per row an int32 dimension, then dim float32 values.
class FvecsReader : public VectorReader {
 public:
  explicit FvecsReader(const std::string& path) : path_(path) {
    f_ = std::fopen(path.c_str(), "rb");
    if (f_ == nullptr)
      fail("cannot open " + path);
    int32_t d = 0;
    if (std::fread(&d, 4, 1, f_) != 1 || d <= 0)
      fail(path + ": not an .fvecs file");
    std::fseek(f_, 0, SEEK_END);
    long bytes = std::ftell(f_);
    std::fseek(f_, 0, SEEK_SET);
    size_t row_bytes = 4 + 4 * static_cast<size_t>(d);
    if (bytes <= 0 || static_cast<size_t>(bytes) % row_bytes != 0) {
      fail(path + ": size " + std::to_string(bytes) + " is not a multiple of the row size " +
           std::to_string(row_bytes) + " (dim " + std::to_string(d) + ")");
    }
    dim_ = static_cast<size_t>(d);
    rows_ = static_cast<size_t>(bytes) / row_bytes;
  }
  ~FvecsReader() override { std::fclose(f_); }

  void read(float* out, size_t n) override {
    for (size_t i = 0; i < n; ++i) {
      int32_t d = 0;
      if (std::fread(&d, 4, 1, f_) != 1 || static_cast<size_t>(d) != dim_ ||
          std::fread(out + i * dim_, 4, dim_, f_) != dim_) {
        fail(path_ + ": short read or inconsistent row dimension");
      }
    }
  }

 private:
  std::string path_;
  std::FILE* f_ = nullptr;
};

// IDX image file (magic 0x00000803, big-endian counts), gzip-compressed or not (zlib reads both).
class IdxReader : public VectorReader {
 public:
  explicit IdxReader(const std::string& path) : path_(path) {
    gz_ = gzopen(path.c_str(), "rb");
    if (gz_ == nullptr)
      fail("cannot open " + path);
    unsigned char h[16];
    if (gzread(gz_, h, 16) != 16)
      fail(path + ": short IDX header");
    auto be32 = [&](int at) {
      return (uint32_t{h[at]} << 24) | (uint32_t{h[at + 1]} << 16) | (uint32_t{h[at + 2]} << 8) |
             uint32_t{h[at + 3]};
    };
    if (be32(0) != 0x803)
      fail(path + ": not an IDX image file (magic must be 0x803)");
    rows_ = be32(4);
    dim_ = static_cast<size_t>(be32(8)) * be32(12);
    if (rows_ == 0 || dim_ == 0)
      fail(path + ": empty IDX file");
  }
  ~IdxReader() override { gzclose(gz_); }

  void read(float* out, size_t n) override {
    std::vector<unsigned char> buf(n * dim_);
    size_t got = 0;
    while (got < buf.size()) {
      unsigned chunk = static_cast<unsigned>(std::min<size_t>(buf.size() - got, 1u << 30));
      int r = gzread(gz_, buf.data() + got, chunk);
      if (r <= 0)
        fail(path_ + ": short read");
      got += static_cast<size_t>(r);
    }
    for (size_t i = 0; i < buf.size(); ++i)
      out[i] = static_cast<float>(buf[i]);
  }

 private:
  std::string path_;
  gzFile gz_ = nullptr;
};

std::unique_ptr<VectorReader> open_vectors(const std::string& path) {
  if (ends_with(path, ".fvecs"))
    return std::make_unique<FvecsReader>(path);
  if (path.find("idx3-ubyte") != std::string::npos)
    return std::make_unique<IdxReader>(path);
  fail(path + ": unsupported format (expected .fvecs or an IDX image file)");
}

std::vector<float> read_all(VectorReader& r, size_t max_rows) {
  size_t n = max_rows == 0 ? r.rows() : std::min(max_rows, r.rows());
  std::vector<float> out(n * r.dim());
  r.read(out.data(), n);
  return out;
}

// .ivecs: per row an int32 count, then that many int32 ids.
std::vector<int32_t> read_ivecs(const std::string& path, size_t* rows, size_t* cols) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr)
    fail("cannot open " + path);
  int32_t c = 0;
  if (std::fread(&c, 4, 1, f) != 1 || c <= 0)
    fail(path + ": not an .ivecs file");
  std::fseek(f, 0, SEEK_END);
  long bytes = std::ftell(f);
  std::fseek(f, 0, SEEK_SET);
  size_t row_bytes = 4 + 4 * static_cast<size_t>(c);
  if (bytes <= 0 || static_cast<size_t>(bytes) % row_bytes != 0)
    fail(path + ": bad .ivecs size");
  *cols = static_cast<size_t>(c);
  *rows = static_cast<size_t>(bytes) / row_bytes;
  std::vector<int32_t> ids(*rows * *cols);
  for (size_t i = 0; i < *rows; ++i) {
    int32_t cc = 0;
    if (std::fread(&cc, 4, 1, f) != 1 || cc != c ||
        std::fread(ids.data() + i * *cols, 4, *cols, f) != *cols) {
      fail(path + ": inconsistent .ivecs rows");
    }
  }
  std::fclose(f);
  return ids;
}

// ---------------------------------------------------------------------------------------------

// Runs fn(i) for i in [0, n) on `threads` threads; items are claimed `grain` at a time.
template <typename Fn>
void parallel_for(size_t n, unsigned threads, size_t grain, Fn&& fn) {
  if (threads <= 1 || n <= grain) {
    for (size_t i = 0; i < n; ++i)
      fn(i);
    return;
  }
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (;;) {
      size_t begin = next.fetch_add(grain);
      if (begin >= n)
        return;
      size_t end = std::min(n, begin + grain);
      for (size_t i = begin; i < end; ++i)
        fn(i);
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t)
    pool.emplace_back(worker);
  worker();
  for (std::thread& t : pool)
    t.join();
}

std::vector<int> parse_int_list(const std::string& text, const char* what) {
  std::vector<int> out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    std::string token =
        text.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
    char* end = nullptr;
    long v = std::strtol(token.c_str(), &end, 10);
    if (token.empty() || *end != '\0' || v <= 0)
      fail(std::string(what) + ": bad value '" + token + "'");
    out.push_back(static_cast<int>(v));
    if (comma == std::string::npos)
      break;
    pos = comma + 1;
  }
  return out;
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string json_double(double v) {
  if (!std::isfinite(v))
    return "null";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);  // shortest text that reads back as v
  return ec == std::errc() ? std::string(buf, end) : "null";
}

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty())
    return 0;
  auto rank = static_cast<size_t>(std::ceil(p * static_cast<double>(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

struct Options {
  std::string base, queries, gt, json, dataset, metric = "l2", ef = "10,16,32,64,128,256";
  size_t k = 10, M = 16, efc = 200, max_queries = 0, latency_queries = 0, seed = 100;
  unsigned build_threads = 2, threads = 1;
};

void usage() {
  std::puts(
      "hnswlib_bench --base B --queries Q --gt GT.ivecs [--k 10] [--metric l2|ip] [--M 16]\n"
      "              [--efc 200] [--build-threads 2] [--threads 1] [--ef 10,16,32,...]\n"
      "              [--max-queries N] [--latency-queries N] [--seed 100] [--dataset NAME]\n"
      "              [--json OUT]\n"
      "B, Q: .fvecs or Fashion-MNIST IDX (.gz); GT: .ivecs with >= k columns.");
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    if (a == "-h" || a == "--help") {
      usage();
      std::exit(0);
    }
    if (i + 1 >= argc)
      fail("option " + a + " needs a value (--help for usage)");
    std::string v = argv[++i];
    auto num = [&](const char* what) {
      char* end = nullptr;
      unsigned long long x = std::strtoull(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0')
        fail(std::string(what) + ": not a number: '" + v + "'");
      return static_cast<size_t>(x);
    };
    if (a == "--base")
      o.base = v;
    else if (a == "--queries")
      o.queries = v;
    else if (a == "--gt")
      o.gt = v;
    else if (a == "--json")
      o.json = v;
    else if (a == "--dataset")
      o.dataset = v;
    else if (a == "--metric")
      o.metric = v;
    else if (a == "--ef")
      o.ef = v;
    else if (a == "--k")
      o.k = num("--k");
    else if (a == "--M")
      o.M = num("--M");
    else if (a == "--efc")
      o.efc = num("--efc");
    else if (a == "--max-queries")
      o.max_queries = num("--max-queries");
    else if (a == "--latency-queries")
      o.latency_queries = num("--latency-queries");
    else if (a == "--seed")
      o.seed = num("--seed");
    else if (a == "--build-threads")
      o.build_threads = static_cast<unsigned>(num("--build-threads"));
    else if (a == "--threads")
      o.threads = static_cast<unsigned>(num("--threads"));
    else
      fail("unknown option " + a + " (--help for usage)");
  }
  if (o.base.empty() || o.queries.empty() || o.gt.empty())
    fail("--base, --queries and --gt are required");
  if (o.metric != "l2" && o.metric != "ip")
    fail("--metric must be l2 or ip");
  if (o.k == 0 || o.M < 2 || o.efc == 0)
    fail("--k, --M and --efc must be positive (M >= 2)");
  unsigned hw = std::max(1u, std::thread::hardware_concurrency());
  if (o.build_threads == 0)
    o.build_threads = hw;
  if (o.threads == 0)
    o.threads = hw;
  if (o.dataset.empty()) {
    std::string b = o.base.substr(o.base.find_last_of('/') + 1);
    o.dataset = b.substr(0, b.find('.'));
  }
  return o;
}

}  // namespace

int main(int argc, char** argv) {
  Options o = parse_args(argc, argv);
  std::vector<int> efs = parse_int_list(o.ef, "--ef");

  std::unique_ptr<VectorReader> base = open_vectors(o.base);
  std::unique_ptr<VectorReader> qreader = open_vectors(o.queries);
  if (qreader->dim() != base->dim())
    fail("queries and base vectors differ in dimension");
  const size_t n = base->rows(), dim = base->dim();
  std::vector<float> queries = read_all(*qreader, o.max_queries);
  qreader.reset();
  const size_t nq = queries.size() / dim;

  size_t gt_rows = 0, gt_cols = 0;
  std::vector<int32_t> gt = read_ivecs(o.gt, &gt_rows, &gt_cols);
  if (gt_rows < nq || gt_cols < o.k) {
    fail(o.gt + ": holds " + std::to_string(gt_rows) + " x " + std::to_string(gt_cols) +
         " ids, need at least " + std::to_string(nq) + " rows and " + std::to_string(o.k) +
         " columns");
  }

  std::unique_ptr<hnswlib::SpaceInterface<float>> space;
  if (o.metric == "ip") {
    space = std::make_unique<hnswlib::InnerProductSpace>(dim);
  } else {
    space = std::make_unique<hnswlib::L2Space>(dim);
  }
  auto index =
      std::make_unique<hnswlib::HierarchicalNSW<float>>(space.get(), n, o.M, o.efc, o.seed);

  // Build: stream the base in chunks; only the insertion is timed.
  std::fprintf(stderr, "hnswlib_bench: building M=%zu efc=%zu over %zu x %zu with %u threads\n",
               o.M, o.efc, n, dim, o.build_threads);
  const size_t chunk_rows = std::max<size_t>(1, (size_t{64} << 20) / (4 * dim));  // 64 MiB
  std::vector<float> chunk(std::min(chunk_rows, n) * dim);
  double build_s = 0;
  for (size_t done = 0; done < n;) {
    size_t rows = std::min(chunk_rows, n - done);
    base->read(chunk.data(), rows);
    auto t0 = Clock::now();
    if (done == 0) {
      // The first point alone, so the parallel inserts below start from an entry point.
      index->addPoint(chunk.data(), 0);
      parallel_for(rows - 1, o.build_threads, 1,
                   [&](size_t i) { index->addPoint(chunk.data() + (i + 1) * dim, i + 1); });
    } else {
      parallel_for(rows, o.build_threads, 1,
                   [&](size_t i) { index->addPoint(chunk.data() + i * dim, done + i); });
    }
    build_s += seconds_since(t0);
    done += rows;
  }
  std::vector<float>().swap(chunk);
  base.reset();

  // hnswlib's graph + vectors: the level-0 block (links, vector, label per element) plus the
  // upper-level link lists. The saved file holds exactly these (plus a small header).
  size_t upper_bytes = 0;
  for (size_t i = 0; i < index->cur_element_count; ++i) {
    upper_bytes += static_cast<size_t>(index->element_levels_[i]) * index->size_links_per_element_;
  }
  const size_t index_bytes = index->cur_element_count * index->size_data_per_element_ + upper_bytes;
  // Per-element bookkeeping hnswlib also keeps in memory (not counted above): the upper-level
  // pointer, the level, one std::mutex, and the label hash-map node.
  const size_t overhead_bytes =
      index->max_elements_ * (sizeof(void*) + sizeof(int) + sizeof(std::mutex)) +
      index->label_lookup_.size() *
          (sizeof(hnswlib::labeltype) + sizeof(hnswlib::tableint) + 2 * sizeof(void*));

  const size_t latency_queries =
      o.latency_queries == 0 ? std::min<size_t>(nq, 1000) : std::min(o.latency_queries, nq);
  std::printf(
      "%s: n=%zu dim=%zu metric=%s k=%zu index=hnswlib-native M=%zu efc=%zu "
      "build_threads=%u threads=%u build_s=%.3f index_bytes=%zu (+%zu bookkeeping) "
      "simd=%s queries=%zu latency_queries=%zu\n",
      o.dataset.c_str(), n, dim, o.metric.c_str(), o.k, o.M, o.efc, o.build_threads, o.threads,
      build_s, index_bytes, overhead_bytes,
#if defined(USE_AVX512)
      AVX512Capable() ? "AVX-512" : "AVX",
#elif defined(USE_AVX)
      "AVX",
#else
      "SSE",
#endif
      nq, latency_queries);
  std::printf("%-28s %8s %12s %10s %10s\n", "params", "recall", "qps", "p50_us", "p99_us");

  struct Run {
    int ef;
    double recall, qps, p50, p99;
  };
  std::vector<Run> runs;
  std::vector<int64_t> found(nq * o.k);
  for (int ef : efs) {
    index->setEf(static_cast<size_t>(ef));
    auto search_one = [&](size_t q, int64_t* out) {
      auto top = index->searchKnn(queries.data() + q * dim, o.k);
      // searchKnn gives the farthest first; fill from the back so out[0] is the nearest.
      size_t m = top.size();
      for (size_t j = m; j < o.k; ++j)
        out[j] = -1;
      for (size_t j = m; j-- > 0;) {
        out[j] = static_cast<int64_t>(top.top().second);
        top.pop();
      }
    };
    for (size_t q = 0; q < std::min<size_t>(nq, 16); ++q)
      search_one(q, found.data() + q * o.k);

    auto t0 = Clock::now();
    parallel_for(nq, o.threads, 16, [&](size_t q) { search_one(q, found.data() + q * o.k); });
    double batch_s = seconds_since(t0);

    size_t hits = 0, possible = 0;
    for (size_t q = 0; q < nq; ++q) {
      std::unordered_set<int64_t> truth;
      for (size_t j = 0; j < o.k; ++j) {
        int32_t id = gt[q * gt_cols + j];
        if (id >= 0)
          truth.insert(id);
      }
      possible += truth.size();
      for (size_t j = 0; j < o.k; ++j)
        hits += truth.count(found[q * o.k + j]);
    }

    std::vector<double> micros;
    micros.reserve(latency_queries);
    std::vector<int64_t> one(o.k);
    for (size_t q = 0; q < latency_queries; ++q) {
      auto s0 = Clock::now();
      search_one(q, one.data());
      micros.push_back(seconds_since(s0) * 1e6);
    }
    std::sort(micros.begin(), micros.end());
    Run r{ef, possible ? static_cast<double>(hits) / static_cast<double>(possible) : 1.0,
          batch_s > 0 ? static_cast<double>(nq) / batch_s : 0, percentile(micros, 0.50),
          percentile(micros, 0.99)};
    runs.push_back(r);
    std::printf("ef=%-25d %8.4f %12.1f %10.1f %10.1f\n", ef, r.recall, r.qps, r.p50, r.p99);
    std::fflush(stdout);
  }

  if (!o.json.empty()) {
    std::string label = "hnswlib-native M=" + std::to_string(o.M) + " efc=" + std::to_string(o.efc);
    std::string out = "{\"system\": \"hnswlib-native\", ";
    out += "\"dataset\": " + json_string(o.dataset) + ", \"n\": " + std::to_string(n) +
           ", \"dim\": " + std::to_string(dim) + ", ";
    out += "\"metric\": " + json_string(o.metric) + ", \"k\": " + std::to_string(o.k) + ", ";
    out +=
        "\"index\": " + json_string(label) + ", \"threads\": " + std::to_string(o.threads) + ", ";
    // index_bytes is all memory held per element (graph, vectors, labels and bookkeeping), the
    // same definition as vecdex's IndexStats::bytes (which counts its id map and per-node
    // arrays); graph_bytes is the part hnswlib writes to its file.
    out += "\"build_s\": " + json_double(build_s) +
           ", \"index_bytes\": " + std::to_string(index_bytes + overhead_bytes) +
           ", \"graph_bytes\": " + std::to_string(index_bytes) + ", ";
#if defined(USE_AVX512)
    out += std::string("\"simd\": ") + (AVX512Capable() ? "\"AVX-512\"" : "\"AVX\"") +
           ",\n \"runs\": [";
#else
    out += "\"simd\": \"AVX or lower\",\n \"runs\": [";
#endif
    for (size_t i = 0; i < runs.size(); ++i) {
      const Run& r = runs[i];
      out += i == 0 ? "\n  " : ",\n  ";
      out += "{\"params\": \"ef=" + std::to_string(r.ef) +
             "\", \"recall\": " + json_double(r.recall) + ", \"qps\": " + json_double(r.qps) +
             ", \"p50_us\": " + json_double(r.p50) + ", \"p99_us\": " + json_double(r.p99) + "}";
    }
    out += runs.empty() ? "]}\n" : "\n ]}\n";
    std::string tmp = o.json + ".tmp";
    std::FILE* f = std::fopen(tmp.c_str(), "wb");
    if (f == nullptr || std::fwrite(out.data(), 1, out.size(), f) != out.size() ||
        std::fclose(f) != 0) {
      fail("cannot write " + o.json);
    }
    if (std::rename(tmp.c_str(), o.json.c_str()) != 0)
      fail("cannot rename " + tmp + " to " + o.json);
  }
  return 0;
}
