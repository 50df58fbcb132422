// One pass over a search body: the "vector" array read number by number, the other fields copied
// out whole for simdjson.
#include "server/json_vector_field.h"

#include <charconv>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <system_error>

namespace vecdex::server::json {
namespace {

constexpr std::string_view kVectorKey = "vector";

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\r' || c == '\t'; }

const char* skip_space(const char* p, const char* end) {
  while (p != end && is_space(*p)) ++p;
  return p;
}

// Powers of ten that a double holds exactly.
constexpr double kExactPowersOfTen[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                        1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                        1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
constexpr int kMaxExactPower = 22;
// Every integer of up to 15 digits is below 2^53, so exact as a double.
constexpr ptrdiff_t kMaxExactDigits = 15;
// Exponents beyond this make every double overflow or underflow; capping keeps the sum small.
constexpr int kExponentCap = 100000;
constexpr ptrdiff_t kMaxExponentDigits = 18;

// The number readers run without bounds checks: the caller guarantees a '}' at or after p (the
// body's last byte), and they stop at the first byte that cannot continue a number, which '}'
// is not.

// The rare numbers: long mantissas, large exponents. The standard library's conversion rounds
// correctly, as the general path does; out of the double range (either way) declines.
const char* read_number_slowly(const char* start, const char* stop, double& out) {
  const auto [end, error] = std::from_chars(start, stop, out);
  return error == std::errc() && end == stop ? stop : nullptr;
}

// Reads one JSON number (RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?) at p into
// `out`, correctly rounded to double. Returns the end of the number, or nullptr when p does not
// start a number or the number is out of the double range. Whatever follows is the caller's to
// check ("01" reads "0" and leaves "1").
const char* read_number(const char* p, double& out) {
  const char* const start = p;
  const bool negative = *p == '-';
  p += negative;
  const char* const first_digit = p;
  unsigned digit = static_cast<unsigned>(*p - '0');
  if (digit > 9) return nullptr;
  uint64_t mantissa = digit;
  ++p;
  if (digit != 0) {  // no digit may follow a leading zero
    while ((digit = static_cast<unsigned>(*p - '0')) <= 9) {
      mantissa = mantissa * 10 + digit;
      ++p;
    }
  }
  if (*p != '.' && *p != 'e' && *p != 'E') {
    // An integer; up to 15 digits it is exact as a double.
    if (p - first_digit > kMaxExactDigits) return read_number_slowly(start, p, out);
    const double value = static_cast<double>(mantissa);
    out = negative ? -value : value;
    return p;
  }
  int exponent = 0;
  if (*p == '.') {
    const char* const fraction = ++p;
    while ((digit = static_cast<unsigned>(*p - '0')) <= 9) {
      mantissa = mantissa * 10 + digit;
      ++p;
    }
    if (p == fraction) return nullptr;
    exponent = -static_cast<int>(p - fraction);
  }
  // Digits read, the point not counted (leading zeros count too: they only send a number to the
  // slow reader needlessly).
  const ptrdiff_t digits = (p - first_digit) - (exponent < 0 ? 1 : 0);
  if (*p == 'e' || *p == 'E') {
    ++p;
    const bool negative_exponent = *p == '-';
    p += (*p == '-' || *p == '+');
    const char* const exponent_digits = p;
    int value = 0;
    while ((digit = static_cast<unsigned>(*p - '0')) <= 9) {
      if (value < kExponentCap) value = value * 10 + static_cast<int>(digit);
      ++p;
    }
    // simdjson refuses exponents of many digits (even "1e0000000000000000000000000000001"),
    // so they are left to it.
    if (p == exponent_digits || p - exponent_digits > kMaxExponentDigits) return nullptr;
    exponent += negative_exponent ? -value : value;
  }
  // Clinger's fast path: an exact mantissa times or over an exact power of ten rounds once.
  if (digits > kMaxExactDigits || exponent < -kMaxExactPower || exponent > kMaxExactPower) {
    return read_number_slowly(start, p, out);
  }
  double value = static_cast<double>(mantissa);
  value = exponent < 0 ? value / kExactPowersOfTen[-exponent] : value * kExactPowersOfTen[exponent];
  out = negative ? -value : value;
  return p;
}

const char* skip_space_unbounded(const char* p) {
  while (is_space(*p)) ++p;
  return p;
}

// Reads the array at p ('[' already checked) into vector[0..dim): the end of the array, or
// nullptr when it is not exactly dim numbers each finite as float32. Needs a '}' after p.
const char* read_vector_array(const char* p, size_t dim, float* vector) {
  ++p;  // '['
  size_t count = 0;
  while (true) {
    if (*p <= ' ') p = skip_space_unbounded(p);
    double number = 0;
    p = read_number(p, number);
    if (p == nullptr || count == dim) return nullptr;
    const float narrowed = static_cast<float>(number);
    if (!std::isfinite(narrowed)) return nullptr;
    vector[count++] = narrowed;
    if (*p <= ' ') p = skip_space_unbounded(p);
    if (*p == ',') {
      ++p;
    } else if (*p == ']') {
      return count == dim ? p + 1 : nullptr;
    } else {
      return nullptr;
    }
  }
}

// p at '"': the end of the string, or nullptr when it does not end.
const char* skip_string(const char* p, const char* end) {
  for (++p; p != end; ++p) {
    if (*p == '"') return p + 1;
    if (*p == '\\' && ++p == end) return nullptr;
  }
  return nullptr;
}

// The end of the value at p, for valid JSON; simdjson checks the value itself later.
const char* skip_value(const char* p, const char* end) {
  if (*p == '"') return skip_string(p, end);
  if (*p == '{' || *p == '[') {
    size_t depth = 0;
    while (p != end) {
      const char c = *p;
      if (c == '"') {
        p = skip_string(p, end);
        if (p == nullptr) return nullptr;
        continue;
      }
      if (c == '{' || c == '[') {
        ++depth;
      } else if ((c == '}' || c == ']') && --depth == 0) {
        return p + 1;
      }
      ++p;
    }
    return nullptr;
  }
  // A scalar runs to the next delimiter.
  const char* const start = p;
  while (p != end && *p != ',' && *p != '}' && *p != ']' && !is_space(*p)) ++p;
  return p == start ? nullptr : p;
}

// Reads `"key" :` at p (after any whitespace): the position after the colon and its whitespace,
// or nullptr. A key with an escape or a control character declines, so each key has one
// spelling here.
const char* read_plain_key(const char* p, const char* end, std::string_view& key) {
  if (p == end || *p != '"') return nullptr;
  const char* key_end = p + 1;
  while (key_end != end && *key_end != '"') {
    if (*key_end == '\\' || static_cast<unsigned char>(*key_end) < 0x20) return nullptr;
    ++key_end;
  }
  if (key_end == end) return nullptr;
  key = std::string_view(p + 1, static_cast<size_t>(key_end - p - 1));
  p = skip_space(key_end + 1, end);
  if (p == end || *p != ':') return nullptr;
  p = skip_space(p + 1, end);
  return p == end ? nullptr : p;
}

// Reads the object at p ('{' checked by the caller) as split_vector_field describes: the end of
// the object, or nullptr. Needs a '}' at the end of the body, which bounds the number readers.
const char* split_object_at(const char* p, const char* end, size_t dim, std::vector<float>& vector,
                            std::string& rest) {
  p = skip_space(p + 1, end);
  rest.assign(1, '{');
  bool has_vector = false;
  while (true) {
    const char* const field_start = p;
    std::string_view key;
    p = read_plain_key(p, end, key);
    if (p == nullptr) return nullptr;
    if (key == kVectorKey) {
      if (has_vector || *p != '[') return nullptr;
      has_vector = true;
      vector.resize(dim);
      p = read_vector_array(p, dim, vector.data());
      if (p == nullptr) return nullptr;
    } else {
      p = skip_value(p, end);
      if (p == nullptr) return nullptr;
      if (rest.size() > 1) rest += ',';
      rest.append(field_start, p);
    }
    p = skip_space(p, end);
    if (p == end) return nullptr;
    if (*p == '}') break;
    if (*p != ',') return nullptr;
    p = skip_space(p + 1, end);
  }
  rest += '}';
  return has_vector ? p + 1 : nullptr;
}

// The body without trailing whitespace, when it is '{' ... '}': [begin, end), else nullptr.
const char* trimmed_object(std::string_view body, const char*& end) {
  const char* p = body.data();
  end = p + body.size();
  while (end != p && is_space(end[-1])) --end;
  p = skip_space(p, end);
  return p != end && *p == '{' && end[-1] == '}' ? p : nullptr;
}

}  // namespace

bool split_vector_field(std::string_view body, size_t dim, std::vector<float>& vector,
                        std::string& rest) {
  const char* end = nullptr;
  const char* p = trimmed_object(body, end);
  if (dim == 0 || p == nullptr) return false;
  return split_object_at(p, end, dim, vector, rest) == end;
}

bool split_vector_list(std::string_view body, std::string_view key, size_t dim, size_t max_objects,
                       std::vector<VectorObject>& objects) {
  objects.clear();
  const char* end = nullptr;
  const char* p = trimmed_object(body, end);
  if (dim == 0 || p == nullptr) return false;
  std::string_view found;
  p = read_plain_key(skip_space(p + 1, end), end, found);
  if (p == nullptr || found != key || *p != '[') return false;
  p = skip_space(p + 1, end);
  while (true) {
    if (p == end || *p != '{' || objects.size() == max_objects) return false;
    VectorObject& object = objects.emplace_back();
    p = split_object_at(p, end, dim, object.vector, object.rest);
    if (p == nullptr) return false;
    p = skip_space(p, end);
    if (p == end) return false;
    if (*p == ']') break;
    if (*p != ',') return false;
    p = skip_space(p + 1, end);
  }
  p = skip_space(p + 1, end);
  return p != end && *p == '}' && p + 1 == end;
}

}  // namespace vecdex::server::json
