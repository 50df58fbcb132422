// .npy header: magic "\x93NUMPY", version, little-endian header length (2 bytes in 1.0, 4 in
// 2.0/3.0), then an ASCII (3.0: UTF-8) Python dict literal padded with spaces and '\n'.
#include "core/dataset/npy_header.h"

#include <fmt/format.h>

#include <cctype>
#include <cstring>
#include <string_view>

namespace vecdex::dataset {
namespace {

constexpr char kMagic[] = "\x93NUMPY";
constexpr size_t kMagicLen = 6;
// numpy itself refuses headers above 10000 bytes by default; allow more, but not unbounded.
constexpr uint32_t kMaxHeaderLen = 1u << 20;

// A cursor over the dict text. Each parse_* returns false on malformed input; `error` then says
// what was expected at which position.
class DictParser {
 public:
  explicit DictParser(std::string_view text) : s_(text) {}

  Status parse(NpyHeader* h) {
    bool seen_descr = false, seen_order = false, seen_shape = false;
    skip_ws();
    if (!eat('{')) return fail("'{'");
    while (true) {
      skip_ws();
      if (eat('}')) break;
      std::string key;
      if (!parse_string(&key)) return fail("a quoted key or '}'");
      skip_ws();
      if (!eat(':')) return fail("':'");
      skip_ws();
      if (key == "descr") {
        if (seen_descr) return duplicate(key);
        seen_descr = true;
        if (peek() == '[') {
          return invalid_argument("structured dtypes are not supported; expected a plain dtype "
                                  "such as '<f4'");
        }
        if (!parse_string(&h->descr)) return fail("a quoted dtype string for 'descr'");
      } else if (key == "fortran_order") {
        if (seen_order) return duplicate(key);
        seen_order = true;
        if (eat_word("True")) {
          h->fortran_order = true;
        } else if (eat_word("False")) {
          h->fortran_order = false;
        } else {
          return fail("True or False for 'fortran_order'");
        }
      } else if (key == "shape") {
        if (seen_shape) return duplicate(key);
        seen_shape = true;
        VECDEX_RETURN_IF_ERROR(parse_shape(&h->shape));
      } else {
        return corruption(fmt::format("unexpected header key '{}'; expected 'descr', "
                                      "'fortran_order', 'shape'", key));
      }
      skip_ws();
      if (eat(',')) continue;
      if (eat('}')) break;
      return fail("',' or '}'");
    }
    skip_ws();
    if (pos_ != s_.size()) return fail("end of header after '}'");
    if (!seen_descr || !seen_order || !seen_shape) {
      return corruption(fmt::format("header dict lacks {}",
                                    !seen_descr ? "'descr'" : !seen_order ? "'fortran_order'"
                                                                          : "'shape'"));
    }
    return Status();
  }

 private:
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  bool eat(char c) {
    if (peek() != c) return false;
    ++pos_;
    return true;
  }
  bool eat_word(std::string_view w) {
    if (s_.substr(pos_, w.size()) != w) return false;
    pos_ += w.size();
    return true;
  }
  void skip_ws() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  bool parse_string(std::string* out) {
    char q = peek();
    if (q != '\'' && q != '"') return false;
    size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) return false;
    *out = std::string(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return true;
  }
  Status parse_shape(std::vector<uint64_t>* shape) {
    if (!eat('(')) return fail("'(' starting 'shape'");
    while (true) {
      skip_ws();
      if (eat(')')) return Status();
      if (!std::isdigit(static_cast<unsigned char>(peek()))) return fail("a dimension or ')'");
      uint64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        uint64_t digit = static_cast<uint64_t>(s_[pos_++] - '0');
        if (__builtin_mul_overflow(v, 10u, &v) || __builtin_add_overflow(v, digit, &v)) {
          return corruption("shape dimension overflows 64 bits");
        }
      }
      shape->push_back(v);
      if (shape->size() > 32) return corruption("shape has more than 32 dimensions");
      skip_ws();
      if (eat(')')) return Status();
      if (!eat(',')) return fail("',' or ')' in 'shape'");
    }
  }
  Status fail(const char* expected) const {
    std::string_view near = s_.substr(pos_, 20);
    return corruption(fmt::format("malformed header dict at char {}: expected {}, found '{}'", pos_,
                                  expected, near));
  }
  Status duplicate(const std::string& key) const {
    return corruption(fmt::format("header dict repeats key '{}'", key));
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<NpyHeader> read_npy_header(InputFile& file) {
  unsigned char pre[8];
  if (file.size() < sizeof(pre)) {
    return corruption(fmt::format("not a .npy file: {} bytes is shorter than the 8-byte preamble",
                                  file.size()));
  }
  VECDEX_RETURN_IF_ERROR(file.read(pre, sizeof(pre), "preamble"));
  if (std::memcmp(pre, kMagic, kMagicLen) != 0) {
    return corruption(fmt::format("not a .npy file: bad magic {:02x} {:02x} {:02x} {:02x} {:02x} "
                                  "{:02x}, expected 93 4e 55 4d 50 59 (\"\\x93NUMPY\")",
                                  pre[0], pre[1], pre[2], pre[3], pre[4], pre[5]));
  }
  NpyHeader h;
  h.major = pre[6];
  if (h.major < 1 || h.major > 3 || pre[7] != 0) {
    return invalid_argument(fmt::format("unsupported .npy format version {}.{}; accepted 1.0, 2.0, "
                                        "3.0", pre[6], pre[7]));
  }
  uint32_t len = 0;
  if (h.major == 1) {
    unsigned char b[2];
    VECDEX_RETURN_IF_ERROR(file.read(b, 2, "header length"));
    len = static_cast<uint32_t>(b[0]) | (static_cast<uint32_t>(b[1]) << 8);
  } else {
    unsigned char b[4];
    VECDEX_RETURN_IF_ERROR(file.read(b, 4, "header length"));
    len = static_cast<uint32_t>(b[0]) | (static_cast<uint32_t>(b[1]) << 8) |
          (static_cast<uint32_t>(b[2]) << 16) | (static_cast<uint32_t>(b[3]) << 24);
  }
  if (len > kMaxHeaderLen) {
    return corruption(fmt::format("header length {} exceeds the {}-byte limit", len,
                                  kMaxHeaderLen));
  }
  std::string text(len, '\0');
  VECDEX_RETURN_IF_ERROR(file.read(text.data(), len, "header dict"));
  VECDEX_RETURN_IF_ERROR(DictParser(text).parse(&h));
  h.data_offset = file.offset();
  return h;
}

std::string format_shape(const std::vector<uint64_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

std::string make_npy_header(const std::string& descr, const std::vector<uint64_t>& shape) {
  std::string dict = fmt::format("{{'descr': '{}', 'fortran_order': False, 'shape': {}, }}", descr,
                                 format_shape(shape));
  // magic(6) + version(2) + length(2) + dict + padding + '\n' is a multiple of 64.
  size_t total = 10 + dict.size() + 1;
  dict.append((64 - total % 64) % 64, ' ');
  dict.push_back('\n');
  std::string out(kMagic, kMagicLen);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(dict.size() & 0xff));
  out.push_back(static_cast<char>((dict.size() >> 8) & 0xff));
  return out + dict;
}

}  // namespace vecdex::dataset
