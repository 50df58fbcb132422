// One request as handlers see it; see exchange.h.
#include "server/exchange.h"

#include <httplib.h>

#include <charconv>
#include <utility>

#include "server/http_errors.h"
#include "server/text_util.h"

namespace vecdex::server {
namespace {

// Spare capacity behind the body so a JSON parser that wants padding (simdjson reads up to 64
// bytes past the end) can use the buffer as it is.
constexpr size_t kBodyPadding = 64;

}  // namespace

Exchange::Exchange(ServerContext& context, const httplib::Request& request,
                   httplib::Response& response, const httplib::ContentReader* reader,
                   const RouteMatch& match, Clock::time_point start)
    : context_(context),
      request_(request),
      response_(response),
      reader_(reader),
      match_(match),
      start_(start),
      deadline_(start + std::chrono::milliseconds(context.options.request_timeout_ms)) {}

std::optional<std::string_view> Exchange::query(const char* key) const {
  auto it = request_.params.find(key);
  if (it == request_.params.end()) return std::nullopt;
  return std::string_view(it->second);
}

size_t Exchange::content_length() const {
  size_t n = 0;
  auto it = request_.headers.find("Content-Length");
  if (it != request_.headers.end()) {
    std::from_chars(it->second.data(), it->second.data() + it->second.size(), n);
  }
  return n;
}

std::string_view Exchange::media_type() const {
  auto it = request_.headers.find("Content-Type");
  if (it == request_.headers.end()) return {};
  const std::string_view value = it->second;
  return trim_spaces(value.substr(0, value.find(';')));
}

bool Exchange::media_type_is(std::string_view type) const {
  return ascii_iequals(media_type(), type);
}

Result<std::string_view> Exchange::json_body() {
  const std::string_view type = media_type();
  constexpr std::string_view kJsonSuffix = "+json";
  const bool json =
      type.empty() || ascii_iequals(type, "application/json") ||
      (type.size() > kJsonSuffix.size() &&
       ascii_iequals(type.substr(type.size() - kJsonSuffix.size()), kJsonSuffix)) ||
      ascii_iequals(type, "application/x-www-form-urlencoded");
  if (!json) {
    return reject(kHttpUnsupportedMediaType,
                  invalid_argument("Content-Type " + std::string(type) +
                                   " is not accepted here; send application/json"));
  }
  return body();
}

Result<std::string_view> Exchange::body() {
  if (!reader_) {
    body_consumed_ = true;
    return std::string_view(request_.body);
  }
  if (!body_consumed_) {
    const size_t expected = content_length();
    if (expected <= context_.options.max_body_bytes) body_.reserve(expected + kBodyPadding);
    VECDEX_RETURN_IF_ERROR(receive_body([this](const char* data, size_t size) {
      body_.append(data, size);
      return true;
    }));
  }
  return std::string_view(body_);
}

Status Exchange::receive_body(const BodySink& sink) {
  if (body_consumed_) return internal_error("the request body was already read");
  body_consumed_ = true;
  if (!reader_) {
    sink(request_.body.data(), request_.body.size());
    return Status();
  }
  const size_t limit = context_.options.max_body_bytes;
  size_t received = 0;
  bool too_large = false;
  const bool read = (*reader_)([&](const char* data, size_t size) {
    received += size;
    // httplib enforces the limit itself when Content-Length is given (and then skips the
    // body); this catches chunked bodies.
    if (received > limit) {
      too_large = true;
      return false;
    }
    return sink(data, size);
  });
  if (too_large || response_.status == kHttpPayloadTooLarge) {
    return reject(kHttpPayloadTooLarge,
                  resource_exhausted("the request body is larger than the server's limit of " +
                                     std::to_string(limit) + " bytes (max_body_bytes)"));
  }
  if (!read) {
    return reject(kHttpBadRequest, invalid_argument("could not read the request body: the "
                                                    "client stopped sending or timed out"));
  }
  return Status();
}

void Exchange::drain_body() {
  if (body_consumed_ || !reader_) return;
  receive_body([](const char*, size_t) { return true; }).ignore();
}

Result<Collection*> Exchange::collection() const { return context_.db.collection(param(0)); }

Status Exchange::reply(std::string json, int http_status) {
  write_json(response_, http_status, std::move(json));
  return Status();
}

Status Exchange::reject(int http_status, Status status) {
  rejected_http_status_ = http_status;
  return status;
}

int64_t Exchange::elapsed_us() const {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - start_).count();
}

}  // namespace vecdex::server
