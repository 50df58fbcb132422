// gMock matchers for Status and Result<T>: EXPECT_THAT(s, IsOk()),
// EXPECT_THAT(r, StatusIs(StatusCode::kInvalidArgument, HasSubstr("dim"))).
#pragma once

#include <gmock/gmock.h>

#include <ostream>

#include "vecdex/result.h"
#include "vecdex/status.h"

namespace vecdex {

inline void PrintTo(const Status& s, std::ostream* os) { *os << s.to_string(); }
template <typename T>
void PrintTo(const Result<T>& r, std::ostream* os) {
  *os << (r.ok() ? std::string("ok (value)") : r.status().to_string());
}

namespace testing_internal {
inline const Status& get_status(const Status& s) { return s; }
template <typename T>
const Status& get_status(const Result<T>& r) {
  return r.status();
}
}  // namespace testing_internal

MATCHER(IsOk, "is OK") {
  const Status& s = testing_internal::get_status(arg);
  if (!s.ok()) *result_listener << "status is " << s.to_string();
  return s.ok();
}

MATCHER_P2(StatusIs, code, message_matcher,
           std::string("has code ") + std::string(status_code_name(code))) {
  const Status& s = testing_internal::get_status(arg);
  *result_listener << "status is " << s.to_string();
  return s.code() == code &&
         ::testing::Matches(::testing::Matcher<const std::string&>(message_matcher))(s.message());
}

}  // namespace vecdex

#define VECDEX_ASSERT_OK(expr) ASSERT_THAT((expr), ::vecdex::IsOk())
#define VECDEX_EXPECT_OK(expr) EXPECT_THAT((expr), ::vecdex::IsOk())
