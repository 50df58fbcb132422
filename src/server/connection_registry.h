// ConnectionRegistry: the open connections of a server, so that stop() can shut each one down
// and wait until the last has closed; also enforces ServerOptions::max_connections.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>
#include <unordered_map>

namespace vecdex::server {

class HttpConnection;

// Thread safety: every method may be called from any thread.
class ConnectionRegistry {
 public:
  explicit ConnectionRegistry(size_t max_connections) : max_connections_(max_connections) {}

  // False (and nothing recorded) when max_connections are open already.
  bool add(const std::shared_ptr<HttpConnection>& connection);
  // From the connection's destructor.
  void remove(const HttpConnection* connection);
  // HttpConnection::shut_down() on every open connection.
  void shut_down_all();
  // Returns once no connection is open.
  void wait_until_empty();

 private:
  const size_t max_connections_;
  std::mutex mu_;
  std::condition_variable emptied_;
  std::unordered_map<const HttpConnection*, std::weak_ptr<HttpConnection>> open_;  // guarded
};

}  // namespace vecdex::server
