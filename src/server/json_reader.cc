// Typed readers over simdjson On-Demand values, with messages that name the value's place.
#include "server/json_reader.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <system_error>

#include <fmt/format.h>

namespace vecdex::server::json {

// ---- JsonPath ---------------------------------------------------------------------------------

void JsonPath::append_to(std::string& out) const {
  if (parent_ != nullptr) parent_->append_to(out);
  if (is_index_) {
    fmt::format_to(std::back_inserter(out), "[{}]", index_);
  } else if (!key_.empty()) {
    if (!out.empty()) out += '.';
    out += key_;
  }
}

std::string JsonPath::str() const {
  std::string out;
  append_to(out);
  return out;
}

std::string JsonPath::where() const {
  return is_top_level() ? "body" : str();
}

// ---- the document -----------------------------------------------------------------------------

struct BodyScratch {
  od::parser parser;
  std::unique_ptr<char[]> buffer;
  size_t capacity = 0;
  bool in_use = false;

  // Room for `size` bytes and the padding; false when that cannot be allocated.
  bool reserve(size_t size) {
    const size_t need = size + simdjson::SIMDJSON_PADDING;
    if (capacity >= need) return true;
    buffer.reset(new (std::nothrow) char[need]);
    capacity = buffer ? need : 0;
    return buffer != nullptr;
  }
};

namespace {

// Bodies up to this size reuse the thread's scratch, which then keeps ~6 bytes per body byte
// (buffer and parser index) on each serving thread; larger bodies (batches, bulk upserts)
// allocate their own, which costs little next to parsing them. A 1536-float search is ~20 KiB.
constexpr size_t kReusedBodyBytes = size_t{256} << 10;

// One per thread, reused request after request (a cache, not shared state: no other thread
// ever sees it).
BodyScratch& thread_scratch() {
  thread_local BodyScratch scratch;
  return scratch;
}

}  // namespace

BodyDocument::BodyDocument(std::string_view body) : size_(body.size()) {
  BodyScratch& mine = thread_scratch();
  if (body.size() <= kReusedBodyBytes && !mine.in_use) {
    scratch_ = &mine;
    mine.in_use = true;
  } else {
    owned_ = std::make_unique<BodyScratch>();
    scratch_ = owned_.get();
  }
  if (scratch_->reserve(body.size())) {
    if (!body.empty()) std::memcpy(scratch_->buffer.get(), body.data(), body.size());
    std::memset(scratch_->buffer.get() + body.size(), 0, simdjson::SIMDJSON_PADDING);
    copied_ = true;
  }
}

BodyDocument::~BodyDocument() {
  if (owned_ == nullptr) scratch_->in_use = false;
}

simdjson::simdjson_result<od::document> BodyDocument::iterate() {
  if (!copied_) return simdjson::MEMALLOC;
  return scratch_->parser.iterate(scratch_->buffer.get(), size_, scratch_->capacity);
}

// ---- errors -----------------------------------------------------------------------------------

namespace {

// Type errors are about one value; every other simdjson error means the text is not JSON.
bool is_value_error(simdjson::error_code error) {
  return error == simdjson::INCORRECT_TYPE || error == simdjson::NUMBER_ERROR ||
         error == simdjson::NUMBER_OUT_OF_RANGE;
}

// Cuts `text` to at most `max` bytes without splitting a UTF-8 sequence.
std::string_view utf8_prefix(std::string_view text, size_t max) {
  if (text.size() <= max) return text;
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

}  // namespace

Status malformed(simdjson::error_code error, const JsonPath& at) {
  switch (error) {
    case simdjson::EMPTY:
      return invalid_argument("body: empty; expected a JSON object");
    case simdjson::MEMALLOC:
      return resource_exhausted("body: out of memory while parsing the JSON");
    case simdjson::CAPACITY:
      return resource_exhausted("body: too large for the JSON parser");
    default:
      break;
  }
  const std::string near = at.is_top_level() ? std::string() : " near " + at.str();
  return invalid_argument(
      fmt::format("body: malformed JSON{} ({})", near, simdjson::error_message(error)));
}

std::string describe(od::value& value) {
  od::json_type type;
  if (!value.type().get(type)) {
    if (type == od::json_type::array) return "an array";
    if (type == od::json_type::object) return "an object";
  }
  // raw_json_token() runs to the next token, whitespace included.
  std::string_view token = value.raw_json_token();
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' || token.back() == '\n' ||
                            token.back() == '\r')) {
    token.remove_suffix(1);
  }
  constexpr size_t kMaxShown = 40;
  std::string_view shown = utf8_prefix(token, kMaxShown);
  return shown.size() < token.size() ? std::string(shown) + "..." : std::string(shown);
}

Status wrong_value(od::value& value, simdjson::error_code error, const JsonPath& at,
                   std::string_view expected) {
  if (!is_value_error(error)) return malformed(error, at);
  return invalid_argument(
      fmt::format("{}: expected {}, got {}", at.where(), expected, describe(value)));
}

Status missing_field(const JsonPath& at, std::string_view name) {
  return invalid_argument(fmt::format("{}: missing field '{}'", at.where(), name));
}

Status unknown_key(const JsonPath& at, const ObjectShape& shape, std::string_view key) {
  std::string expected(shape.expected);
  if (expected.empty()) expected = fmt::format("{}", fmt::join(shape.keys, ", "));
  std::string shown(utf8_prefix(key, 64));
  if (at.is_top_level()) {
    return invalid_argument(
        fmt::format("unknown {} '{}' at top level (expected {})", shape.noun, shown, expected));
  }
  return invalid_argument(
      fmt::format("{}: unknown {} '{}' (expected {})", at.str(), shape.noun, shown, expected));
}

Status repeated_key(const JsonPath& at, std::string_view key) {
  return invalid_argument(fmt::format("{}: field '{}' appears twice", at.where(), key));
}

// ---- objects and arrays -----------------------------------------------------------------------

Status read_object(od::value& value, const JsonPath& at, od::object& out) {
  if (auto error = value.get_object().get(out); error) {
    return wrong_value(value, error, at, "an object");
  }
  return ok_status();
}

Status wrong_count(const JsonPath& at, size_t max, std::string_view noun, size_t count) {
  return invalid_argument(
      fmt::format("{}: expected 1..{} {}, got {}", at.where(), max, noun, count));
}

// ---- scalars ----------------------------------------------------------------------------------

namespace {

// simdjson 3.0.1 (Debian 12's) misreads some numbers of more than 19 significant digits whose
// integer part is 0: get_double gives 0.1155... for "0.30000000000000004441" (printf's "%.20g"
// of 0.1 + 0.2), an overflow in its digit count (simdjson issue #2093, fixed in 3.6.3). So a
// number that long, which get_double has already checked is JSON, is read again with
// std::from_chars, which rounds correctly; shorter ones keep simdjson's value.
simdjson::error_code get_exact_double(od::value& value, double& out) {
  if (auto error = value.get_double().get(out); error) return error;
  constexpr size_t kDigitsSimdjsonReadsExactly = 19;
  const std::string_view token = value.raw_json_token();  // and any whitespace after it
  if (token.size() <= kDigitsSimdjsonReadsExactly) return simdjson::SUCCESS;
  double exact = 0;
  const auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), exact);
  if (error == std::errc()) {
    out = exact;
  } else if (error == std::errc::result_out_of_range) {
    out = token.front() == '-' ? -0.0 : 0.0;  // below the least subnormal (simdjson refuses overflow)
  }
  return simdjson::SUCCESS;
}

}  // namespace

Result<std::string_view> read_string(od::value& value, const JsonPath& at) {
  std::string_view text;
  if (auto error = value.get_string().get(text); error) {
    return wrong_value(value, error, at, "a string");
  }
  return text;
}

Result<bool> read_bool(od::value& value, const JsonPath& at) {
  bool flag = false;
  if (auto error = value.get_bool().get(flag); error) {
    return wrong_value(value, error, at, "true or false");
  }
  return flag;
}

Result<uint64_t> read_integer(od::value& value, const JsonPath& at, uint64_t min, uint64_t max) {
  // get_uint64 fails for negative numbers, fractions and exponents alike; all get one message.
  uint64_t number = 0;
  auto error = value.get_uint64().get(number);
  if (error && !is_value_error(error)) return malformed(error, at);
  if (error || number < min || number > max) {
    return invalid_argument(
        fmt::format("{}: must be {}..{}, got {}", at.where(), min, max, describe(value)));
  }
  return number;
}

Result<double> read_double(od::value& value, const JsonPath& at) {
  // simdjson refuses numbers that overflow a double, so every number it returns is finite.
  double number = 0;
  if (auto error = get_exact_double(value, number); error) {
    return wrong_value(value, error, at, "a finite number");
  }
  return number;
}

Status read_vector(od::value& value, const JsonPath& at, size_t dim, std::vector<float>& out) {
  od::array array;
  if (auto error = value.get_array().get(array); error) {
    return wrong_value(value, error, at, fmt::format("an array of {} numbers", dim));
  }
  out.resize(dim);
  size_t count = 0;
  for (auto maybe_element : array) {
    od::value element;
    if (auto error = std::move(maybe_element).get(element); error) {
      return malformed(error, at.index(count));
    }
    // Past `dim` only count, so the message can say how many came.
    if (count < dim) {
      double number = 0;
      if (auto error = get_exact_double(element, number); error) {
        return wrong_value(element, error, at.index(count), "a finite number");
      }
      const float narrowed = static_cast<float>(number);
      if (!std::isfinite(narrowed)) {
        return invalid_argument(fmt::format("{}: {} is outside the float32 range",
                                            at.index(count).str(), describe(element)));
      }
      out[count] = narrowed;
    }
    ++count;
  }
  if (count != dim) {
    return invalid_argument(fmt::format("{}: expected {} numbers, got {}", at.where(), dim, count));
  }
  return ok_status();
}

// ---- vecdex values ----------------------------------------------------------------------------

namespace {

// The value's kind. A token that starts no JSON value (NaN, Infinity, 'x') is reported as a
// wrong value like any other, since the message can show it.
Result<od::json_type> kind_of(od::value& value, const JsonPath& at, std::string_view expected) {
  od::json_type type;
  auto error = value.type().get(type);
  if (error == simdjson::TAPE_ERROR) {
    return wrong_value(value, simdjson::INCORRECT_TYPE, at, expected);
  }
  if (error) return malformed(error, at);
  return type;
}

}  // namespace

Result<PointId> read_point_id(od::value& value, const JsonPath& at) {
  constexpr std::string_view kExpected =
      "an id (an unsigned 64-bit integer or a string of 1..256 bytes)";
  VECDEX_ASSIGN_OR_RETURN(od::json_type type, kind_of(value, at, kExpected));
  if (type == od::json_type::string) {
    std::string_view text;
    if (auto error = value.get_string().get(text); error) return malformed(error, at);
    auto id = PointId::from_string(text);
    if (!id.ok()) return id.status().with_context(at.where());
    return id;
  }
  uint64_t number = 0;
  if (auto error = value.get_uint64().get(number); error) {
    return wrong_value(value, error, at, kExpected);
  }
  return PointId(number);
}

Result<PayloadValue> read_scalar(od::value& value, const JsonPath& at) {
  constexpr std::string_view kExpected = "a number, true/false or a string";
  VECDEX_ASSIGN_OR_RETURN(od::json_type type, kind_of(value, at, kExpected));
  switch (type) {
    case od::json_type::number: {
      // Integer literals that fit int64 stay integers; everything else (fractions, exponents,
      // integers beyond int64) is a float.
      od::number_type kind;
      if (!value.get_number_type().get(kind) && kind == od::number_type::signed_integer) {
        int64_t integer = 0;
        if (auto error = value.get_int64().get(integer); error) {
          return wrong_value(value, error, at, kExpected);
        }
        return PayloadValue(integer);
      }
      VECDEX_ASSIGN_OR_RETURN(double number, read_double(value, at));
      return PayloadValue(number);
    }
    case od::json_type::boolean: {
      VECDEX_ASSIGN_OR_RETURN(bool flag, read_bool(value, at));
      return PayloadValue(flag);
    }
    case od::json_type::string: {
      VECDEX_ASSIGN_OR_RETURN(std::string_view text, read_string(value, at));
      return PayloadValue(std::string(text));
    }
    default:
      return invalid_argument(
          fmt::format("{}: expected {}, got {}", at.where(), kExpected, describe(value)));
  }
}

Result<PayloadValue> read_payload_value(od::value& value, const JsonPath& at) {
  constexpr std::string_view kExpected = "a number, true/false, a string or an array of strings";
  VECDEX_ASSIGN_OR_RETURN(od::json_type type, kind_of(value, at, kExpected));
  if (type != od::json_type::array) {
    if (type == od::json_type::object || type == od::json_type::null) {
      return invalid_argument(
          fmt::format("{}: expected {}, got {}", at.where(), kExpected, describe(value)));
    }
    return read_scalar(value, at);
  }
  od::array array;
  if (auto error = value.get_array().get(array); error) return malformed(error, at);
  Keywords keywords;
  VECDEX_RETURN_IF_ERROR(for_each_element(array, at, [&](size_t i, od::value& element) {
    VECDEX_ASSIGN_OR_RETURN(std::string_view text, read_string(element, at.index(i)));
    keywords.emplace_back(text);
    return ok_status();
  }));
  return PayloadValue(std::move(keywords));
}

Result<Payload> read_payload(od::value& value, const JsonPath& at) {
  od::object object;
  VECDEX_RETURN_IF_ERROR(read_object(value, at, object));
  Payload payload;
  VECDEX_RETURN_IF_ERROR(
      for_each_named_field(object, at, [&](std::string_view key, od::value& field) -> Status {
        VECDEX_ASSIGN_OR_RETURN(PayloadValue field_value, read_payload_value(field, at.key(key)));
        if (!payload.try_emplace(std::string(key), std::move(field_value)).second) {
          return repeated_key(at, key);
        }
        return ok_status();
      }));
  return payload;
}

}  // namespace vecdex::server::json
