// HttpConnection: one client connection on Boost.Beast. Reads a request (header, then the
// body within max_body_bytes), hands it to the Dispatcher, writes the answer and, on a
// keep-alive connection, reads the next. Every step is an asynchronous operation on the
// connection's I/O thread (one io_context each), so an I/O thread serves many connections and
// never blocks:
// - quick routes (Route::runs_inline: searches, reads) run on the I/O thread that read the
//   request; no thread hand-off between the socket and the search;
// - the others (writes, seal, snapshots, batch searches) run on the blocking pool, and their
//   answer is written from the connection's I/O thread again;
// - a streamed body (snapshot download) is produced on the pool thread, each chunk written by
//   the I/O thread while the producer waits for it.
// Errors the transport finds itself get the same JSON error bodies: a malformed request 400,
// a body over max_body_bytes 413 (the connection survives when the rest of a declared body is
// small enough to skip), then the connection closes after a lingering half-close so the
// client reads the answer instead of a reset.
#pragma once

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

#include "server/body_budget.h"
#include "server/dispatcher.h"
#include "server/http_message.h"
#include "server/server.h"

namespace vecdex::server {

class ConnectionRegistry;

// What every connection of one server shares; owned by ServerImpl and outliving them all.
struct ConnectionEnv {
  const Dispatcher& dispatcher;
  const ServerOptions& options;
  boost::asio::thread_pool& blocking_pool;
  ConnectionRegistry& registry;
  BodyBudget& body_budget;
};

// Thread safety: start() once, by the acceptor; shut_down() from any thread.
class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  HttpConnection(boost::asio::ip::tcp::socket socket, ConnectionEnv& env);
  ~HttpConnection();

  void start();
  // Server stop: closes the connection now if it is waiting for a request, otherwise after
  // the answer in progress (which then says "Connection: close").
  void shut_down();

 private:
  using RequestParser = boost::beast::http::request_parser<boost::beast::http::string_body>;

  void read_header();
  void on_header(boost::beast::error_code ec);
  void read_body();
  void read_more_body();
  // Takes `bytes` of the body budget for the request; false after answering 503 (the
  // connection then closes).
  bool reserve_body(size_t bytes);
  // reserve_body() for what the parser has read beyond the reservation (chunked bodies).
  bool reserve_body_read_so_far();
  void on_body(boost::beast::error_code ec);
  void serve();                  // dispatches request_ inline or on the blocking pool
  void serve_on_pool();          // on a pool thread
  void stream_body_on_pool();    // on a pool thread: response_.stream, chunk by chunk
  // Writes response_ (head and body; no body for HEAD) with the request timeout, then calls
  // done(error_code, size_t) on the I/O thread. `keep_alive` false announces the close.
  template <typename Done>
  void send_response(bool keep_alive, Done&& done);
  void write_response();
  void on_written(boost::beast::error_code ec, bool keep_alive);
  // An error answer of the transport's own (400, 413), counted like any other.
  void reply_error(int http_status, const Status& status);
  // Skips `remaining` body bytes of a refused request, then reads the next request.
  void skip_body(size_t remaining);
  // Half-closes, reads (and drops) what the client still sends for a moment, then closes.
  void close_gracefully();
  void close_now();
  bool keep_alive() const;

  boost::beast::tcp_stream stream_;
  ConnectionEnv& env_;
  boost::beast::flat_buffer buffer_;
  std::optional<RequestParser> parser_;
  HttpRequest request_;
  RouteMatch route_;  // request_'s route (its parameters point into request_.path)
  BodyReservation body_reservation_;  // request_'s share of env_.body_budget
  bool request_keep_alive_ = false;
  bool head_request_ = false;
  HttpResponse response_;
  std::string wire_head_;  // the answer's status line and headers (send_response)
  std::string scratch_;       // skipped and drained bytes land here
  size_t lingered_bytes_ = 0;  // drained by close_gracefully
  // Touched on the connection's I/O thread only.
  bool waiting_for_request_ = false;
  bool stopping_ = false;
};

}  // namespace vecdex::server
