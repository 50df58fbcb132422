// Points' identities and attributes: external ids (u64 or string), typed payload values, the
// payload schema (field types, required fields, what to do when they are missing), and payload
// filters (must / should / must_not over equality, set membership and ranges).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "vecdex/result.h"

namespace vecdex {

// External id of a point in a collection: an unsigned 64-bit number or a string of 1..256 bytes.
// The two kinds never compare equal (7 and "7" are different points).
class PointId {
 public:
  static constexpr size_t kMaxStringBytes = 256;

  PointId() = default;
  explicit PointId(uint64_t number) : value_(number) {}
  // InvalidArgument for an empty string or one longer than kMaxStringBytes.
  static Result<PointId> from_string(std::string_view text);

  bool is_number() const { return std::holds_alternative<uint64_t>(value_); }
  uint64_t number() const { return std::get<uint64_t>(value_); }   // requires is_number()
  const std::string& text() const { return std::get<std::string>(value_); }  // requires !is_number()
  // "42" for numbers, "\"abc\"" (JSON-quoted) for strings: for messages.
  std::string describe() const;

  friend bool operator==(const PointId&, const PointId&) = default;
  friend auto operator<=>(const PointId&, const PointId&) = default;

 private:
  std::variant<uint64_t, std::string> value_{uint64_t{0}};
};

// A keyword list ("tags": ["red", "sale"]).
using Keywords = std::vector<std::string>;
// One payload value: int, float, bool, string or keyword list.
using PayloadValue = std::variant<int64_t, double, bool, std::string, Keywords>;
// Field name -> value, ordered (stable iteration and encoding).
using Payload = std::map<std::string, PayloadValue, std::less<>>;

enum class FieldType : uint8_t { kInt = 0, kFloat = 1, kBool = 2, kString = 3, kKeywords = 4 };
std::string_view field_type_name(FieldType type);  // "int", "float", "bool", "string", "keywords"
Result<FieldType> parse_field_type(std::string_view text);
// The type a value has (an int value is also accepted for a float field).
FieldType value_type(const PayloadValue& value);

struct FieldSpec {
  std::string name;       // 1..64 bytes
  FieldType type = FieldType::kString;
  bool required = false;  // artifact coverage: downstream ranking needs this field
  bool indexed = true;    // keep a secondary index so filters on it never scan payloads
};

// The schema of a collection's payloads. Fields not in the schema are stored but not indexed
// and not type-checked (unless strict).
struct PayloadSchema {
  enum class MissingRequired : uint8_t {
    kReject = 0,  // an upsert whose point lacks a required field fails (whole batch)
    kCount = 1,   // accepted; the collection counts points per missing field (coverage)
  };
  static constexpr size_t kMaxFieldNameBytes = 64;

  std::vector<FieldSpec> fields;
  MissingRequired on_missing_required = MissingRequired::kReject;
  bool strict = false;  // reject fields not in the schema

  const FieldSpec* field(std::string_view name) const;
  // InvalidArgument for duplicate or malformed field names (empty, longer than
  // kMaxFieldNameBytes, or containing control characters) and unknown field types.
  Status validate() const;
  // InvalidArgument naming the field when a value's type does not match its FieldSpec
  // ("field 'price': expected float, got string"; ints are accepted for float fields), a float
  // field holds NaN/Inf, a required field is missing (kReject), an unknown field is present
  // (strict), or a payload field name is empty or longer than kMaxFieldNameBytes.
  Status check(const Payload& payload) const;
};

// One condition on one field.
struct FieldCondition {
  enum class Kind : uint8_t {
    kMatch = 0,     // equality; for a keywords field: the list contains the value
    kMatchAny = 1,  // set membership: equal to (contains) any of `any`
    kRange = 2,     // numeric: gte <= v <= lte, gt < v < lt (bounds optional)
    kIsEmpty = 3,   // field missing (or an empty keyword list)
  };
  std::string field;
  Kind kind = Kind::kMatch;
  PayloadValue value;               // kMatch
  std::vector<PayloadValue> any;    // kMatchAny
  std::optional<double> gt, gte, lt, lte;  // kRange
};

// Qdrant-style boolean filter: a point passes when every `must` clause holds, at least one
// `should` clause holds (if any are given), and no `must_not` clause holds. Clauses are field
// conditions or nested filters. An empty filter matches every point.
// Value semantics (matches(), and the secondary indexes agree): numbers compare by value, ints
// against float bounds exactly (an int stored in a float field is indexed as a double, so ints
// beyond 2^53 there may round); a string matches a string field by equality and a keywords field
// by membership; a condition on a missing field or a value of another kind is false (kIsEmpty:
// true). Filters over a collection may only name schema fields marked `indexed`.
struct PayloadFilter {
  struct Clause {
    std::optional<FieldCondition> condition;
    std::shared_ptr<const PayloadFilter> nested;  // exactly one of condition / nested is set
  };
  std::vector<Clause> must;
  std::vector<Clause> should;
  std::vector<Clause> must_not;

  bool empty() const { return must.empty() && should.empty() && must_not.empty(); }
  // Evaluates the filter against one payload (the reference semantics; collections answer
  // filters from secondary indexes instead).
  bool matches(const Payload& payload) const;
  static constexpr size_t kMaxDepth = 16;
  // InvalidArgument for a clause with neither or both parts, an empty field name, a range
  // without bounds or with non-finite bounds, kMatchAny without values, a match value that is a
  // keyword list or a non-finite float, or nesting deeper than kMaxDepth. The message names
  // the clause ("filter must[1].nested.should[0]: ...").
  Status validate() const;
};

}  // namespace vecdex
