// Result<T>: a value or a non-OK Status. Home-grown because GCC 12's C++20 has no std::expected;
// the API stays close to std::expected (has_value, value, error, operator*, operator->) so it can
// be swapped later.
#pragma once

#include <cstdlib>
#include <optional>
#include <utility>

#include "vecdex/status.h"

namespace vecdex {

template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT: implicit by design
    if (status_.ok()) status_ = Status(StatusCode::kInternal, "Result built from an OK Status");
  }

  bool ok() const { return value_.has_value(); }
  bool has_value() const { return value_.has_value(); }
  explicit operator bool() const { return ok(); }

  // The error; OK when a value is held.
  const Status& status() const { return status_; }
  const Status& error() const { return status_; }

  // Precondition: ok(). Calling on an error aborts (a programming bug, not bad input).
  T& value() & { check(); return *value_; }
  const T& value() const& { check(); return *value_; }
  T&& value() && { check(); return std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  T value_or(T fallback) const& { return ok() ? *value_ : std::move(fallback); }

 private:
  void check() const {
    if (!value_.has_value()) std::abort();
  }
  std::optional<T> value_;
  Status status_;
};

}  // namespace vecdex

#define VECDEX_CONCAT_INNER_(a, b) a##b
#define VECDEX_CONCAT_(a, b) VECDEX_CONCAT_INNER_(a, b)
#define VECDEX_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

// `VECDEX_ASSIGN_OR_RETURN(auto x, make_x());` declares x or returns make_x()'s error.
#define VECDEX_ASSIGN_OR_RETURN(lhs, expr) \
  VECDEX_ASSIGN_OR_RETURN_IMPL_(VECDEX_CONCAT_(vecdex_result_, __LINE__), lhs, expr)
