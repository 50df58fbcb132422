// ServerImpl: Server on cpp-httplib. Owns the router, the shared ServerContext, the httplib
// server (a ThreadPool of options.threads connection threads) and the listener thread.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>

#include "server/dispatcher.h"
#include "server/router.h"
#include "server/server.h"
#include "server/server_context.h"

namespace httplib {
class Server;
}

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

  void install_handlers();

  Router router_;
  ServerContext context_;
  Dispatcher dispatcher_;
  std::unique_ptr<httplib::Server> http_;
  std::thread listener_;
  std::atomic<uint16_t> port_{0};

  std::mutex state_mu_;
  std::condition_variable state_changed_;
  State state_ = State::kCreated;   // guarded by state_mu_
  std::atomic<bool> listener_exited_{false};
};

// InvalidArgument naming the option: the listen policy (auth.h), zero threads, body size,
// limits or timeout.
Status validate_server_options(const ServerOptions& options);

}  // namespace vecdex::server
