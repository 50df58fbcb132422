// Lexer for the comma-separated strings users type: factory specs ("IVF1024,PQ32,nprobe=8") and
// search parameters ("ef=64,threads=1"). Hand-written so errors can name the token and position.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include "vecdex/result.h"

namespace vecdex::factory {

// One comma-separated piece, trimmed of surrounding spaces. Views point into the lexed text.
struct SpecToken {
  std::string_view text;   // the whole token, e.g. "HNSW32" or "efc=200"
  size_t position = 0;     // offset of text in the input
  bool is_option = false;  // true for key=value
  std::string_view key;    // options only
  std::string_view value;  // options only
  size_t value_position = 0;
};

// Splits `input` into tokens. Blank input gives no tokens. InvalidArgument, naming `what`
// ("index spec", "search params"), the token and its position, for an empty token (",," or a
// trailing comma), a token with a character other than [A-Za-z0-9_.+-], or a malformed option
// ("=5", "ef=", "a=b=c").
Result<std::vector<SpecToken>> lex_spec(std::string_view input, std::string_view what);

}  // namespace vecdex::factory
