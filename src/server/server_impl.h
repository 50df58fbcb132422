// ServerImpl: Server on Boost.Asio/Beast. Owns the router, the shared ServerContext, one
// io_context per I/O thread (options.io_threads of them: reading, writing, and serving the
// quick routes inline), the blocking pool of options.threads threads (writes, snapshots, batch
// searches) and the registry of open connections. Each connection lives on one I/O thread
// (assigned round-robin when accepted), so its handlers need no strand and a request never
// wakes another I/O thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "server/connection_registry.h"
#include "server/dispatcher.h"
#include "server/http_connection.h"
#include "server/router.h"
#include "server/server.h"
#include "server/server_context.h"

namespace vecdex::server {

// Thread safety: start/stop/wait/set_ready may be called from any thread; stop() and wait()
// concurrently from several.
class ServerImpl final : public Server {
 public:
  ServerImpl(Database& db, const ServerOptions& options);
  ~ServerImpl() override;

  Status start() override;
  uint16_t port() const override { return port_.load(std::memory_order_acquire); }
  void set_ready(bool ready) override { context_.ready.store(ready, std::memory_order_release); }
  void stop() override;
  void wait() override;

 private:
  enum class State { kCreated, kRunning, kStopping, kStopped };
  using WorkGuard = boost::asio::executor_work_guard<boost::asio::io_context::executor_type>;

  Status listen();
  void accept();
  void run_io_thread(boost::asio::io_context& io);

  Router router_;
  ServerContext context_;
  Dispatcher dispatcher_;
  std::vector<std::unique_ptr<boost::asio::io_context>> io_;  // io_[0] also accepts
  size_t next_io_ = 0;  // round-robin; used by the accept handler only
  boost::asio::thread_pool blocking_pool_;
  ConnectionRegistry registry_;
  BodyBudget body_budget_;
  ConnectionEnv env_;
  boost::asio::ip::tcp::acceptor acceptor_;  // on io_[0], with accept_retry_
  boost::asio::steady_timer accept_retry_;
  std::vector<WorkGuard> work_;
  std::vector<std::thread> io_threads_;
  std::atomic<uint16_t> port_{0};

  std::mutex state_mu_;
  std::condition_variable state_changed_;
  State state_ = State::kCreated;  // guarded by state_mu_
};

// InvalidArgument naming the option: the listen policy (auth.h), zero threads, body size,
// limits or timeout.
Status validate_server_options(const ServerOptions& options);

}  // namespace vecdex::server
