// The vecdex HTTP/JSON server: the API of docs/api.md over a Database, on Boost.Beast/Asio
// (HTTP/1.1, keep-alive; a few I/O threads serve every connection, searches run on them
// inline, writes and snapshots on a blocking pool). Bodies are parsed by json_codec.h;
// metrics are kept with prometheus-cpp and served as Prometheus text on /metrics.
//
// Lifecycle: Server::create() checks the options (a non-loopback host needs an api_key unless
// `insecure`), start() binds and returns once the socket listens (port() then tells the port,
// also when 0 asked for an ephemeral one), stop() stops accepting, closes idle connections,
// lets in-flight requests finish and returns once every connection has closed; the Database is then idle and may be
// closed (RocksDB syncs its WAL on close). The Database must outlive the Server.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>

#include "vecdex/database.h"
#include "vecdex/result.h"

namespace vecdex::server {

struct ServerOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;               // 0: pick a free port (tests)
  std::string api_key;                // non-empty: every request needs "Authorization: Bearer KEY"
  bool insecure = false;              // allow a non-loopback host without an api_key
  uint32_t io_threads = 0;            // threads serving sockets and quick routes; 0: one per core
  uint32_t threads = 8;               // blocking pool: writes, seal, snapshots, batch searches
  size_t max_connections = 1024;      // more are closed as soon as they are accepted
  size_t max_body_bytes = 256u << 20; // larger bodies get 413
  // Request bodies held by all connections at once (bodies are read whole before the handler
  // runs); a request that would pass it gets 503 and the connection closes.
  size_t max_inflight_body_bytes = size_t{1} << 30;
  size_t max_json_points = 10000;     // points in one JSON upsert
  size_t max_binary_points = 100000;  // rows in one binary (float32) upsert
  size_t max_k = 10000;
  size_t max_batch_searches = 1000;
  uint32_t request_timeout_ms = 30000;  // socket read/write timeout; a batch search past it
                                        // stops early with 503
  uint32_t keep_alive_timeout_s = 5;   // an idle connection (or a slow header) is closed after
  std::filesystem::path snapshot_dir;  // where snapshots live (serve: <data-dir>/snapshots)
  bool start_ready = true;             // false: /readyz answers 503 until set_ready(true)
};

class Server {
 public:
  // InvalidArgument for bad options (e.g. a public host without api_key and !insecure).
  static Result<std::unique_ptr<Server>> create(Database& db, const ServerOptions& options);
  virtual ~Server() = default;

  // Binds and starts serving on a background thread. IOError when the address is taken.
  virtual Status start() = 0;
  virtual uint16_t port() const = 0;
  // What /readyz reports (e.g. false while `vecdex serve` loads its demo collection).
  virtual void set_ready(bool ready) = 0;
  // Graceful: stop accepting, finish in-flight requests, join. Idempotent.
  virtual void stop() = 0;
  // Blocks until stop() has completed (from another thread or a signal handler's thread).
  virtual void wait() = 0;
};

}  // namespace vecdex::server
