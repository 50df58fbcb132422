// One client connection on Boost.Beast; see http_connection.h.
#include "server/http_connection.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <chrono>
#include <future>
#include <string_view>
#include <utility>

#include "server/connection_registry.h"
#include "server/http_errors.h"
#include "server/text_util.h"

namespace vecdex::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;

// Request line plus headers; more is a 400 (httplib's and nginx's limits are of this order).
constexpr uint32_t kMaxHeaderBytes = 64 * 1024;
// The rest of a refused (413) body is read and dropped up to this size so the connection can
// serve the next request; a larger one closes the connection instead.
constexpr size_t kMaxSkippedBytes = 16u << 20;
// How long a closing connection waits for the client to stop sending (see close_gracefully).
constexpr auto kLingerTime = std::chrono::seconds(1);
constexpr size_t kMaxLingerBytes = 1u << 20;
constexpr size_t kScratchBytes = 64 * 1024;
constexpr size_t kInitialBufferBytes = 16 * 1024;
constexpr uint64_t kMaxBodyReserve = 8u << 20;
constexpr size_t kChunkedReserveStep = 1u << 20;

// Beast 1.74 speaks boost::string_view.
std::string_view std_view(beast::string_view s) { return {s.data(), s.size()}; }

std::chrono::milliseconds request_timeout(const ServerOptions& o) {
  return std::chrono::milliseconds(o.request_timeout_ms);
}

}  // namespace

HttpConnection::HttpConnection(asio::ip::tcp::socket socket, ConnectionEnv& env)
    : stream_(std::move(socket)), env_(env), body_reservation_(env.body_budget) {
  // Room for a whole typical request (a 784-float JSON search is ~7 KiB): Beast reads at most
  // the buffer's free space at a time, and starting from 512 bytes costs several reads each.
  buffer_.reserve(kInitialBufferBytes);
}

HttpConnection::~HttpConnection() { env_.registry.remove(this); }

void HttpConnection::start() {
  beast::error_code ignored;
  stream_.socket().set_option(asio::ip::tcp::no_delay(true), ignored);  // no Nagle delay
  asio::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->read_header(); });
}

void HttpConnection::shut_down() {
  asio::post(stream_.get_executor(), [self = shared_from_this()] {
    self->stopping_ = true;
    if (self->waiting_for_request_) self->close_now();
  });
}

bool HttpConnection::keep_alive() const { return request_keep_alive_ && !stopping_; }

void HttpConnection::read_header() {
  if (stopping_) return close_now();
  // The previous request is done: its body leaves memory and the budget.
  request_ = HttpRequest();
  body_reservation_.release();
  parser_.emplace();
  parser_->header_limit(kMaxHeaderBytes);
  parser_->body_limit(env_.options.max_body_bytes);
  waiting_for_request_ = true;
  stream_.expires_after(std::chrono::seconds(env_.options.keep_alive_timeout_s));
  http::async_read_header(stream_, buffer_, *parser_,
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            self->on_header(ec);
                          });
}

void HttpConnection::on_header(beast::error_code ec) {
  waiting_for_request_ = false;
  if (ec == http::error::end_of_stream || ec == beast::error::timeout ||
      ec == asio::error::operation_aborted || ec == asio::error::connection_reset ||
      ec == asio::error::eof) {
    return close_now();  // the client left, idled out, or the server is stopping
  }
  const auto& header = parser_->get();
  request_.method = std::string(std_view(header.method_string()));
  const std::string_view target = std_view(header.target());
  const size_t question = target.find('?');
  request_.path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    request_.query = parse_query_string(target.substr(question + 1));
  }
  request_.authorization = std::string(std_view(header[http::field::authorization]));
  request_.content_type = std::string(std_view(header[http::field::content_type]));
  if (auto length = parser_->content_length()) request_.content_length = *length;
  request_keep_alive_ = header.keep_alive();
  head_request_ = header.method() == http::verb::head;
  const bool expects_continue =
      ascii_iequals(std_view(header[http::field::expect]), "100-continue");
  if (ec == http::error::body_limit) {
    // Content-Length over the limit: answer now, then skip the body if that is cheap (a
    // client waiting for "100 Continue" sends none: the connection closes instead).
    if (expects_continue) request_keep_alive_ = false;
    reply_error(kHttpPayloadTooLarge,
                resource_exhausted("the request body is larger than the server's limit of " +
                                   std::to_string(env_.options.max_body_bytes) +
                                   " bytes (max_body_bytes)"));
    return;
  }
  if (ec) {
    request_keep_alive_ = false;
    return reply_error(kHttpBadRequest,
                       invalid_argument("malformed HTTP request: " + ec.message()));
  }
  route_ = env_.dispatcher.match(request_);
  const bool has_body = parser_->chunked() || parser_->content_length().value_or(0) > 0;
  if (has_body && env_.dispatcher.lacks_key(route_, request_.authorization)) {
    // 401 before the body: a client without the key makes the server hold no body. The
    // connection closes after the answer (the unread body cannot be told from the next request).
    request_keep_alive_ = false;
    return serve();
  }
  // A declared body takes its share of the budget before anything is read (or "100 Continue"
  // invites it).
  if (auto length = parser_->content_length(); length && !reserve_body(*length)) return;
  if (expects_continue) {
    // curl waits up to a second for this before it sends a large body.
    static constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
    stream_.expires_after(request_timeout(env_.options));
    asio::async_write(stream_, asio::buffer(kContinue.data(), kContinue.size()),
                      [self = shared_from_this()](beast::error_code write_ec, size_t) {
                        if (write_ec) return self->close_now();
                        self->read_body();
                      });
    return;
  }
  read_body();
}

void HttpConnection::read_body() {
  if (parser_->is_done()) return on_body({});
  // Reserve for the declared length, but not more than a modest amount before the bytes are
  // actually there: a client can declare a large body and send nothing.
  if (auto length = parser_->content_length()) {
    parser_->get().body().reserve(std::min<uint64_t>(*length, kMaxBodyReserve));
  }
  // A small body usually came in the same read as the header: parse what is buffered now
  // rather than through another asynchronous operation (and its timer).
  while (!parser_->is_done() && buffer_.size() > 0) {
    beast::error_code ec;
    const size_t used = parser_->put(buffer_.data(), ec);
    buffer_.consume(used);
    if (ec == http::error::need_more) break;
    if (ec) return on_body(ec);
    if (used == 0) break;
  }
  if (!reserve_body_read_so_far()) return;
  if (parser_->is_done()) return on_body({});
  read_more_body();
}

void HttpConnection::read_more_body() {
  // Piece by piece, so the timeout is the client's silence, not the whole transfer's length.
  stream_.expires_after(request_timeout(env_.options));
  http::async_read_some(stream_, buffer_, *parser_,
                        [self = shared_from_this()](beast::error_code ec, size_t) {
                          if (!ec && !self->reserve_body_read_so_far()) return;
                          if (!ec && !self->parser_->is_done()) return self->read_more_body();
                          self->on_body(ec);
                        });
}

bool HttpConnection::reserve_body_read_so_far() {
  // A chunked body (no declared length) takes budget as it grows, a MiB ahead at a time.
  const size_t size = parser_->get().body().size();
  return size <= body_reservation_.held() || reserve_body(size + kChunkedReserveStep);
}

bool HttpConnection::reserve_body(size_t bytes) {
  if (body_reservation_.grow_to(bytes)) return true;
  request_keep_alive_ = false;
  reply_error(kHttpServiceUnavailable,
              resource_exhausted(
                  "the server holds " + std::to_string(env_.body_budget.in_flight()) +
                  " bytes of request bodies and this one would pass its limit of " +
                  std::to_string(env_.body_budget.max_bytes()) +
                  " (max_inflight_body_bytes); retry later"));
  return false;
}

void HttpConnection::on_body(beast::error_code ec) {
  if (ec == http::error::body_limit) {  // a chunked body grew past the limit
    request_keep_alive_ = false;
    return reply_error(kHttpPayloadTooLarge,
                       resource_exhausted("the request body is larger than the server's limit "
                                          "of " + std::to_string(env_.options.max_body_bytes) +
                                          " bytes (max_body_bytes)"));
  }
  // Timed out (Beast has closed the socket), went away mid-body, or sent a malformed chunk.
  if (ec) return close_now();
  request_.body = std::move(parser_->get().body());
  serve();
}

void HttpConnection::serve() {
  response_ = HttpResponse();
  if (env_.dispatcher.runs_inline(route_)) {
    env_.dispatcher.handle(request_, response_, route_);
    if (response_.stream) {
      asio::post(env_.blocking_pool, [self = shared_from_this()] { self->stream_body_on_pool(); });
      return;
    }
    return write_response();
  }
  asio::post(env_.blocking_pool, [self = shared_from_this()] { self->serve_on_pool(); });
}

void HttpConnection::serve_on_pool() {
  env_.dispatcher.handle(request_, response_, route_);
  if (response_.stream) return stream_body_on_pool();
  asio::post(stream_.get_executor(), [self = shared_from_this()] { self->write_response(); });
}

template <typename Done>
void HttpConnection::send_response(bool keep_alive, Done&& done) {
  // The head is formatted by hand into a buffer kept across requests, and goes out with the
  // body in one gathered write: Beast's message and serializer cost allocations and several
  // microseconds per small answer, a few percent of a search.
  wire_head_.clear();
  append_response_head(response_, keep_alive, wire_head_);
  if (head_request_) response_.body.clear();  // Content-Length stays that of the GET
  const std::array<asio::const_buffer, 2> pieces{asio::buffer(wire_head_),
                                                 asio::buffer(response_.body)};
  stream_.expires_after(request_timeout(env_.options));
  asio::async_write(stream_, pieces, std::forward<Done>(done));
}

void HttpConnection::write_response() {
  const bool keep = keep_alive();
  send_response(keep, [self = shared_from_this(), keep](beast::error_code ec, size_t) {
    self->on_written(ec, keep);
  });
}

void HttpConnection::on_written(beast::error_code ec, bool keep_alive) {
  if (ec) return close_now();
  if (!keep_alive) return close_gracefully();
  read_header();
}

void HttpConnection::stream_body_on_pool() {
  // Each piece is written by the connection's I/O thread; this thread waits for it, so the producer never runs
  // ahead of the client by more than one piece.
  auto write_on_io_thread = [this](auto start_write) {
    std::promise<beast::error_code> done;
    asio::post(stream_.get_executor(), [&] {
      stream_.expires_after(request_timeout(env_.options));
      start_write([&done](beast::error_code ec, size_t) { done.set_value(ec); });
    });
    return done.get_future().get();
  };
  http::response<http::empty_body> head;
  head.version(11);
  head.result(static_cast<unsigned>(response_.status));
  head.set(http::field::content_type, response_.content_type);
  for (const auto& [name, value] : response_.headers) head.set(name, value);
  head.chunked(true);
  head.keep_alive(false);  // a failed stream can only be signalled by closing
  http::response_serializer<http::empty_body> serializer(head);
  bool ok = !write_on_io_thread([&](auto handler) {
    http::async_write_header(stream_, serializer, std::move(handler));
  });
  if (ok && !head_request_) {
    const Status produced = response_.stream([&](const char* data, size_t size) {
      if (size == 0) return true;
      return !write_on_io_thread([&](auto handler) {
        asio::async_write(stream_, http::make_chunk(asio::const_buffer(data, size)),
                          std::move(handler));
      });
    });
    ok = produced.ok() && !write_on_io_thread([&](auto handler) {
      asio::async_write(stream_, http::make_chunk_last(), std::move(handler));
    });
  }
  response_ = HttpResponse();
  asio::post(stream_.get_executor(), [self = shared_from_this(), ok] {
    if (ok) return self->close_gracefully();
    self->close_now();
  });
}

void HttpConnection::reply_error(int http_status, const Status& status) {
  response_ = HttpResponse();
  write_error(response_, http_status, status);
  env_.dispatcher.count_response(request_.method, request_.path, http_status);
  const std::optional<size_t> declared = request_.content_length;
  if (http_status == kHttpPayloadTooLarge && declared && request_keep_alive_ && !stopping_) {
    // The body was not read: the answer goes first (a client may wait for it before sending),
    // then the body is skipped so the next request starts at the right byte.
    const bool skip = *declared <= kMaxSkippedBytes;
    send_response(skip, [self = shared_from_this(), skip, remaining = *declared](
                            beast::error_code ec, size_t) {
      if (ec) return self->close_now();
      if (!skip) return self->close_gracefully();
      self->skip_body(remaining);
    });
    return;
  }
  request_keep_alive_ = false;
  write_response();
}

void HttpConnection::skip_body(size_t remaining) {
  const size_t buffered = std::min(remaining, buffer_.size());
  buffer_.consume(buffered);
  remaining -= buffered;
  if (remaining == 0) return read_header();
  scratch_.resize(std::min(remaining, kScratchBytes));
  stream_.expires_after(request_timeout(env_.options));
  stream_.async_read_some(asio::buffer(scratch_.data(), scratch_.size()),
                          [self = shared_from_this(), remaining](beast::error_code ec, size_t n) {
                            if (ec) return self->close_now();
                            self->skip_body(remaining - n);
                          });
}

void HttpConnection::close_gracefully() {
  // Closing a socket with unread input makes the kernel send a reset, which can destroy the
  // answer before the client read it: stop sending, drain for a moment, then close.
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_send, ignored);
  scratch_.resize(kScratchBytes);
  stream_.expires_after(kLingerTime);
  stream_.async_read_some(asio::buffer(scratch_.data(), scratch_.size()),
                          [self = shared_from_this()](beast::error_code ec, size_t n) {
                            self->lingered_bytes_ += n;
                            if (ec || self->lingered_bytes_ > kMaxLingerBytes) {
                              return self->close_now();
                            }
                            self->close_gracefully();
                          });
}

void HttpConnection::close_now() {
  beast::error_code ignored;
  stream_.socket().shutdown(asio::ip::tcp::socket::shutdown_both, ignored);
  stream_.close();
}

}  // namespace vecdex::server
