// Status -> HTTP status and error bodies; see http_errors.h.
#include "server/http_errors.h"

#include <httplib.h>

#include <string>
#include <utility>

#include "server/json_codec.h"

namespace vecdex::server {
namespace {

const std::string& json_content_type() {
  static const std::string kType = "application/json";
  return kType;
}

}  // namespace

int http_status_for(const Status& status) {
  switch (status.code()) {
    case StatusCode::kOk:
      return kHttpOk;
    case StatusCode::kInvalidArgument:
      return kHttpBadRequest;
    case StatusCode::kUnauthenticated:
      return 401;
    case StatusCode::kNotFound:
      return kHttpNotFound;
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
      return 409;
    case StatusCode::kResourceExhausted:
      return 429;
    case StatusCode::kDeadlineExceeded:
      return kHttpServiceUnavailable;
    default:
      return 500;
  }
}

void write_error(httplib::Response& res, int http_status, const Status& status) {
  write_json(res, http_status, error_json(status));
}

void write_json(httplib::Response& res, int http_status, std::string json) {
  res.status = http_status;
  // Response::set_content copies its argument; the body can be megabytes (batch results).
  res.body = std::move(json);
  res.content_length_ = 0;
  res.content_provider_ = nullptr;
  res.headers.erase("Content-Type");
  res.set_header("Content-Type", json_content_type());
}

}  // namespace vecdex::server
