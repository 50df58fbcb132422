// vecdex serve: the HTTP/JSON API (docs/api.md) over a Database in --data-dir, until SIGTERM or
// SIGINT. With --demo it first makes sure collection `fashion` (Fashion-MNIST) exists and prints
// curl commands that search it; /healthz answers at once, /readyz once the demo is loaded.
//   vecdex serve --data-dir ./vecdex-data [--host 127.0.0.1] [--port 8080] [--api-key KEY] [--demo]
#include <string>

#include <fmt/format.h>

#include "commands.h"

#ifdef VECDEX_HAVE_SERVER
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <stop_token>
#include <string_view>
#include <thread>

#include "server/demo_collection.h"
#include "server/server.h"
#include "vecdex/database.h"
#endif

namespace vecdex::cli {
namespace {

struct ServeOptions {
  std::string data_dir;
  std::string host = "127.0.0.1";
  uint32_t port = 8080;
  std::string api_key;
  bool insecure = false;
  uint32_t io_threads = 0;
  uint32_t threads = 8;
  size_t max_connections = 1024;
  size_t max_body_mb = 256;
  size_t max_inflight_body_mb = 0;  // 0: max(1024, max_body_mb)
  size_t max_k = 10000;
  size_t max_batch = 1000;
  size_t max_points = 10000;
  size_t max_rows = 100000;
  uint32_t timeout_ms = 30000;
  std::string sync = "every";
  bool mmap_segments = false;
  bool demo = false;
  std::string demo_index = "HNSW16,efc=200";
  std::string demo_params = "ef=24";
  std::string demo_data = "/usr/share/datasets/fashion-mnist";
};

#ifdef VECDEX_HAVE_SERVER

void log_line(std::string_view line) {
  std::fprintf(stderr, "vecdex serve: %.*s\n", static_cast<int>(line.size()), line.data());
  std::fflush(stderr);
}

// The write end of the shutdown pipe. Global because a signal handler gets no context; set
// and cleared by ShutdownSignals, of which one exists at a time.
std::atomic<int> g_shutdown_pipe{-1};
std::atomic<int> g_signals_seen{0};

// Async-signal-safe: the first SIGINT/SIGTERM is passed to the waiter thread through the pipe;
// a second one (an impatient Ctrl-C during a long index build) exits at once. Acknowledged
// writes are in RocksDB's WAL, so that loses nothing acknowledged.
void on_shutdown_signal(int signal) {
  if (g_signals_seen.fetch_add(1) > 0) {
    constexpr char kMessage[] = "vecdex serve: second signal: exiting at once\n";
    ssize_t ignored = ::write(2, kMessage, sizeof(kMessage) - 1);
    (void)ignored;
    ::_exit(128 + signal);
  }
  unsigned char byte = static_cast<unsigned char>(signal);
  int fd = g_shutdown_pipe.load();
  if (fd >= 0) {
    ssize_t ignored = ::write(fd, &byte, 1);
    (void)ignored;
  }
}

// Turns SIGINT and SIGTERM into a call of `on_signal` on a dedicated thread, outside any
// signal-handler restriction. A handler plus a pipe rather than sigwait() with the signals
// blocked: libraries start threads before main() (OpenBLAS's pool), and a signal delivered
// to one of those with the default action would kill the process.
class ShutdownSignals {
 public:
  ShutdownSignals() {
    if (::pipe2(pipe_, O_CLOEXEC) != 0) return;  // start() then reports it
    g_shutdown_pipe.store(pipe_[1]);
    struct sigaction action {};
    action.sa_handler = on_shutdown_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;
    ::sigaction(SIGINT, &action, nullptr);
    ::sigaction(SIGTERM, &action, nullptr);
  }
  ~ShutdownSignals() {
    stop_waiting();
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    g_shutdown_pipe.store(-1);
    for (int fd : pipe_) {
      if (fd >= 0) ::close(fd);
    }
  }
  ShutdownSignals(const ShutdownSignals&) = delete;
  ShutdownSignals& operator=(const ShutdownSignals&) = delete;

  Status start(std::function<void(int)> on_signal) {
    if (pipe_[0] < 0) return io_error(fmt::format("pipe2: {}", std::strerror(errno)));
    waiter_ = std::thread([this, on_signal = std::move(on_signal)] {
      unsigned char byte = 0;
      ssize_t n;
      do {
        n = ::read(pipe_[0], &byte, 1);
      } while (n < 0 && errno == EINTR);
      if (n == 1 && byte != 0 && !finished_) on_signal(byte);
    });
    return Status();
  }
  // Ends the waiter thread (waking it with a 0 byte when no signal came); on_signal does not
  // run after this returns.
  void stop_waiting() {
    if (!waiter_.joinable()) return;
    finished_ = true;
    unsigned char zero = 0;
    ssize_t ignored = ::write(pipe_[1], &zero, 1);
    (void)ignored;
    waiter_.join();
  }

 private:
  int pipe_[2] = {-1, -1};
  std::atomic<bool> finished_{false};
  std::thread waiter_;
};

Result<SyncPolicy> parse_sync(const std::string& text) {
  if (text == "every") return SyncPolicy::kEveryWrite;
  if (text == "group") return SyncPolicy::kGroupCommit;
  if (text == "periodic") return SyncPolicy::kPeriodic;
  return invalid_argument(
      fmt::format("--sync: unknown policy '{}' (expected every, group or periodic)", text));
}

// "host:port" as it goes into a URL; IPv6 addresses get brackets.
std::string url_authority(const std::string& host, uint16_t port) {
  if (host.find(':') != std::string::npos) return fmt::format("[{}]:{}", host, port);
  return fmt::format("{}:{}", host, port);
}

// Where a client on this machine reaches the server: a wildcard bind address becomes loopback.
std::string client_host(const std::string& host) {
  if (host == "0.0.0.0" || host.empty()) return "127.0.0.1";
  if (host == "::") return "::1";
  return host;
}

// Quotes for a POSIX shell unless the word is made of characters a shell leaves alone.
std::string shell_word(const std::string& word) {
  bool plain = !word.empty();
  for (char c : word) {
    bool safe = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                std::string_view("@%+=:,./_-").find(c) != std::string_view::npos;
    plain = plain && safe;
  }
  if (plain) return word;
  std::string quoted = "'";
  for (char c : word) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

// The curl commands printed once the demo is ready. A key that came from $VECDEX_API_KEY is
// printed as that variable, one given with --api-key as it is.
void print_demo_commands(const ServeOptions& o, bool key_from_env, uint16_t port,
                         const server::DemoCollectionReport& report) {
  std::string auth;
  if (key_from_env) {
    auth = " -H \"Authorization: Bearer $VECDEX_API_KEY\"";
  } else if (!o.api_key.empty()) {
    auth = " -H " + shell_word("Authorization: Bearer " + o.api_key);
  }
  std::string url = fmt::format("http://{}/collections/fashion/search",
                                url_authority(client_host(o.host), port));
  std::string out = fmt::format(
      "collection 'fashion' is ready: {} Fashion-MNIST images (label, label_name payload).\n"
      "Search it (10 nearest neighbours of the first test image):\n", report.points);
  auto command = [&](const std::filesystem::path& body) {
    return fmt::format("  curl -s -X POST {}{} \\\n       -H 'Content-Type: application/json' "
                       "-d @{}\n", url, auth, shell_word(body.string()));
  };
  out += command(report.query_file);
  out += "The same search among sneakers only (filter label == 7):\n";
  out += command(report.filtered_query_file);
  out += "Ctrl-C stops the server; the next start reuses the data.\n";
  std::fputs(out.c_str(), stdout);
  std::fflush(stdout);
}

Result<server::ServerOptions> server_options(const ServeOptions& o) {
  if (o.port > 65535) return invalid_argument(fmt::format("--port {}: above 65535", o.port));
  if (o.threads == 0) return invalid_argument("--threads must be at least 1");
  if (o.max_body_mb == 0 || o.max_k == 0 || o.max_batch == 0 || o.max_points == 0 ||
      o.max_rows == 0 || o.max_connections == 0 || o.timeout_ms == 0) {
    return invalid_argument(
        "--max-body-mb, --max-k, --max-batch, --max-points, --max-rows, --max-connections and "
        "--timeout-ms must be > 0");
  }
  if (o.max_body_mb > (size_t{1} << 14)) {
    return invalid_argument(fmt::format("--max-body-mb {}: above 16384", o.max_body_mb));
  }
  const size_t inflight_mb =
      o.max_inflight_body_mb != 0 ? o.max_inflight_body_mb : std::max<size_t>(1024, o.max_body_mb);
  if (inflight_mb < o.max_body_mb || inflight_mb > (size_t{1} << 20)) {
    return invalid_argument(fmt::format(
        "--max-inflight-body-mb {}: must be in --max-body-mb ({})..1048576", inflight_mb,
        o.max_body_mb));
  }
  server::ServerOptions so;
  so.host = o.host;
  so.port = static_cast<uint16_t>(o.port);
  so.api_key = o.api_key;
  so.insecure = o.insecure;
  so.io_threads = o.io_threads;
  so.threads = o.threads;
  so.max_connections = o.max_connections;
  so.max_body_bytes = o.max_body_mb << 20;
  so.max_inflight_body_bytes = inflight_mb << 20;
  so.max_k = o.max_k;
  so.max_batch_searches = o.max_batch;
  so.max_json_points = o.max_points;
  so.max_binary_points = o.max_rows;
  so.request_timeout_ms = o.timeout_ms;
  so.snapshot_dir = std::filesystem::path(o.data_dir) / "snapshots";
  so.start_ready = !o.demo;
  return so;
}

// Loads the demo collection while the server already answers; on success marks it ready and
// prints the curl commands. Cancelled (a signal came) is not an error.
Status load_demo(Database& db, server::Server& server, const ServeOptions& o, bool key_from_env,
                 std::stop_token stop) {
  server::DemoCollectionOptions demo;
  demo.dataset_dir = o.demo_data;
  demo.index_spec = o.demo_index;
  demo.search_params = o.demo_params;
  demo.query_dir = o.data_dir;
  demo.stop = std::move(stop);
  demo.log = log_line;
  Result<server::DemoCollectionReport> report = server::ensure_demo_collection(db, demo);
  if (!report.ok()) {
    if (report.status().code() == StatusCode::kCancelled) return Status();
    return report.status().with_context("demo collection");
  }
  server.set_ready(true);
  log_line("ready");
  print_demo_commands(o, key_from_env, server.port(), *report);
  return Status();
}

Status run_serve(ServeOptions o) {
  bool key_from_env = false;
  if (o.api_key.empty()) {
    const char* env = std::getenv("VECDEX_API_KEY");
    if (env != nullptr && *env != '\0') {
      o.api_key = env;
      key_from_env = true;
    }
  }
  VECDEX_ASSIGN_OR_RETURN(SyncPolicy sync, parse_sync(o.sync));
  VECDEX_ASSIGN_OR_RETURN(server::ServerOptions so, server_options(o));

  // The server's own log lines go to stderr with ours; stdout carries only the curl commands.
  spdlog::set_default_logger(spdlog::stderr_color_mt("vecdex-serve"));
  ShutdownSignals signals;
  DatabaseOptions db_options;
  db_options.sync = sync;
  db_options.map_segment_files = o.mmap_segments;
  Result<std::unique_ptr<Database>> db = Database::open(o.data_dir, db_options);
  if (!db.ok()) return db.status().with_context(fmt::format("opening {}", o.data_dir));
  VECDEX_ASSIGN_OR_RETURN(std::unique_ptr<server::Server> server,
                          server::Server::create(**db, so));
  VECDEX_RETURN_IF_ERROR(server->start());
  log_line(fmt::format("listening on http://{}", url_authority(o.host, server->port())));

  std::stop_source stop;
  VECDEX_RETURN_IF_ERROR(signals.start([&](int signal) {
    log_line(fmt::format("{} received: finishing in-flight requests and stopping",
                         signal == SIGINT ? "SIGINT" : "SIGTERM"));
    stop.request_stop();
    server->stop();
  }));
  if (o.demo) {
    Status loaded = load_demo(**db, *server, o, key_from_env, stop.get_token());
    if (!loaded.ok()) {
      signals.stop_waiting();  // before `server` goes: the waiter's callback uses it
      server->stop();
      return loaded;
    }
  }
  server->wait();
  signals.stop_waiting();
  server.reset();
  db->reset();  // closes RocksDB (flushes) after the server no longer uses it
  log_line("stopped");
  return Status();
}

#else

Status run_serve(const ServeOptions&) {
  return unimplemented(
      "this vecdex was built without the HTTP server (cpp-httplib, simdjson, nlohmann-json, "
      "prometheus-cpp or libarchive missing at configure time; run scripts/install-deps and "
      "rebuild)");
}

#endif

}  // namespace

Command add_serve_command(CLI::App& root) {
  auto o = std::make_shared<ServeOptions>();
  CLI::App* sub = root.add_subcommand("serve", "Serve collections over HTTP/JSON (docs/api.md)");
  sub->add_option("--data-dir", o->data_dir, "Database directory (created if missing)")
      ->required();
  sub->add_option("--host", o->host, "Address to listen on")->capture_default_str();
  sub->add_option("--port", o->port, "Port (0 = any free port, printed at start)")
      ->capture_default_str();
  sub->add_option("--api-key", o->api_key,
                  "Require 'Authorization: Bearer KEY' on every request (or $VECDEX_API_KEY)");
  sub->add_flag("--insecure", o->insecure,
                "Allow a non-loopback --host without an API key");
  sub->add_option("--io-threads", o->io_threads,
                  "Threads serving the sockets and running searches (0 = one per core)")
      ->capture_default_str();
  sub->add_option("--threads", o->threads,
                  "Threads for writes, seal, snapshots and batch searches")
      ->capture_default_str();
  sub->add_option("--max-connections", o->max_connections,
                  "Open connections at most (more are closed at once)")
      ->capture_default_str();
  sub->add_option("--max-body-mb", o->max_body_mb, "Largest request body in MiB (413 above)")
      ->capture_default_str();
  sub->add_option("--max-inflight-body-mb", o->max_inflight_body_mb,
                  "Request bodies held by all connections at once, in MiB (503 above; "
                  "default max(1024, --max-body-mb))");
  sub->add_option("--max-k", o->max_k, "Largest k of a search")->capture_default_str();
  sub->add_option("--max-batch", o->max_batch, "Most searches in one /search/batch request")
      ->capture_default_str();
  sub->add_option("--max-points", o->max_points, "Most points in one JSON upsert")
      ->capture_default_str();
  sub->add_option("--max-rows", o->max_rows, "Most rows in one binary (float32) upsert")
      ->capture_default_str();
  sub->add_option("--timeout-ms", o->timeout_ms, "Socket read/write and batch-search timeout")
      ->capture_default_str();
  sub->add_option("--sync", o->sync, "WAL sync policy: every | group | periodic")
      ->capture_default_str();
  sub->add_flag("--mmap-segments", o->mmap_segments,
                "Map sealed segment files instead of reading them into memory (for indexes "
                "larger than RAM; searches walk 4 KiB pages, a few percent slower)");
  sub->add_flag("--demo,!--no-demo", o->demo,
                "Create (or reuse) collection 'fashion' from Fashion-MNIST and print curl "
                "commands that search it (default: off)");
  sub->add_option("--demo-index", o->demo_index, "Index spec of the demo collection")
      ->capture_default_str();
  sub->add_option("--demo-params", o->demo_params, "Search params in the demo query files")
      ->capture_default_str();
  sub->add_option("--demo-data", o->demo_data,
                  "Directory with Fashion-MNIST's IDX files (train-images-idx3-ubyte.gz, ...)")
      ->capture_default_str();
  return Command{sub, [o] { return run_serve(*o); }};
}

}  // namespace vecdex::cli
