// API-key authentication ("Authorization: Bearer KEY", compared in constant time) and the
// rule that a server reachable from other machines must have a key.
#pragma once

#include <string>
#include <string_view>

#include "vecdex/status.h"

namespace vecdex::server {

// True for 127.0.0.0/8, ::1 (also IPv4-mapped ::ffff:127.x.y.z) and "localhost"; false for
// anything else, including 0.0.0.0, :: and other host names.
bool is_loopback_host(std::string_view host);

// InvalidArgument when `host` is not loopback, `api_key` is empty and `insecure` is false.
Status check_listen_policy(std::string_view host, std::string_view api_key, bool insecure);

// Compares the bearer token of an Authorization header value with the key. The time taken
// depends only on the lengths, never on where the first difference is.
class ApiKeyCheck {
 public:
  explicit ApiKeyCheck(std::string api_key) : key_(std::move(api_key)) {}

  bool enabled() const { return !key_.empty(); }
  // True when disabled, or when `authorization` is "Bearer <key>" (scheme case-insensitive).
  bool allows(std::string_view authorization) const;

 private:
  std::string key_;
};

// Equal in time independent of the contents (both spans are read in full).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace vecdex::server
