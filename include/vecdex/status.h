// Status: the outcome of every fallible public call. A code from abseil's canonical list plus a
// message that says what was wrong, what was expected and what came. Pointer-sized when OK.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace vecdex {

enum class StatusCode : int {
  kOk = 0,
  kCancelled = 1,
  kInvalidArgument = 3,
  kDeadlineExceeded = 4,
  kNotFound = 5,
  kAlreadyExists = 6,
  kResourceExhausted = 8,
  kFailedPrecondition = 9,
  kOutOfRange = 11,
  kUnimplemented = 12,
  kInternal = 13,
  kIOError = 14,  // abseil's kUnavailable slot: the OS or the disk failed us.
  kCorruption = 15,  // abseil's kDataLoss slot: a truncated, damaged or foreign file.
  kUnauthenticated = 16,
};

// Short lower-case name of a code ("invalid argument", "corruption", ...).
std::string_view status_code_name(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message);
  Status(const Status& other);
  Status& operator=(const Status& other);
  Status(Status&&) noexcept = default;
  Status& operator=(Status&&) noexcept = default;

  bool ok() const { return state_ == nullptr; }
  StatusCode code() const { return ok() ? StatusCode::kOk : state_->code; }
  // The message alone ("" when OK).
  const std::string& message() const;
  // "<code name>: <message>", or "ok".
  std::string to_string() const;

  // Returns a copy whose message is "<context>: <message>"; OK stays OK.
  Status with_context(std::string_view context) const;

  // Explicitly drop a status (for best-effort cleanup paths).
  void ignore() const {}

 private:
  struct State {
    StatusCode code;
    std::string message;
  };
  std::unique_ptr<State> state_;
};

inline Status ok_status() { return Status(); }
Status invalid_argument(std::string message);
Status not_found(std::string message);
Status already_exists(std::string message);
Status failed_precondition(std::string message);
Status out_of_range(std::string message);
Status unimplemented(std::string message);
Status corruption(std::string message);
Status io_error(std::string message);
Status resource_exhausted(std::string message);
Status internal_error(std::string message);

}  // namespace vecdex

// Propagate a non-OK Status from the current function.
#define VECDEX_RETURN_IF_ERROR(expr)                \
  do {                                              \
    ::vecdex::Status vecdex_status_ = (expr);       \
    if (!vecdex_status_.ok()) return vecdex_status_; \
  } while (0)
