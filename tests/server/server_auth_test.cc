// API keys and the listen policy.
#include "server/auth.h"

#include <gtest/gtest.h>

namespace vecdex::server {
namespace {

TEST(AuthTest, LoopbackHosts) {
  for (const char* host : {"127.0.0.1", "127.255.0.9", "::1", "localhost", "LOCALHOST",
                           "::ffff:127.0.0.1"}) {
    EXPECT_TRUE(is_loopback_host(host)) << host;
  }
  for (const char* host : {"0.0.0.0", "::", "10.0.0.1", "128.0.0.1", "example.com", "",
                           "127.0.0.1.evil.com", "::2"}) {
    EXPECT_FALSE(is_loopback_host(host)) << host;
  }
}

TEST(AuthTest, ListenPolicy) {
  EXPECT_TRUE(check_listen_policy("127.0.0.1", "", false).ok());
  EXPECT_EQ(check_listen_policy("0.0.0.0", "", false).code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(check_listen_policy("0.0.0.0", "key", false).ok());
  EXPECT_TRUE(check_listen_policy("0.0.0.0", "", true).ok());
}

TEST(AuthTest, ConstantTimeEqual) {
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
  EXPECT_FALSE(constant_time_equal("ab", "abc"));
  EXPECT_FALSE(constant_time_equal("", "a"));
  EXPECT_FALSE(constant_time_equal(std::string_view("a\0b", 3), std::string_view("a\0c", 3)));
}

TEST(AuthTest, BearerHeader) {
  const ApiKeyCheck check("k3y");
  EXPECT_TRUE(check.enabled());
  EXPECT_TRUE(check.allows("Bearer k3y"));
  EXPECT_TRUE(check.allows("bearer  k3y "));
  EXPECT_FALSE(check.allows(""));
  EXPECT_FALSE(check.allows("Bearer"));
  EXPECT_FALSE(check.allows("Bearer "));
  EXPECT_FALSE(check.allows("Bearer k3"));
  EXPECT_FALSE(check.allows("Basic k3y"));
  EXPECT_FALSE(check.allows("k3y"));
  const ApiKeyCheck none("");
  EXPECT_FALSE(none.enabled());
  EXPECT_TRUE(none.allows(""));
}

}  // namespace
}  // namespace vecdex::server
