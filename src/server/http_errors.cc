// Status -> HTTP status and error bodies; see http_errors.h.
#include "server/http_errors.h"

#include <string>
#include <utility>

#include "server/json_codec.h"

namespace vecdex::server {
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

void write_error(HttpResponse& res, int http_status, const Status& status) {
  write_json(res, http_status, error_json(status));
}

void write_json(HttpResponse& res, int http_status, std::string json) {
  res.status = http_status;
  res.body = std::move(json);  // can be megabytes (batch results)
  res.stream = nullptr;
  res.content_type = "application/json";
}

}  // namespace vecdex::server
