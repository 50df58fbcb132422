// Percent-decoding, query strings and response heads; see http_message.h.
#include "server/http_message.h"

#include <boost/beast/http/status.hpp>
#include <charconv>

namespace vecdex::server {
namespace {

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string percent_decode(std::string_view text, bool plus_is_space) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '%' && i + 2 < text.size()) {
      const int hi = hex_value(text[i + 1]);
      const int lo = hex_value(text[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(plus_is_space && c == '+' ? ' ' : c);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> parse_query_string(std::string_view query) {
  std::vector<std::pair<std::string, std::string>> out;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view item = query.substr(0, amp);
    if (!item.empty()) {
      const size_t eq = item.find('=');
      out.emplace_back(percent_decode(item.substr(0, eq), true),
                       eq == std::string_view::npos ? std::string()
                                                    : percent_decode(item.substr(eq + 1), true));
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
  return out;
}

void append_response_head(const HttpResponse& res, bool keep_alive, std::string& out) {
  // Plain appends: fmt's back_inserter path cost ~2k instructions for these few lines.
  auto append_number = [&out](size_t n) {
    char digits[24];
    out.append(digits, std::to_chars(digits, digits + sizeof(digits), n).ptr);
  };
  auto append_header = [&out](std::string_view name, std::string_view value) {
    out.append(name).append(": ").append(value).append("\r\n");
  };
  const auto reason =
      boost::beast::http::obsolete_reason(static_cast<boost::beast::http::status>(res.status));
  out += "HTTP/1.1 ";
  append_number(static_cast<size_t>(res.status));
  out += ' ';
  out.append(reason.data(), reason.size());
  out += "\r\n";
  if (!res.content_type.empty()) append_header("Content-Type", res.content_type);
  for (const auto& [name, value] : res.headers) append_header(name, value);
  out += "Content-Length: ";
  append_number(res.body.size());
  out += "\r\n";
  if (!keep_alive) out += "Connection: close\r\n";
  out += "\r\n";
}

}  // namespace vecdex::server
