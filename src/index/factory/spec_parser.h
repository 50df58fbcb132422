// Parser for factory strings: comma-separated stages, then key=value build options.
//   Flat · HNSW32 · HNSW32,efc=200 · IVF1024,PQ32x4fs,Refine     (docs/factory-strings.md)
// The result is a typed, position-annotated spec that the registry hands to a family builder.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "vecdex/result.h"

namespace vecdex::factory {

// One stage such as "IVF1024" or "PQ32x4fs": a name (leading letters), an optional number,
// and whatever follows (the suffix, e.g. "x4fs"), for the family to interpret.
struct Stage {
  std::string text;                // "PQ32x4fs"
  std::string name;                // "PQ"
  std::optional<uint64_t> number;  // 32
  std::string suffix;              // "x4fs"
  size_t position = 0;             // offset in the spec
};

// A build option "key=value" (value kept as text; families convert and validate it).
struct BuildOption {
  std::string key;
  std::string value;
  size_t position = 0;
};

struct ParsedSpec {
  std::string text;  // the spec as given
  std::vector<Stage> stages;
  std::vector<BuildOption> options;

  // "<what> at position P in \"<text>\"" — the suffix every spec error carries.
  std::string where(size_t position) const;
  // The option named `key`, or nullptr.
  const BuildOption* option(std::string_view key) const;
  // The option's value as an unsigned integer in [min, max] (nullopt when absent);
  // InvalidArgument naming the option when it is not such a number.
  Result<std::optional<uint64_t>> uint_option(std::string_view key, uint64_t min,
                                              uint64_t max) const;
  // InvalidArgument for the first option whose key is not in `known`, naming the family
  // and what it accepts ("Flat takes no build options").
  Status check_options(std::string_view family, const std::vector<std::string>& known) const;
};

// Parses `text`. InvalidArgument naming the token and position for: an empty spec, a stage
// that does not start with a letter, a number that overflows, a stage after an option, or a
// repeated option key. Whether a stage exists is the registry's question, not the parser's.
Result<ParsedSpec> parse_spec(std::string_view text);

// Parses a decimal unsigned integer (digits only); false on empty input, other characters or
// overflow past `max`.
bool parse_uint(std::string_view text, uint64_t max, uint64_t* out);

}  // namespace vecdex::factory
