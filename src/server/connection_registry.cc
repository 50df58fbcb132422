// Open connections of a server; see connection_registry.h.
#include "server/connection_registry.h"

#include <vector>

#include "server/http_connection.h"

namespace vecdex::server {

bool ConnectionRegistry::add(const std::shared_ptr<HttpConnection>& connection) {
  std::lock_guard<std::mutex> lock(mu_);
  if (open_.size() >= max_connections_) return false;
  open_.emplace(connection.get(), connection);
  return true;
}

void ConnectionRegistry::remove(const HttpConnection* connection) {
  std::lock_guard<std::mutex> lock(mu_);
  open_.erase(connection);
  if (open_.empty()) emptied_.notify_all();
}

void ConnectionRegistry::shut_down_all() {
  std::vector<std::shared_ptr<HttpConnection>> open;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [raw, weak] : open_) {
      if (auto connection = weak.lock()) open.push_back(std::move(connection));
    }
  }
  // Outside the lock: a connection that ends here calls remove().
  for (const auto& connection : open) connection->shut_down();
}

void ConnectionRegistry::wait_until_empty() {
  std::unique_lock<std::mutex> lock(mu_);
  emptied_.wait(lock, [this] { return open_.empty(); });
}

}  // namespace vecdex::server
