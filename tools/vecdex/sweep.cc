// `--sweep` expansion (see sweep.h).
#include "sweep.h"

#include <cctype>
#include <utility>

#include <fmt/format.h>

namespace vecdex::cli {
namespace {

constexpr size_t kMaxCombinations = 10000;

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits on `sep`, keeping empty pieces (so "a,,b" shows up as an error, not as "a,b").
std::vector<std::string_view> split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      out.push_back(s.substr(start));
      return out;
    }
    out.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

bool valid_key(std::string_view key) {
  if (key.empty()) return false;
  for (char c : key) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

bool valid_value(std::string_view value) {
  if (value.empty()) return false;
  for (char c : value) {
    if (std::isspace(static_cast<unsigned char>(c)) || c == '=' || c == ';') return false;
  }
  return true;
}

struct Group {
  std::string key;
  std::vector<std::string> values;
};

}  // namespace

Result<std::vector<std::string>> expand_sweep(std::string_view text) {
  if (trim(text).empty()) return std::vector<std::string>{""};
  std::vector<Group> groups;
  for (std::string_view raw : split(text, ';')) {
    std::string_view group = trim(raw);
    size_t eq = group.find('=');
    if (eq == std::string_view::npos) {
      return invalid_argument(fmt::format(
          "--sweep: group '{}' has no '='; expected key=v1,v2,... (groups separated by ';')",
          group));
    }
    std::string_view key = trim(group.substr(0, eq));
    if (!valid_key(key)) {
      return invalid_argument(fmt::format(
          "--sweep: bad key '{}' in group '{}'; expected a name such as ef or nprobe", key,
          group));
    }
    for (const Group& g : groups) {
      if (g.key == key) {
        return invalid_argument(fmt::format("--sweep: key '{}' given twice", key));
      }
    }
    Group parsed{std::string(key), {}};
    for (std::string_view raw_value : split(group.substr(eq + 1), ',')) {
      std::string_view value = trim(raw_value);
      if (!valid_value(value)) {
        return invalid_argument(fmt::format(
            "--sweep: bad value '{}' for key '{}' in group '{}'; expected a comma list such as "
            "{}=16,32,64",
            value, key, group, key));
      }
      parsed.values.emplace_back(value);
    }
    groups.push_back(std::move(parsed));
  }

  size_t total = 1;
  for (const Group& g : groups) {
    total *= g.values.size();
    if (total > kMaxCombinations) {
      return invalid_argument(fmt::format("--sweep: more than {} parameter combinations",
                                          kMaxCombinations));
    }
  }
  // Odometer over the groups, last group fastest, so the order is stable and readable.
  std::vector<std::string> out;
  out.reserve(total);
  std::vector<size_t> pos(groups.size(), 0);
  for (size_t n = 0; n < total; ++n) {
    std::string params;
    for (size_t g = 0; g < groups.size(); ++g) {
      if (g > 0) params += ',';
      params += groups[g].key;
      params += '=';
      params += groups[g].values[pos[g]];
    }
    out.push_back(std::move(params));
    for (size_t g = groups.size(); g-- > 0;) {
      if (++pos[g] < groups[g].values.size()) break;
      pos[g] = 0;
    }
  }
  return out;
}

}  // namespace vecdex::cli
