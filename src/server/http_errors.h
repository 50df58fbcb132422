// Status -> HTTP: one mapping for every route, and the JSON error body every failed request
// gets ({"error":{"code":..,"message":..}}, written by json_codec.h's error_json).
#pragma once

#include <string>

#include "server/http_message.h"
#include "vecdex/status.h"

namespace vecdex::server {

// HTTP status codes the server uses beyond the Status mapping.
inline constexpr int kHttpOk = 200;
inline constexpr int kHttpBadRequest = 400;
inline constexpr int kHttpNotFound = 404;
inline constexpr int kHttpMethodNotAllowed = 405;
inline constexpr int kHttpPayloadTooLarge = 413;
inline constexpr int kHttpUnsupportedMediaType = 415;
inline constexpr int kHttpServiceUnavailable = 503;

// InvalidArgument 400, Unauthenticated 401, NotFound 404, AlreadyExists and FailedPrecondition
// 409, ResourceExhausted 429, DeadlineExceeded 503, everything else (Internal, IOError,
// Corruption, ...) 500. Routes that need another code (413, 415, 405, a damaged upload's
// Corruption as 400) say so explicitly.
int http_status_for(const Status& status);

// Sets `http_status` and the JSON error body of `status` (which must not be OK).
void write_error(HttpResponse& res, int http_status, const Status& status);
inline void write_error(HttpResponse& res, const Status& status) {
  write_error(res, http_status_for(status), status);
}

// Replaces the body with `json` (moved, not copied) and sets the JSON content type.
void write_json(HttpResponse& res, int http_status, std::string json);

}  // namespace vecdex::server
