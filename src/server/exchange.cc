// One request as handlers see it; see exchange.h.
#include "server/exchange.h"

#include <utility>

#include "server/http_errors.h"
#include "server/text_util.h"

namespace vecdex::server {

Exchange::Exchange(ServerContext& context, const HttpRequest& request, HttpResponse& response,
                   const RouteMatch& match, Clock::time_point start)
    : context_(context),
      request_(request),
      response_(response),
      start_(start),
      deadline_(start + std::chrono::milliseconds(context.options.request_timeout_ms)) {
  for (size_t i = 0; i < match.param_count; ++i) {
    params_[i] = percent_decode(match.params[i], /*plus_is_space=*/false);
  }
}

std::optional<std::string_view> Exchange::query(const char* key) const {
  for (const auto& [name, value] : request_.query) {
    if (name == key) return std::string_view(value);
  }
  return std::nullopt;
}

size_t Exchange::content_length() const { return request_.content_length.value_or(0); }

std::string_view Exchange::media_type() const {
  const std::string_view value = request_.content_type;
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
