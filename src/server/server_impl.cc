// Server lifecycle on cpp-httplib; see server_impl.h and server.h.
#include "server/server_impl.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "server/auth.h"
#include "server/http_errors.h"
#include "server/routes.h"

namespace vecdex::server {
namespace {

// Bodies for the errors httplib answers itself, before a request reaches the Dispatcher.
Status status_of_http_error(int http_status) {
  switch (http_status) {
    case kHttpBadRequest:
      return invalid_argument("malformed HTTP request");
    case 414:
      return invalid_argument("the request URI is too long");
    case kHttpPayloadTooLarge:
      return resource_exhausted("the request body is larger than the server's limit");
    case kHttpNotFound:
      return not_found("no route for this request (see docs/api.md)");
    default:
      return internal_error("HTTP " + std::to_string(http_status));
  }
}

// SO_REUSEADDR only: httplib's default also sets SO_REUSEPORT, which would let a second
// server bind a port that is already taken instead of failing.
void reuse_address(socket_t sock) {
  int yes = 1;
  ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
}

// Requests one keep-alive connection may carry before the server closes it (httplib's default,
// 5, would make load generators reconnect all the time).
constexpr size_t kKeepAliveMaxRequests = 100000;

}  // namespace

Status validate_server_options(const ServerOptions& o) {
  VECDEX_RETURN_IF_ERROR(check_listen_policy(o.host, o.api_key, o.insecure));
  auto positive = [](const char* name, uint64_t value) -> Status {
    if (value == 0) return invalid_argument(std::string("server option ") + name + " must be > 0");
    return Status();
  };
  VECDEX_RETURN_IF_ERROR(positive("threads", o.threads));
  VECDEX_RETURN_IF_ERROR(positive("max_body_bytes", o.max_body_bytes));
  VECDEX_RETURN_IF_ERROR(positive("max_json_points", o.max_json_points));
  VECDEX_RETURN_IF_ERROR(positive("max_binary_points", o.max_binary_points));
  VECDEX_RETURN_IF_ERROR(positive("max_k", o.max_k));
  VECDEX_RETURN_IF_ERROR(positive("max_batch_searches", o.max_batch_searches));
  VECDEX_RETURN_IF_ERROR(positive("request_timeout_ms", o.request_timeout_ms));
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
      http_(std::make_unique<httplib::Server>()) {
  install_handlers();
}

ServerImpl::~ServerImpl() { stop(); }

void ServerImpl::install_handlers() {
  httplib::Server& h = *http_;
  const Dispatcher* d = &dispatcher_;
  const ServerOptions& o = context_.options;
  // Our Router matches paths; httplib only sees one catch-all pattern per method.
  const std::string any = ".*";
  const httplib::Server::Handler plain = [d](const httplib::Request& req,
                                             httplib::Response& res) {
    d->handle(req, res, nullptr);
  };
  // Bodies are read by the handler (within max_body_bytes), so binary uploads go straight
  // into points and an oversized body gets a JSON 413.
  const httplib::Server::HandlerWithContentReader with_body =
      [d](const httplib::Request& req, httplib::Response& res,
          const httplib::ContentReader& reader) { d->handle(req, res, &reader); };
  h.Get(any, plain);
  h.Post(any, plain);
  h.Post(any, with_body);
  h.Put(any, plain);
  h.Put(any, with_body);
  h.Delete(any, plain);
  h.Delete(any, with_body);
  h.Patch(any, plain);  // PATCH and OPTIONS exist on no route: a JSON 405/404
  h.Patch(any, with_body);
  h.Options(any, plain);

  h.set_error_handler(httplib::Server::HandlerWithResponse(
      [](const httplib::Request&, httplib::Response& res) {
        if (!res.body.empty() || res.content_provider_) {
          return httplib::Server::HandlerResponse::Unhandled;  // the Dispatcher wrote it
        }
        write_error(res, res.status, status_of_http_error(res.status));
        return httplib::Server::HandlerResponse::Handled;
      }));
  h.set_exception_handler(
      [](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
        write_error(res, 500, internal_error("unexpected error while serving the request"));
      });
  // Runs for every response (httplib's own errors too) just before it is written, so a
  // client that got its answer also sees it counted.
  h.set_post_routing_handler([d](const httplib::Request& req, httplib::Response& res) {
    d->count_response(req, res);
  });

  h.set_payload_max_length(o.max_body_bytes);
  const time_t timeout_s = o.request_timeout_ms / 1000;
  const time_t timeout_us = (o.request_timeout_ms % 1000) * 1000;
  h.set_read_timeout(timeout_s, timeout_us);
  h.set_write_timeout(timeout_s, timeout_us);
  h.set_keep_alive_timeout(o.keep_alive_timeout_s);
  h.set_keep_alive_max_count(kKeepAliveMaxRequests);
  h.set_tcp_nodelay(true);  // small responses must not wait for Nagle + delayed ACK
  h.set_socket_options(reuse_address);
  const size_t threads = o.threads;
  h.new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
}

Status ServerImpl::start() {
  std::unique_lock<std::mutex> lock(state_mu_);
  if (state_ != State::kCreated) {
    return failed_precondition("Server::start: the server was already started or stopped");
  }
  const ServerOptions& o = context_.options;
  int port = o.port;
  errno = 0;
  if (o.port == 0) {
    port = http_->bind_to_any_port(o.host);
  } else if (!http_->bind_to_port(o.host, o.port)) {
    port = -1;
  }
  if (port <= 0) {
    return io_error("cannot listen on " + o.host + ":" + std::to_string(o.port) +
                    (errno != 0 ? std::string(": ") + std::strerror(errno) : std::string()) +
                    " (address taken, or not an address of this machine)");
  }
  port_.store(static_cast<uint16_t>(port), std::memory_order_release);
  listener_ = std::thread([this] {
    http_->listen_after_bind();
    listener_exited_.store(true);
    { std::lock_guard<std::mutex> guard(state_mu_); }  // no lost wake-up in wait()
    state_changed_.notify_all();
  });
  // httplib's stop() is a no-op until the accept loop runs; wait for it so that a stop()
  // right after start() cannot miss it and leave the listener running.
  while (!http_->is_running() && !listener_exited_.load()) {
    std::this_thread::sleep_for(std::chrono::microseconds(100));
  }
  state_ = State::kRunning;
  spdlog::debug("vecdex server listening on {}:{}", o.host, port);
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
    // Closes the listening socket; the accept loop ends, then httplib's task queue lets every
    // connection finish its current request and joins the connection threads.
    http_->stop();
    listener_.join();
  }
  lock.lock();
  state_ = State::kStopped;
  state_changed_.notify_all();
}

void ServerImpl::wait() {
  std::unique_lock<std::mutex> lock(state_mu_);
  state_changed_.wait(lock, [this] { return state_ == State::kStopped || listener_exited_.load(); });
}

}  // namespace vecdex::server
