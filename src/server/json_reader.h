// Reading request bodies with simdjson's On-Demand API: the document wrapper, the path of the
// value being read (for messages such as "points[3].vector[17]: expected a finite number, got
// null"), typed readers that turn simdjson's error codes into InvalidArgument naming that path,
// and field dispatch that rejects unknown and repeated keys. Private to the JSON codec.
//
// On-Demand reads forward only: every reader consumes its value completely, and a value may be
// read once. Nothing here copies the input besides the one padded copy of the body.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <simdjson.h>

#include "vecdex/payload.h"
#include "vecdex/result.h"

namespace vecdex::server::json {

namespace od = simdjson::ondemand;

// Where a value sits in the body: a chain of keys and array indexes living on the stack of the
// readers, turned into text only when a message needs it, so reading builds no strings.
// A child refers to its parent: keep the parent alive while the child is used.
class JsonPath {
 public:
  JsonPath() = default;  // the body's top-level value
  // A top level that is itself named, e.g. "filter" when a filter is parsed on its own.
  explicit JsonPath(std::string_view name) : key_(name) {}

  JsonPath key(std::string_view name) const { return JsonPath(this, name, 0, false); }
  JsonPath index(size_t i) const { return JsonPath(this, {}, i, true); }

  bool is_top_level() const { return parent_ == nullptr && key_.empty(); }
  // "points[3].vector"; "" for the unnamed top level.
  std::string str() const;
  // str(), or "body" for the unnamed top level: the subject of a message.
  std::string where() const;

 private:
  JsonPath(const JsonPath* parent, std::string_view key, size_t index, bool is_index)
      : parent_(parent), key_(key), index_(index), is_index_(is_index) {}
  void append_to(std::string& out) const;

  const JsonPath* parent_ = nullptr;
  std::string_view key_;
  size_t index_ = 0;
  bool is_index_ = false;
};

// ---- errors -----------------------------------------------------------------------------------

// A simdjson error that is not about a value's type: the body is not JSON (or too big or too
// deep). "body: malformed JSON near points[3] (<simdjson's message>)".
Status malformed(simdjson::error_code error, const JsonPath& at);
// A value of the wrong kind: "<at>: expected <expected>, got <what the value is>". Falls back
// to malformed() when `error` is a syntax error rather than a type error.
Status wrong_value(od::value& value, simdjson::error_code error, const JsonPath& at,
                   std::string_view expected);
// What a value is, for messages: the token itself for scalars ("null", "-Infinity", "\"10\"",
// truncated when long), "an array" or "an object" otherwise.
std::string describe(od::value& value);
// "<at>: missing field '<name>'".
Status missing_field(const JsonPath& at, std::string_view name);

// ---- the document -----------------------------------------------------------------------------

struct BodyScratch;  // a padded buffer and a parser (json_reader.cc)

// The padded copy of a body and the parser that reads it. A parser allocates its index on first
// use (several bytes per body byte), and a new one per search cost more than parsing the search:
// bodies up to 256 KiB use a buffer and parser kept per thread between requests. Larger bodies,
// and a body parsed while the thread's scratch is in use, get their own. The buffer ends in
// zero bytes. Not copyable; lives on the parsing thread's stack.
class BodyDocument {
 public:
  explicit BodyDocument(std::string_view body);
  ~BodyDocument();
  BodyDocument(const BodyDocument&) = delete;
  BodyDocument& operator=(const BodyDocument&) = delete;

  // Starts reading the body: the document, or MEMALLOC when the copy could not be allocated.
  simdjson::simdjson_result<od::document> iterate();

 private:
  BodyScratch* scratch_ = nullptr;  // the thread's, or owned_
  std::unique_ptr<BodyScratch> owned_;
  size_t size_ = 0;
  bool copied_ = false;
};

// Parses `body` (one padded copy) and calls read_root(od::object&) on its top-level object,
// then checks that nothing follows it. The object and every string_view read from it are valid
// only inside read_root.
template <typename ReadRoot>
Status read_body(std::string_view body, const JsonPath& top, ReadRoot&& read_root);

// ---- objects ----------------------------------------------------------------------------------

// The keys an object may hold, and how an unknown key is reported:
// "<at>: unknown <noun> 'x' (expected <expected>)", with `expected` defaulting to the key list.
struct ObjectShape {
  std::span<const std::string_view> keys;  // at most 64
  std::string_view noun = "field";
  std::string_view expected = {};
};

Status read_object(od::value& value, const JsonPath& at, od::object& out);
// Visits the fields of `object` in order: visit(size_t key_index, od::value&) -> Status, where
// key_index points into shape.keys. Unknown and repeated keys are errors.
template <typename Visit>
Status for_each_field(od::object& object, const JsonPath& at, const ObjectShape& shape,
                      Visit&& visit);
// Visits every field of an object whose keys are data (payload fields, schema fields):
// visit(std::string_view key, od::value&) -> Status. The key is valid while the document lives.
template <typename Visit>
Status for_each_named_field(od::object& object, const JsonPath& at, Visit&& visit);

// ---- arrays -----------------------------------------------------------------------------------

// Visits the elements in order: visit(size_t index, od::value&) -> Status.
template <typename Visit>
Status for_each_element(od::array& array, const JsonPath& at, Visit&& visit);
// The same for the array `value`, which must hold 1..max elements:
// "<at>: expected 1..1000 <noun>, got 0". Elements past `max` are only counted, for the message
// (counting up front would cost a pass over the whole array on the happy path).
template <typename Visit>
Status for_each_element(od::value& value, const JsonPath& at, size_t max, std::string_view noun,
                        Visit&& visit);
// A body that is an object with exactly one field, the array `key` ({"points":[...]}): visits
// its 1..max elements as visit(const JsonPath& element_at, od::value&) -> Status. A missing
// field, another field or an empty array are errors.
template <typename Visit>
Status read_list_body(std::string_view body, std::string_view key, size_t max, Visit&& visit);

// ---- scalars ----------------------------------------------------------------------------------

// The unescaped string; valid while the document lives.
Result<std::string_view> read_string(od::value& value, const JsonPath& at);
Result<bool> read_bool(od::value& value, const JsonPath& at);
// An integer in min..max: "<at>: must be 1..10000, got 0" (also for fractions, huge numbers,
// negative numbers and non-numbers).
Result<uint64_t> read_integer(od::value& value, const JsonPath& at, uint64_t min, uint64_t max);
// A finite number (integers included).
Result<double> read_double(od::value& value, const JsonPath& at);
// Exactly `dim` finite numbers (finite also as float32) into out[0..dim), straight from the
// text: "<at>: expected 784 numbers, got 783", "<at>[5]: expected a finite number, got null".
Status read_vector(od::value& value, const JsonPath& at, size_t dim, std::vector<float>& out);

// ---- vecdex values ----------------------------------------------------------------------------

// An unsigned 64-bit integer or a string of 1..256 bytes (PointId::from_string).
Result<PointId> read_point_id(od::value& value, const JsonPath& at);
// A number, bool or string, typed as in a payload (integer literal fitting int64 -> int, other
// numbers -> float).
Result<PayloadValue> read_scalar(od::value& value, const JsonPath& at);
// read_scalar() or an array of strings (-> keywords).
Result<PayloadValue> read_payload_value(od::value& value, const JsonPath& at);
// An object of field -> payload value; a repeated field name is an error.
Result<Payload> read_payload(od::value& value, const JsonPath& at);

// ---- template definitions ---------------------------------------------------------------------

template <typename ReadRoot>
Status read_body(std::string_view body, const JsonPath& top, ReadRoot&& read_root) {
  BodyDocument padded(body);
  od::document document;
  if (auto error = padded.iterate().get(document); error) return malformed(error, top);
  od::object root;
  if (auto error = document.get_object().get(root); error) {
    od::json_type type;
    if (error != simdjson::INCORRECT_TYPE || document.type().get(type)) {
      return malformed(error, top);
    }
    return invalid_argument(top.where() + ": expected a JSON object, got " +
                            (type == od::json_type::array ? "an array" : "a scalar value"));
  }
  VECDEX_RETURN_IF_ERROR(read_root(root));
  // current_location() is in bounds only when tokens follow the top-level object.
  if (!document.current_location().error()) {
    return invalid_argument(top.where() + ": malformed JSON (content after the top-level object)");
  }
  return ok_status();
}

Status unknown_key(const JsonPath& at, const ObjectShape& shape, std::string_view key);
Status wrong_count(const JsonPath& at, size_t max, std::string_view noun, size_t count);
Status repeated_key(const JsonPath& at, std::string_view key);

template <typename Visit>
Status for_each_named_field(od::object& object, const JsonPath& at, Visit&& visit) {
  for (auto maybe_field : object) {
    od::field field;
    if (auto error = std::move(maybe_field).get(field); error) return malformed(error, at);
    std::string_view key;
    if (auto error = field.unescaped_key().get(key); error) return malformed(error, at);
    VECDEX_RETURN_IF_ERROR(visit(key, field.value()));
  }
  return ok_status();
}

template <typename Visit>
Status for_each_field(od::object& object, const JsonPath& at, const ObjectShape& shape,
                      Visit&& visit) {
  uint64_t seen = 0;
  return for_each_named_field(object, at, [&](std::string_view key, od::value& value) -> Status {
    size_t index = 0;
    while (index < shape.keys.size() && shape.keys[index] != key) ++index;
    if (index == shape.keys.size()) return unknown_key(at, shape, key);
    if (seen & (uint64_t{1} << index)) return repeated_key(at, key);
    seen |= uint64_t{1} << index;
    return visit(index, value);
  });
}

template <typename Visit>
Status for_each_element(od::array& array, const JsonPath& at, Visit&& visit) {
  size_t index = 0;
  for (auto maybe_element : array) {
    od::value element;
    if (auto error = std::move(maybe_element).get(element); error) {
      return malformed(error, at.index(index));
    }
    VECDEX_RETURN_IF_ERROR(visit(index, element));
    ++index;
  }
  return ok_status();
}

template <typename Visit>
Status for_each_element(od::value& value, const JsonPath& at, size_t max, std::string_view noun,
                        Visit&& visit) {
  od::array array;
  if (auto error = value.get_array().get(array); error) {
    return wrong_value(value, error, at, "an array");
  }
  size_t count = 0;
  VECDEX_RETURN_IF_ERROR(for_each_element(array, at, [&](size_t i, od::value& element) -> Status {
    ++count;
    return i < max ? visit(i, element) : ok_status();
  }));
  if (count == 0 || count > max) return wrong_count(at, max, noun, count);
  return ok_status();
}

template <typename Visit>
Status read_list_body(std::string_view body, std::string_view key, size_t max, Visit&& visit) {
  const std::string_view keys[] = {key};
  bool present = false;
  const JsonPath top;
  return read_body(body, top, [&](od::object& root) -> Status {
    VECDEX_RETURN_IF_ERROR(
        for_each_field(root, top, ObjectShape{keys}, [&](size_t, od::value& field) -> Status {
          present = true;
          const JsonPath list_at = top.key(key);
          return for_each_element(field, list_at, max, key, [&](size_t i, od::value& element) {
            return visit(list_at.index(i), element);
          });
        }));
    if (!present) return missing_field(top, key);
    return ok_status();
  });
}

}  // namespace vecdex::server::json
