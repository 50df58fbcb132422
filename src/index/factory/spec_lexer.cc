// lex_spec: split on commas, trim, classify stage vs key=value, reject stray characters.
#include "index/factory/spec_lexer.h"

#include <fmt/format.h>

namespace vecdex::factory {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t'; }
bool is_token_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-' || c == '+';
}

}  // namespace

Result<std::vector<SpecToken>> lex_spec(std::string_view input, std::string_view what) {
  std::vector<SpecToken> tokens;
  size_t first = 0;
  while (first < input.size() && is_space(input[first])) ++first;
  if (first == input.size()) return tokens;

  size_t start = 0;
  while (true) {
    size_t end = input.find(',', start);
    if (end == std::string_view::npos) end = input.size();
    size_t b = start;
    size_t e = end;
    while (b < e && is_space(input[b])) ++b;
    while (e > b && is_space(input[e - 1])) --e;
    if (b == e) {
      return invalid_argument(fmt::format("empty token at position {} in {} \"{}\"", b, what, input));
    }
    SpecToken token;
    token.text = input.substr(b, e - b);
    token.position = b;
    for (size_t i = b; i < e; ++i) {
      if (input[i] == '=') {
        if (token.is_option) {
          return invalid_argument(fmt::format("unexpected second '=' in '{}' at position {} in {} \"{}\"",
                                              token.text, i, what, input));
        }
        token.is_option = true;
        token.key = input.substr(b, i - b);
        token.value = input.substr(i + 1, e - i - 1);
        token.value_position = i + 1;
        continue;
      }
      if (!is_token_char(input[i])) {
        return invalid_argument(fmt::format("unexpected character '{}' in '{}' at position {} in {} \"{}\"",
                                            input[i], token.text, i, what, input));
      }
    }
    if (token.is_option && (token.key.empty() || token.value.empty())) {
      return invalid_argument(fmt::format("malformed option '{}' at position {} in {} \"{}\"; expected key=value",
                                          token.text, b, what, input));
    }
    tokens.push_back(token);
    if (end == input.size()) break;
    start = end + 1;
  }
  return tokens;
}

}  // namespace vecdex::factory
