// Server lifecycle on Boost.Asio; see server_impl.h and server.h.
#include "server/server_impl.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <exception>
#include <future>
#include <string>

#include "server/auth.h"
#include "server/routes.h"

namespace vecdex::server {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

constexpr std::chrono::milliseconds kAcceptRetryDelay(100);

size_t io_thread_count(const ServerOptions& o) {
  if (o.io_threads > 0) return o.io_threads;
  return std::max<size_t>(1, std::thread::hardware_concurrency());
}

std::vector<std::unique_ptr<asio::io_context>> make_io_contexts(size_t n) {
  std::vector<std::unique_ptr<asio::io_context>> contexts;
  // Concurrency hint 1: each context is run by one thread, so Asio can skip its own locking.
  for (size_t i = 0; i < n; ++i) contexts.push_back(std::make_unique<asio::io_context>(1));
  return contexts;
}

}  // namespace

Status validate_server_options(const ServerOptions& o) {
  VECDEX_RETURN_IF_ERROR(check_listen_policy(o.host, o.api_key, o.insecure));
  auto positive = [](const char* name, uint64_t value) -> Status {
    if (value == 0) return invalid_argument(std::string("server option ") + name + " must be > 0");
    return Status();
  };
  VECDEX_RETURN_IF_ERROR(positive("threads", o.threads));
  VECDEX_RETURN_IF_ERROR(positive("max_connections", o.max_connections));
  VECDEX_RETURN_IF_ERROR(positive("max_body_bytes", o.max_body_bytes));
  if (o.max_inflight_body_bytes < o.max_body_bytes) {
    return invalid_argument("server option max_inflight_body_bytes (" +
                            std::to_string(o.max_inflight_body_bytes) +
                            ") must be >= max_body_bytes (" + std::to_string(o.max_body_bytes) +
                            "): a body of the maximum size could never be read");
  }
  VECDEX_RETURN_IF_ERROR(positive("max_json_points", o.max_json_points));
  VECDEX_RETURN_IF_ERROR(positive("max_binary_points", o.max_binary_points));
  VECDEX_RETURN_IF_ERROR(positive("max_k", o.max_k));
  VECDEX_RETURN_IF_ERROR(positive("max_batch_searches", o.max_batch_searches));
  VECDEX_RETURN_IF_ERROR(positive("request_timeout_ms", o.request_timeout_ms));
  VECDEX_RETURN_IF_ERROR(positive("keep_alive_timeout_s", o.keep_alive_timeout_s));
  if (o.host.empty()) return invalid_argument("server option host must not be empty");
  return Status();
}

Result<std::unique_ptr<Server>> Server::create(Database& db, const ServerOptions& options) {
  VECDEX_RETURN_IF_ERROR(validate_server_options(options));
  return std::unique_ptr<Server>(std::make_unique<ServerImpl>(db, options));
}

ServerImpl::ServerImpl(Database& db, const ServerOptions& options)
    : router_(api_routes()),
      context_(db, options, router_.routes()),
      dispatcher_(router_, context_),
      io_(make_io_contexts(io_thread_count(options))),
      blocking_pool_(options.threads),
      registry_(options.max_connections),
      body_budget_(options.max_inflight_body_bytes),
      env_{dispatcher_, context_.options, blocking_pool_, registry_, body_budget_},
      acceptor_(*io_[0]),
      accept_retry_(acceptor_.get_executor()) {}

ServerImpl::~ServerImpl() {
  stop();
  blocking_pool_.join();
}

Status ServerImpl::listen() {
  const ServerOptions& o = context_.options;
  boost::system::error_code ec;
  tcp::resolver resolver(*io_[0]);
  const auto endpoints = resolver.resolve(o.host, std::to_string(o.port),
                                          tcp::resolver::numeric_service, ec);
  auto fail = [&](const boost::system::error_code& error) {
    return io_error("cannot listen on " + o.host + ":" + std::to_string(o.port) + ": " +
                    error.message() + " (address taken, or not an address of this machine)");
  };
  if (ec) return fail(ec);
  const tcp::endpoint endpoint = endpoints.begin()->endpoint();
  // SO_REUSEADDR only (not SO_REUSEPORT): a second server on a taken port must fail.
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return fail(ec);
  }
  port_.store(acceptor_.local_endpoint().port(), std::memory_order_release);
  return Status();
}

void ServerImpl::accept() {
  asio::io_context& io = *io_[next_io_++ % io_.size()];
  acceptor_.async_accept(io, [this](boost::system::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;  // stopping
    if (!ec) {
      auto connection = std::make_shared<HttpConnection>(std::move(socket), env_);
      if (registry_.add(connection)) {
        connection->start();
      } else {
        spdlog::warn("refused a connection: {} connections are open (max_connections)",
                     context_.options.max_connections);
      }
    } else {
      // Out of file descriptors, typically: accepting again at once would spin on the same
      // error, so wait a moment for connections to close.
      spdlog::warn("accept failed: {}; retrying in {} ms", ec.message(),
                   kAcceptRetryDelay.count());
      accept_retry_.expires_after(kAcceptRetryDelay);
      accept_retry_.async_wait([this](boost::system::error_code wait_ec) {
        if (!wait_ec && acceptor_.is_open()) accept();
      });
      return;
    }
    accept();
  });
}

void ServerImpl::run_io_thread(asio::io_context& io) {
  // Handlers do not throw (the Dispatcher catches what route code throws); this keeps an
  // unexpected exception (bad_alloc inside Beast) from ending the thread.
  while (true) {
    try {
      io.run();
      return;
    } catch (const std::exception& e) {
      spdlog::error("server I/O thread: {}", e.what());
    } catch (...) {
      spdlog::error("server I/O thread: unknown exception");
    }
  }
}

Status ServerImpl::start() {
  std::lock_guard<std::mutex> lock(state_mu_);
  if (state_ != State::kCreated) {
    return failed_precondition("Server::start: the server was already started or stopped");
  }
  VECDEX_RETURN_IF_ERROR(listen());
  for (auto& io : io_) work_.emplace_back(io->get_executor());
  accept();
  for (auto& io : io_) io_threads_.emplace_back([this, &io] { run_io_thread(*io); });
  state_ = State::kRunning;
  spdlog::debug("vecdex server listening on {}:{} ({} I/O threads, {} blocking threads)",
                context_.options.host, port(), io_.size(), context_.options.threads);
  return Status();
}

void ServerImpl::stop() {
  std::unique_lock<std::mutex> lock(state_mu_);
  if (state_ == State::kStopping || state_ == State::kStopped) {
    state_changed_.wait(lock, [this] { return state_ == State::kStopped; });
    return;
  }
  const bool running = state_ == State::kRunning;
  state_ = State::kStopping;
  lock.unlock();
  if (running) {
    // Stop accepting, close idle connections, let busy ones finish their current request,
    // then let the I/O threads run out of work.
    std::promise<void> closed;
    asio::post(acceptor_.get_executor(), [this, &closed] {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      accept_retry_.cancel();
      closed.set_value();
    });
    closed.get_future().wait();  // no connection is accepted after this
    registry_.shut_down_all();
    registry_.wait_until_empty();
    work_.clear();
    for (std::thread& t : io_threads_) t.join();
    io_threads_.clear();
  }
  lock.lock();
  state_ = State::kStopped;
  state_changed_.notify_all();
}

void ServerImpl::wait() {
  std::unique_lock<std::mutex> lock(state_mu_);
  state_changed_.wait(lock, [this] { return state_ == State::kStopped; });
}

}  // namespace vecdex::server
