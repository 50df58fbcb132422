// Raw HTTP over a loopback socket, for what an HTTP client library would not send or would
// hide: malformed requests, pipelining, Expect: 100-continue, HEAD, idle connections.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <string>

namespace vecdex::server::testing {

// A connected client socket (closed on destruction); fd() < 0 when connect failed.
class RawSocket {
 public:
  explicit RawSocket(uint16_t port, int timeout_s = 5) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{timeout_s, 0};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      ::close(fd_);
      fd_ = -1;
    }
  }
  ~RawSocket() {
    if (fd_ >= 0) ::close(fd_);
  }
  RawSocket(const RawSocket&) = delete;
  RawSocket& operator=(const RawSocket&) = delete;

  int fd() const { return fd_; }
  void send(const std::string& data) { ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL); }

  // Reads until one whole response (header + Content-Length bytes) is in, the peer closes,
  // or the receive timeout passes.
  std::string read_response() {
    std::string answer;
    char buffer[4096];
    while (true) {
      const size_t header_end = answer.find("\r\n\r\n");
      if (header_end != std::string::npos) {
        const size_t at = answer.find("Content-Length: ");
        const size_t length = at < header_end ? std::stoul(answer.substr(at + 16)) : 0;
        if (answer.size() >= header_end + 4 + length) return answer;
      }
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return answer;
      answer.append(buffer, static_cast<size_t>(n));
    }
  }
  // Reads until the peer closes (or the receive timeout passes).
  std::string read_to_end() {
    std::string answer;
    char buffer[4096];
    while (true) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n <= 0) return answer;
      answer.append(buffer, static_cast<size_t>(n));
    }
  }
  // True when the peer has closed the connection within the timeout (an orderly close, or a
  // reset when it closed with our request unread).
  bool closed_by_peer() {
    char byte;
    const ssize_t n = ::recv(fd_, &byte, 1, 0);
    return n == 0 || (n < 0 && errno == ECONNRESET);
  }

 private:
  int fd_ = -1;
};

// Sends `request` on a new connection and returns the first response.
inline std::string raw_exchange(uint16_t port, const std::string& request) {
  RawSocket socket(port);
  if (socket.fd() < 0) return {};
  socket.send(request);
  return socket.read_response();
}

}  // namespace vecdex::server::testing
