// API keys and the listen policy; see auth.h.
#include "server/auth.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>

#include "server/text_util.h"

namespace vecdex::server {

bool is_loopback_host(std::string_view host) {
  if (ascii_iequals(host, "localhost")) return true;
  const std::string text(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

Status check_listen_policy(std::string_view host, std::string_view api_key, bool insecure) {
  if (is_loopback_host(host) || !api_key.empty() || insecure) return Status();
  return invalid_argument("refusing to listen on " + std::string(host) +
                          " without an API key: anyone who can reach it could read and change "
                          "every collection; set an api_key (vecdex serve --api-key KEY), "
                          "listen on 127.0.0.1, or pass --insecure");
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Walk the longer input in full so that the time depends on the lengths only.
  const size_t n = std::max(a.size(), b.size());
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char x = i < a.size() ? static_cast<unsigned char>(a[i]) : 0;
    const unsigned char y = i < b.size() ? static_cast<unsigned char>(b[i]) : 0;
    diff |= static_cast<unsigned char>(x ^ y);
  }
  return diff == 0;
}

bool ApiKeyCheck::allows(std::string_view authorization) const {
  if (!enabled()) return true;
  constexpr std::string_view kScheme = "Bearer ";
  if (authorization.size() < kScheme.size() ||
      !ascii_iequals(authorization.substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  return constant_time_equal(trim_spaces(authorization.substr(kScheme.size())), key_);
}

}  // namespace vecdex::server
