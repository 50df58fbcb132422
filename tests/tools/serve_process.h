// Helpers for the `vecdex serve` end-to-end tests: run the binary in the background with its
// output in files, find the port in its "listening on http://HOST:PORT" line, talk plain
// HTTP/1.1 to it over a socket, signal it and collect its exit code. Waits poll with generous
// deadlines that only guard against a hang; no test asserts on time.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "tools/cli_runner.h"

namespace vecdex::testing {

struct HttpReply {
  int status = 0;    // 0: no answer (connection refused, reset, unparseable)
  std::string body;
};

// One request on a fresh connection ("Connection: close"), to 127.0.0.1:port.
inline HttpReply http_request(uint16_t port, const std::string& method, const std::string& target,
                              const std::string& body = "",
                              const std::vector<std::string>& headers = {}) {
  HttpReply reply;
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return reply;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return reply;
  }
  std::string request = method + " " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n";
  request += "Connection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  if (!body.empty()) request += "Content-Type: application/json\r\n";
  for (const std::string& h : headers) request += h + "\r\n";
  request += "\r\n" + body;
  size_t sent = 0;
  while (sent < request.size()) {
    ssize_t n = ::send(fd, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) break;
    sent += static_cast<size_t>(n);
  }
  std::string response;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    response.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  // "HTTP/1.1 200 OK\r\n...\r\n\r\nbody" (the server answers "Connection: close" requests with
  // a Content-Length body, so the rest after the blank line is the body).
  if (response.rfind("HTTP/1.", 0) != 0 || response.size() < 12) return reply;
  reply.status = std::atoi(response.c_str() + 9);
  size_t end = response.find("\r\n\r\n");
  if (end != std::string::npos) reply.body = response.substr(end + 4);
  return reply;
}

// `vecdex args...` started in the background; killed (SIGKILL) if still running at destruction.
class ServeProcess {
 public:
  // `max_open_files`: the child's RLIMIT_NOFILE (0: inherited).
  ServeProcess(const std::filesystem::path& dir, const std::vector<std::string>& args,
               const std::vector<std::pair<std::string, std::string>>& env = {},
               rlim_t max_open_files = 0)
      : out_(dir / "serve.stdout"), err_(dir / "serve.stderr") {
    // Everything the child needs is built before fork(): after it only async-signal-safe calls.
    std::string binary = cli_path();
    std::vector<std::string> arg_text = args;
    arg_text.insert(arg_text.begin(), binary);
    std::vector<std::string> env_text;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string entry = *e;
      bool overridden = false;
      for (const auto& [name, value] : env) overridden |= entry.rfind(name + "=", 0) == 0;
      if (!overridden) env_text.push_back(std::move(entry));
    }
    for (const auto& [name, value] : env) env_text.push_back(name + "=" + value);
    std::vector<char*> argv;
    for (std::string& a : arg_text) argv.push_back(a.data());
    argv.push_back(nullptr);
    std::vector<char*> envp;
    for (std::string& e : env_text) envp.push_back(e.data());
    envp.push_back(nullptr);
    // A previous process's output in the same files must not be mistaken for this one's.
    std::filesystem::remove(out_);
    std::filesystem::remove(err_);
    pid_ = ::fork();
    if (pid_ == 0) {
      int out = ::open(out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err = ::open(err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int in = ::open("/dev/null", O_RDONLY);
      ::dup2(out, 1);
      ::dup2(err, 2);
      ::dup2(in, 0);
      if (max_open_files != 0) {
        const rlimit limit{max_open_files, max_open_files};
        ::setrlimit(RLIMIT_NOFILE, &limit);
      }
      ::execve(binary.c_str(), argv.data(), envp.data());
      ::_exit(127);
    }
  }
  ~ServeProcess() {
    if (pid_ > 0 && !exit_code_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  std::string out() const { return slurp(out_); }
  std::string err() const { return slurp(err_); }

  // The port from the "listening on http://...:PORT" line; nullopt when the process exited
  // or the line did not come within `deadline`.
  std::optional<uint16_t> wait_listening(std::chrono::seconds deadline = std::chrono::seconds(60)) {
    const std::string marker = "listening on http://";
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      std::string text = err();
      size_t at = text.find(marker);
      size_t eol = at == std::string::npos ? std::string::npos : text.find('\n', at);
      if (eol != std::string::npos) {
        size_t colon = text.rfind(':', eol);
        return static_cast<uint16_t>(std::atoi(text.c_str() + colon + 1));
      }
      if (poll_exit()) return std::nullopt;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return std::nullopt;
  }

  // Polls `target` until it answers `status` (true) or the deadline passes / the process ends.
  bool wait_for_status(uint16_t port, const std::string& target, int status,
                       std::chrono::seconds deadline = std::chrono::seconds(300)) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      if (http_request(port, "GET", target).status == status) return true;
      if (poll_exit()) return false;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  }

  void signal(int sig) { ::kill(pid_, sig); }

  // The exit code (128 + signal when killed by one); -1 when it did not end by the deadline
  // (it is then killed).
  int wait_exit(std::chrono::seconds deadline = std::chrono::seconds(120)) {
    auto until = std::chrono::steady_clock::now() + deadline;
    while (std::chrono::steady_clock::now() < until) {
      if (poll_exit()) return *exit_code_;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    exit_code_ = -1;
    return -1;
  }

 private:
  bool poll_exit() {
    if (exit_code_) return true;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
    exit_code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return true;
  }

  std::filesystem::path out_;
  std::filesystem::path err_;
  pid_t pid_ = -1;
  std::optional<int> exit_code_;
};

}  // namespace vecdex::testing
