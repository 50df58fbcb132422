// parse_search_params, SearchParams::to_string / keys_set (include/vecdex/search_params.h).
#include "vecdex/search_params.h"

#include <cstdint>
#include <optional>

#include <fmt/format.h>

#include "index/factory/spec_lexer.h"
#include "index/factory/spec_parser.h"

namespace vecdex {
namespace {

// The keys in canonical order, with where each lives and its smallest legal value.
struct KeyInfo {
  const char* name;
  std::optional<uint32_t> SearchParams::*field;
  uint32_t min;
};
constexpr KeyInfo kKeys[] = {
    {"ef", &SearchParams::ef, 1},         {"nprobe", &SearchParams::nprobe, 1},
    {"rerank", &SearchParams::rerank, 1}, {"search_k", &SearchParams::search_k, 1},
    {"threads", &SearchParams::threads, 0},
};

std::string known_keys() {
  std::string out;
  for (const KeyInfo& k : kKeys) {
    if (!out.empty()) out += ", ";
    out += k.name;
  }
  return out;
}

}  // namespace

std::vector<std::string> SearchParams::keys_set() const {
  std::vector<std::string> out;
  for (const KeyInfo& k : kKeys) {
    if ((this->*k.field).has_value()) out.emplace_back(k.name);
  }
  return out;
}

std::string SearchParams::to_string() const {
  std::string out;
  for (const KeyInfo& k : kKeys) {
    const std::optional<uint32_t>& v = this->*k.field;
    if (!v.has_value()) continue;
    if (!out.empty()) out += ',';
    out += fmt::format("{}={}", k.name, *v);
  }
  return out;
}

Result<SearchParams> parse_search_params(std::string_view text) {
  VECDEX_ASSIGN_OR_RETURN(std::vector<factory::SpecToken> tokens,
                          factory::lex_spec(text, "search params"));
  SearchParams params;
  for (const factory::SpecToken& t : tokens) {
    if (!t.is_option) {
      return invalid_argument(fmt::format(
          "search params: '{}' at position {} in \"{}\" is not key=value; keys: {}", t.text,
          t.position, text, known_keys()));
    }
    const KeyInfo* info = nullptr;
    for (const KeyInfo& k : kKeys) {
      if (t.key == k.name) info = &k;
    }
    if (info == nullptr) {
      return invalid_argument(fmt::format(
          "search params: unknown key '{}' at position {} in \"{}\"; expected one of: {}", t.key,
          t.position, text, known_keys()));
    }
    std::optional<uint32_t>& field = params.*(info->field);
    if (field.has_value()) {
      return invalid_argument(fmt::format("search params: key '{}' repeated at position {} in \"{}\"",
                                          t.key, t.position, text));
    }
    uint64_t value = 0;
    if (!factory::parse_uint(t.value, UINT32_MAX, &value) || value < info->min) {
      return invalid_argument(fmt::format(
          "search params: invalid value '{}' for '{}' at position {} in \"{}\"; expected an "
          "integer in [{}, {}]",
          t.value, t.key, t.value_position, text, info->min, UINT32_MAX));
    }
    field = static_cast<uint32_t>(value);
  }
  return params;
}

}  // namespace vecdex
