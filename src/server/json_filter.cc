// Payload filters from JSON: {"must":[...], "should":[...], "must_not":[...]} whose clauses are
// key+match, key+range, is_empty or nested filters.
#include "server/json_filter.h"

#include <memory>
#include <utility>

#include <fmt/format.h>

#include "server/json_codec.h"

namespace vecdex::server {
namespace json {
namespace {

constexpr std::string_view kClauseExpected = "key+match|range, is_empty, or a nested filter";

constexpr std::string_view kFilterKeys[] = {"must", "should", "must_not"};
constexpr ObjectShape kFilterShape{kFilterKeys};

// A clause holds a condition's keys or a nested filter's groups (kMust.. in kFilterKeys order).
enum ClauseKey : size_t { kKey, kMatch, kRange, kIsEmpty, kMust, kShould, kMustNot };
constexpr std::string_view kClauseKeys[] = {"key",  "match",  "range",   "is_empty",
                                            "must", "should", "must_not"};
constexpr ObjectShape kClauseShape{kClauseKeys, "clause", kClauseExpected};

constexpr std::string_view kMatchKeys[] = {"value", "any"};
constexpr ObjectShape kMatchShape{kMatchKeys, "field", "value or any"};
constexpr std::string_view kRangeKeys[] = {"gt", "gte", "lt", "lte"};
constexpr ObjectShape kRangeShape{kRangeKeys};
constexpr std::string_view kIsEmptyKeys[] = {"key"};
constexpr ObjectShape kIsEmptyShape{kIsEmptyKeys};

Result<PayloadFilter::Clause> read_clause(od::value& value, const JsonPath& at, size_t depth);

std::vector<PayloadFilter::Clause>& group_of(PayloadFilter& filter, size_t group) {
  return group == 0 ? filter.must : group == 1 ? filter.should : filter.must_not;
}

// One of must/should/must_not of a filter at `depth` (0 = the top-level filter).
Status read_group(od::value& value, const JsonPath& at, size_t depth,
                  std::vector<PayloadFilter::Clause>& out) {
  od::array array;
  if (auto error = value.get_array().get(array); error) {
    return wrong_value(value, error, at, "an array of clauses");
  }
  return for_each_element(array, at, [&](size_t i, od::value& element) {
    VECDEX_ASSIGN_OR_RETURN(PayloadFilter::Clause clause, read_clause(element, at.index(i), depth));
    out.push_back(std::move(clause));
    return ok_status();
  });
}

Result<std::string_view> read_field_name(od::value& value, const JsonPath& at) {
  VECDEX_ASSIGN_OR_RETURN(std::string_view name, read_string(value, at));
  if (name.empty()) return invalid_argument(at.where() + ": the field name is empty");
  return name;
}

// {"value": v} or {"any": [v, ...]} into `out` (kind and values).
Status read_match(od::value& value, const JsonPath& at, FieldCondition& out) {
  od::object object;
  VECDEX_RETURN_IF_ERROR(read_object(value, at, object));
  size_t given = 0;
  VECDEX_RETURN_IF_ERROR(for_each_field(object, at, kMatchShape, [&](size_t key, od::value& v) {
    ++given;
    const JsonPath key_at = at.key(kMatchKeys[key]);
    if (key == 0) {
      out.kind = FieldCondition::Kind::kMatch;
      VECDEX_ASSIGN_OR_RETURN(out.value, read_scalar(v, key_at));
      return ok_status();
    }
    out.kind = FieldCondition::Kind::kMatchAny;
    od::array array;
    if (auto error = v.get_array().get(array); error) {
      return wrong_value(v, error, key_at, "an array of values");
    }
    VECDEX_RETURN_IF_ERROR(for_each_element(array, key_at, [&](size_t i, od::value& element) {
      VECDEX_ASSIGN_OR_RETURN(PayloadValue wanted, read_scalar(element, key_at.index(i)));
      out.any.push_back(std::move(wanted));
      return ok_status();
    }));
    if (out.any.empty()) return invalid_argument(key_at.str() + ": needs at least one value");
    return ok_status();
  }));
  if (given != 1) {
    return invalid_argument(at.where() + R"(: expected {"value": v} or {"any": [v, ...]})");
  }
  return ok_status();
}

// {"gt"|"gte"|"lt"|"lte": number, ...}, at least one bound.
Status read_range(od::value& value, const JsonPath& at, FieldCondition& out) {
  od::object object;
  VECDEX_RETURN_IF_ERROR(read_object(value, at, object));
  out.kind = FieldCondition::Kind::kRange;
  std::optional<double>* bounds[] = {&out.gt, &out.gte, &out.lt, &out.lte};
  VECDEX_RETURN_IF_ERROR(for_each_field(object, at, kRangeShape, [&](size_t key, od::value& v) {
    VECDEX_ASSIGN_OR_RETURN(*bounds[key], read_double(v, at.key(kRangeKeys[key])));
    return ok_status();
  }));
  if (!out.gt && !out.gte && !out.lt && !out.lte) {
    return invalid_argument(at.where() + ": needs at least one of gt, gte, lt, lte");
  }
  return ok_status();
}

// Reads the clause's keys as they come (On-Demand reads forward), then checks that they make
// exactly one kind of clause.
Result<PayloadFilter::Clause> read_clause(od::value& value, const JsonPath& at, size_t depth) {
  od::object object;
  VECDEX_RETURN_IF_ERROR(read_object(value, at, object));
  FieldCondition condition;
  PayloadFilter nested;
  bool present[std::size(kClauseKeys)] = {};
  VECDEX_RETURN_IF_ERROR(for_each_field(object, at, kClauseShape, [&](size_t key, od::value& v) {
    present[key] = true;
    const JsonPath key_at = at.key(kClauseKeys[key]);
    switch (key) {
      case kKey: {
        VECDEX_ASSIGN_OR_RETURN(std::string_view name, read_field_name(v, key_at));
        condition.field = std::string(name);
        return ok_status();
      }
      case kMatch:
        return read_match(v, key_at, condition);
      case kRange:
        return read_range(v, key_at, condition);
      case kIsEmpty: {
        condition.kind = FieldCondition::Kind::kIsEmpty;
        od::object inner;
        VECDEX_RETURN_IF_ERROR(read_object(v, key_at, inner));
        VECDEX_RETURN_IF_ERROR(
            for_each_field(inner, key_at, kIsEmptyShape, [&](size_t, od::value& k) {
              VECDEX_ASSIGN_OR_RETURN(std::string_view name, read_field_name(k, key_at.key("key")));
              condition.field = std::string(name);
              return ok_status();
            }));
        if (condition.field.empty()) return missing_field(key_at, "key");
        return ok_status();
      }
      default:  // a group of a nested filter
        if (depth + 1 > PayloadFilter::kMaxDepth) {
          return invalid_argument(fmt::format("{}: filters nest deeper than {} levels", at.where(),
                                              PayloadFilter::kMaxDepth));
        }
        return read_group(v, key_at, depth + 1, group_of(nested, key - kMust));
    }
  }));

  const bool is_nested = present[kMust] || present[kShould] || present[kMustNot];
  const int kinds = present[kMatch] + present[kRange] + present[kIsEmpty];
  if (!is_nested && kinds == 0 && !present[kKey]) {
    return invalid_argument(at.where() + ": empty clause (expected " +
                            std::string(kClauseExpected) + ")");
  }
  PayloadFilter::Clause clause;
  if (is_nested) {
    if (kinds > 0 || present[kKey]) {
      return invalid_argument(at.where() +
                              ": a clause is a condition or a nested filter "
                              "(must/should/must_not), not both");
    }
    clause.nested = std::make_shared<const PayloadFilter>(std::move(nested));
    return clause;
  }
  if (kinds > 1) {
    return invalid_argument(at.where() + ": give one of match, range or is_empty, not several");
  }
  if (present[kIsEmpty] && present[kKey]) {
    return invalid_argument(at.where() +
                            R"(: is_empty names its field inside: {"is_empty": {"key": ...}})");
  }
  if (!present[kKey] && !present[kIsEmpty]) return missing_field(at, "key");
  if (kinds == 0) {
    return invalid_argument(
        fmt::format("{}: key '{}' needs match or range", at.where(), condition.field));
  }
  clause.condition = std::move(condition);
  return clause;
}

}  // namespace

Result<PayloadFilter> read_filter(od::value& value, const JsonPath& at) {
  od::object object;
  VECDEX_RETURN_IF_ERROR(read_object(value, at, object));
  return read_filter_object(object, at);
}

Result<PayloadFilter> read_filter_object(od::object& object, const JsonPath& at) {
  PayloadFilter filter;
  VECDEX_RETURN_IF_ERROR(for_each_field(object, at, kFilterShape, [&](size_t key, od::value& v) {
    return read_group(v, at.key(kFilterKeys[key]), 0, group_of(filter, key));
  }));
  // The reader checked what it can name precisely; validate() is the engine's own contract.
  VECDEX_RETURN_IF_ERROR(filter.validate());
  return filter;
}

}  // namespace json

Result<PayloadFilter> parse_filter(std::string_view text) {
  const json::JsonPath top("filter");
  PayloadFilter filter;
  VECDEX_RETURN_IF_ERROR(json::read_body(text, top, [&](json::od::object& root) {
    VECDEX_ASSIGN_OR_RETURN(filter, json::read_filter_object(root, top));
    return ok_status();
  }));
  return filter;
}

}  // namespace vecdex::server
