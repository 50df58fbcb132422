// parse_spec: tokens from spec_lexer -> Stage / BuildOption lists with positions.
#include "index/factory/spec_parser.h"

#include <fmt/format.h>

#include "index/factory/spec_lexer.h"

namespace vecdex::factory {
namespace {

bool is_alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool parse_uint(std::string_view text, uint64_t max, uint64_t* out) {
  if (text.empty()) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (!is_digit(c)) return false;
    uint64_t digit = static_cast<uint64_t>(c - '0');
    if (digit > max || value > (max - digit) / 10) return false;  // (max - digit) must not wrap
    value = value * 10 + digit;
  }
  *out = value;
  return true;
}

std::string ParsedSpec::where(size_t position) const {
  return fmt::format("at position {} in \"{}\"", position, text);
}

const BuildOption* ParsedSpec::option(std::string_view key) const {
  for (const BuildOption& o : options) {
    if (o.key == key) return &o;
  }
  return nullptr;
}

Result<std::optional<uint64_t>> ParsedSpec::uint_option(std::string_view key, uint64_t min,
                                                        uint64_t max) const {
  const BuildOption* o = option(key);
  if (o == nullptr) return std::optional<uint64_t>();
  uint64_t value = 0;
  if (!parse_uint(o->value, max, &value) || value < min) {
    return invalid_argument(fmt::format("build option '{}={}' {}: expected an integer in [{}, {}]",
                                        o->key, o->value, where(o->position), min, max));
  }
  return std::optional<uint64_t>(value);
}

Status ParsedSpec::check_options(std::string_view family,
                                 const std::vector<std::string>& known) const {
  for (const BuildOption& o : options) {
    bool ok = false;
    for (const std::string& k : known) ok = ok || k == o.key;
    if (ok) continue;
    if (known.empty()) {
      return invalid_argument(fmt::format("unknown build option '{}' {}; {} takes no build options",
                                          o.key, where(o.position), family));
    }
    return invalid_argument(fmt::format("unknown build option '{}' {}; {} accepts: {}", o.key,
                                        where(o.position), family, fmt::join(known, ", ")));
  }
  return Status();
}

Result<ParsedSpec> parse_spec(std::string_view text) {
  ParsedSpec spec;
  spec.text = std::string(text);
  VECDEX_ASSIGN_OR_RETURN(std::vector<SpecToken> tokens, lex_spec(text, "index spec"));
  if (tokens.empty()) return invalid_argument("empty index spec; expected a factory string such as \"Flat\"");
  for (const SpecToken& t : tokens) {
    if (t.is_option) {
      for (const BuildOption& o : spec.options) {
        if (o.key == t.key) {
          return invalid_argument(fmt::format("build option '{}' repeated {}", t.key,
                                              spec.where(t.position)));
        }
      }
      spec.options.push_back(BuildOption{std::string(t.key), std::string(t.value), t.position});
      continue;
    }
    if (!spec.options.empty()) {
      return invalid_argument(fmt::format("stage '{}' {} follows build options; stages come first",
                                          t.text, spec.where(t.position)));
    }
    Stage stage;
    stage.text = std::string(t.text);
    stage.position = t.position;
    size_t i = 0;
    while (i < t.text.size() && is_alpha(t.text[i])) ++i;
    if (i == 0) {
      return invalid_argument(fmt::format("stage '{}' {} must start with a letter", t.text,
                                          spec.where(t.position)));
    }
    stage.name = std::string(t.text.substr(0, i));
    size_t digits = i;
    while (digits < t.text.size() && is_digit(t.text[digits])) ++digits;
    if (digits > i) {
      uint64_t number = 0;
      if (!parse_uint(t.text.substr(i, digits - i), UINT32_MAX, &number)) {
        return invalid_argument(fmt::format("number in stage '{}' {} is too large (max {})", t.text,
                                            spec.where(t.position), UINT32_MAX));
      }
      stage.number = number;
    }
    stage.suffix = std::string(t.text.substr(digits));
    spec.stages.push_back(std::move(stage));
  }
  if (spec.stages.empty()) {
    return invalid_argument(fmt::format("index spec \"{}\" has build options but no stage", text));
  }
  return spec;
}

}  // namespace vecdex::factory
