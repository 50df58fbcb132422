// Point ids, field types, schema checks, and the reference semantics of payload filters.
#include "vecdex/payload.h"

#include <fmt/format.h>

#include <cmath>
#include <set>
#include <utility>

#include "engine/payload_compare.h"

namespace vecdex {

// ---- PointId --------------------------------------------------------------------------------

Result<PointId> PointId::from_string(std::string_view text) {
  if (text.empty()) return invalid_argument("point id: a string id must not be empty");
  if (text.size() > kMaxStringBytes) {
    return invalid_argument(fmt::format("point id: a string id has at most {} bytes, got {}",
                                        kMaxStringBytes, text.size()));
  }
  PointId id;
  id.value_ = std::string(text);
  return id;
}

std::string PointId::describe() const {
  if (is_number()) return std::to_string(number());
  std::string out = "\"";
  for (unsigned char c : text()) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7f) {
      out += fmt::format("\\u{:04x}", c);
    } else {
      out += static_cast<char>(c);
    }
  }
  out += '"';
  return out;
}

// ---- field types ----------------------------------------------------------------------------

std::string_view field_type_name(FieldType type) {
  switch (type) {
    case FieldType::kInt: return "int";
    case FieldType::kFloat: return "float";
    case FieldType::kBool: return "bool";
    case FieldType::kString: return "string";
    case FieldType::kKeywords: return "keywords";
  }
  return "unknown";
}

Result<FieldType> parse_field_type(std::string_view text) {
  for (FieldType t : {FieldType::kInt, FieldType::kFloat, FieldType::kBool, FieldType::kString,
                      FieldType::kKeywords}) {
    if (text == field_type_name(t)) return t;
  }
  return invalid_argument(fmt::format(
      "unknown field type '{}'; expected int, float, bool, string or keywords", text));
}

FieldType value_type(const PayloadValue& value) {
  return static_cast<FieldType>(value.index());  // variant order == FieldType order
}
static_assert(std::variant_size_v<PayloadValue> == 5);

// ---- schema ---------------------------------------------------------------------------------

namespace {

Status check_field_name(std::string_view name, std::string_view what) {
  if (name.empty()) return invalid_argument(fmt::format("{}: field name is empty", what));
  if (name.size() > PayloadSchema::kMaxFieldNameBytes) {
    return invalid_argument(fmt::format("{}: field name '{}...' has {} bytes, at most {}", what,
                                        name.substr(0, 16), name.size(),
                                        PayloadSchema::kMaxFieldNameBytes));
  }
  for (unsigned char c : name) {
    if (c < 0x20 || c == 0x7f) {
      return invalid_argument(
          fmt::format("{}: field name '{}' contains a control character", what, name));
    }
  }
  return ok_status();
}

bool type_accepts(FieldType expected, FieldType got) {
  return expected == got || (expected == FieldType::kFloat && got == FieldType::kInt);
}

}  // namespace

const FieldSpec* PayloadSchema::field(std::string_view name) const {
  for (const FieldSpec& f : fields) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

Status PayloadSchema::validate() const {
  std::set<std::string_view> seen;
  for (size_t i = 0; i < fields.size(); ++i) {
    const FieldSpec& f = fields[i];
    VECDEX_RETURN_IF_ERROR(check_field_name(f.name, fmt::format("schema field {}", i)));
    if (static_cast<uint8_t>(f.type) > static_cast<uint8_t>(FieldType::kKeywords)) {
      return invalid_argument(fmt::format("schema field '{}': unknown type code {}", f.name,
                                          static_cast<int>(f.type)));
    }
    if (!seen.insert(f.name).second) {
      return invalid_argument(fmt::format("schema: field '{}' is declared twice", f.name));
    }
  }
  if (on_missing_required != MissingRequired::kReject &&
      on_missing_required != MissingRequired::kCount) {
    return invalid_argument("schema: unknown on_missing_required policy");
  }
  return ok_status();
}

Status PayloadSchema::check(const Payload& payload) const {
  for (const auto& [name, value] : payload) {
    VECDEX_RETURN_IF_ERROR(check_field_name(name, "payload"));
    const FieldSpec* spec = field(name);
    if (spec == nullptr) {
      if (strict) {
        return invalid_argument(
            fmt::format("field '{}' is not in the schema (the schema is strict)", name));
      }
      continue;
    }
    FieldType got = value_type(value);
    if (!type_accepts(spec->type, got)) {
      return invalid_argument(fmt::format("field '{}': expected {}, got {}", name,
                                          field_type_name(spec->type), field_type_name(got)));
    }
    if (const double* d = std::get_if<double>(&value); d != nullptr && !std::isfinite(*d)) {
      return invalid_argument(fmt::format("field '{}': float must be finite, got {}", name, *d));
    }
  }
  if (on_missing_required == MissingRequired::kReject) {
    for (const FieldSpec& f : fields) {
      if (f.required && payload.find(f.name) == payload.end()) {
        return invalid_argument(fmt::format("field '{}' is required ({}) but missing", f.name,
                                            field_type_name(f.type)));
      }
    }
  }
  return ok_status();
}

// ---- filters: validation --------------------------------------------------------------------

namespace {

Status validate_match_value(const PayloadValue& v, const std::string& where) {
  if (std::holds_alternative<Keywords>(v)) {
    return invalid_argument(fmt::format(
        "{}: a match value cannot be a keyword list (use match any with its elements)", where));
  }
  if (const double* d = std::get_if<double>(&v); d != nullptr && !std::isfinite(*d)) {
    return invalid_argument(fmt::format("{}: match value must be finite, got {}", where, *d));
  }
  return ok_status();
}

Status validate_condition(const FieldCondition& c, const std::string& where) {
  if (c.field.empty()) return invalid_argument(fmt::format("{}: empty field name", where));
  switch (c.kind) {
    case FieldCondition::Kind::kMatch:
      return validate_match_value(c.value, fmt::format("{} (field '{}')", where, c.field));
    case FieldCondition::Kind::kMatchAny:
      if (c.any.empty()) {
        return invalid_argument(
            fmt::format("{} (field '{}'): match any needs at least one value", where, c.field));
      }
      for (size_t i = 0; i < c.any.size(); ++i) {
        VECDEX_RETURN_IF_ERROR(validate_match_value(
            c.any[i], fmt::format("{} (field '{}') value {}", where, c.field, i)));
      }
      return ok_status();
    case FieldCondition::Kind::kRange: {
      if (!c.gt && !c.gte && !c.lt && !c.lte) {
        return invalid_argument(fmt::format(
            "{} (field '{}'): range needs at least one of gt, gte, lt, lte", where, c.field));
      }
      const std::pair<const char*, const std::optional<double>*> bounds[] = {
          {"gt", &c.gt}, {"gte", &c.gte}, {"lt", &c.lt}, {"lte", &c.lte}};
      for (const auto& [name, bound] : bounds) {
        if (bound->has_value() && !std::isfinite(**bound)) {
          return invalid_argument(fmt::format("{} (field '{}'): range bound {} must be finite, "
                                              "got {}", where, c.field, name, **bound));
        }
      }
      return ok_status();
    }
    case FieldCondition::Kind::kIsEmpty:
      return ok_status();
  }
  return invalid_argument(fmt::format("{} (field '{}'): unknown condition kind {}", where,
                                      c.field, static_cast<int>(c.kind)));
}

Status validate_filter(const PayloadFilter& f, const std::string& path, size_t depth) {
  if (depth > PayloadFilter::kMaxDepth) {
    return invalid_argument(fmt::format("{}: filters nest deeper than {} levels", path,
                                        PayloadFilter::kMaxDepth));
  }
  const std::pair<const char*, const std::vector<PayloadFilter::Clause>*> groups[] = {
      {"must", &f.must}, {"should", &f.should}, {"must_not", &f.must_not}};
  for (const auto& [group, clauses] : groups) {
    for (size_t i = 0; i < clauses->size(); ++i) {
      const PayloadFilter::Clause& clause = (*clauses)[i];
      std::string where = fmt::format("{} {}[{}]", path, group, i);
      if (clause.condition.has_value() == (clause.nested != nullptr)) {
        return invalid_argument(fmt::format(
            "{}: a clause needs exactly one of a condition or a nested filter", where));
      }
      if (clause.condition) {
        VECDEX_RETURN_IF_ERROR(validate_condition(*clause.condition, where));
      } else {
        VECDEX_RETURN_IF_ERROR(validate_filter(*clause.nested, where + ".nested", depth + 1));
      }
    }
  }
  return ok_status();
}

// ---- filters: reference evaluation ----------------------------------------------------------

bool value_matches(const PayloadValue& stored, const PayloadValue& wanted) {
  using engine::compare_int_double;
  if (const auto* kw = std::get_if<Keywords>(&stored)) {
    const auto* s = std::get_if<std::string>(&wanted);
    if (s == nullptr) return false;
    for (const std::string& k : *kw) {
      if (k == *s) return true;
    }
    return false;
  }
  if (const auto* si = std::get_if<int64_t>(&stored)) {
    if (const auto* wi = std::get_if<int64_t>(&wanted)) return *si == *wi;
    if (const auto* wd = std::get_if<double>(&wanted)) {
      return !std::isnan(*wd) && compare_int_double(*si, *wd) == 0;
    }
    return false;
  }
  if (const auto* sd = std::get_if<double>(&stored)) {
    if (const auto* wd = std::get_if<double>(&wanted)) return *sd == *wd;
    if (const auto* wi = std::get_if<int64_t>(&wanted)) {
      return !std::isnan(*sd) && compare_int_double(*wi, *sd) == 0;
    }
    return false;
  }
  if (stored.index() != wanted.index()) return false;
  return stored == wanted;  // bool == bool, string == string
}

// Three-way comparison of a stored number with a bound; nullopt when not a number.
std::optional<int> compare_number(const PayloadValue& stored, double bound) {
  if (std::isnan(bound)) return std::nullopt;
  if (const auto* i = std::get_if<int64_t>(&stored)) return engine::compare_int_double(*i, bound);
  if (const auto* d = std::get_if<double>(&stored)) {
    if (std::isnan(*d)) return std::nullopt;
    return *d < bound ? -1 : (*d > bound ? 1 : 0);
  }
  return std::nullopt;
}

bool range_matches(const PayloadValue& stored, const FieldCondition& c) {
  const std::pair<const std::optional<double>*, bool (*)(int)> tests[] = {
      {&c.gt, [](int r) { return r > 0; }},
      {&c.gte, [](int r) { return r >= 0; }},
      {&c.lt, [](int r) { return r < 0; }},
      {&c.lte, [](int r) { return r <= 0; }}};
  for (const auto& [bound, holds] : tests) {
    if (!bound->has_value()) continue;
    std::optional<int> r = compare_number(stored, **bound);
    if (!r || !holds(*r)) return false;
  }
  return true;
}

bool condition_matches(const FieldCondition& c, const Payload& payload) {
  auto it = payload.find(c.field);
  if (c.kind == FieldCondition::Kind::kIsEmpty) {
    if (it == payload.end()) return true;
    const auto* kw = std::get_if<Keywords>(&it->second);
    return kw != nullptr && kw->empty();
  }
  if (it == payload.end()) return false;
  switch (c.kind) {
    case FieldCondition::Kind::kMatch:
      return value_matches(it->second, c.value);
    case FieldCondition::Kind::kMatchAny:
      for (const PayloadValue& v : c.any) {
        if (value_matches(it->second, v)) return true;
      }
      return false;
    case FieldCondition::Kind::kRange:
      return range_matches(it->second, c);
    case FieldCondition::Kind::kIsEmpty:
      break;
  }
  return false;
}

bool clause_matches(const PayloadFilter::Clause& clause, const Payload& payload) {
  if (clause.condition) return condition_matches(*clause.condition, payload);
  return clause.nested != nullptr && clause.nested->matches(payload);
}

}  // namespace

Status PayloadFilter::validate() const { return validate_filter(*this, "filter", 0); }

bool PayloadFilter::matches(const Payload& payload) const {
  for (const Clause& c : must) {
    if (!clause_matches(c, payload)) return false;
  }
  if (!should.empty()) {
    bool any = false;
    for (const Clause& c : should) {
      if (clause_matches(c, payload)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  for (const Clause& c : must_not) {
    if (clause_matches(c, payload)) return false;
  }
  return true;
}

}  // namespace vecdex
