// PayloadIndex: per-field bitmaps and ordered numeric columns; filter evaluation over them.
#include "engine/payload_index.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <unordered_map>
#include <utility>

#include "engine/payload_numeric_column.h"

namespace vecdex::engine {

namespace {

// The index of one schema field. Only the members for its type are used.
struct FieldIndex {
  FieldType type = FieldType::kString;
  PidBitmap has_value;
  PidBitmap bool_true, bool_false;                         // kBool
  std::unordered_map<std::string, PidBitmap> postings;     // kString, kKeywords
  NumericColumn<int64_t> ints;                                // kInt
  NumericColumn<double> floats;                               // kFloat
};

// A set of dense bits costs universe/8 bytes; allow it while that stays within a few bytes per
// live point (pids are never reused, so the universe outgrows the live set after many upserts).
constexpr uint64_t kMaxUniverseBitsPerLivePoint = 256;

Status wrong_type(const std::string& field, FieldType expected, FieldType got) {
  return invalid_argument(fmt::format("filter: field '{}': expected {}, got {}", field,
                                      field_type_name(expected), field_type_name(got)));
}

// An integral double as int64: `side` is +1 above the int64 range, -1 below it, else 0.
int64_t integral_to_int(double v, int& side) {
  constexpr double kTwo63 = 9223372036854775808.0;
  side = v >= kTwo63 ? 1 : (v < -kTwo63 ? -1 : 0);
  return side == 0 ? static_cast<int64_t>(v) : 0;
}

// Closed int64 interval equivalent to the double bounds of a range condition (exact: no int is
// rounded to a double).
KeyRange<int64_t> int_range(const FieldCondition& c) {
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  KeyRange<int64_t> r;
  int side = 0;
  if (c.gte) {  // v >= ceil(b)
    int64_t v = integral_to_int(std::ceil(*c.gte), side);
    if (side > 0) r.empty = true;
    if (side == 0) r.lo = std::max(r.lo, v);
  }
  if (c.gt) {  // v >= floor(b) + 1
    int64_t v = integral_to_int(std::floor(*c.gt), side);
    if (side > 0 || (side == 0 && v == kMax)) r.empty = true;
    if (side == 0 && v != kMax) r.lo = std::max(r.lo, v + 1);
  }
  if (c.lte) {  // v <= floor(b)
    int64_t v = integral_to_int(std::floor(*c.lte), side);
    if (side < 0) r.empty = true;
    if (side == 0) r.hi = std::min(r.hi, v);
  }
  if (c.lt) {  // v <= ceil(b) - 1
    int64_t v = integral_to_int(std::ceil(*c.lt), side);
    if (side < 0 || (side == 0 && v == kMin)) r.empty = true;
    if (side == 0 && v != kMin) r.hi = std::min(r.hi, v - 1);
  }
  if (r.lo > r.hi) r.empty = true;
  return r;
}

KeyRange<double> float_range(const FieldCondition& c) {
  KeyRange<double> r;
  if (c.gte && *c.gte > r.lo) {
    r.lo = *c.gte;
    r.lo_open = false;
  }
  if (c.gt && (*c.gt > r.lo || (*c.gt == r.lo && !r.lo_open))) {
    r.lo = *c.gt;
    r.lo_open = true;
  }
  if (c.lte && *c.lte < r.hi) {
    r.hi = *c.lte;
    r.hi_open = false;
  }
  if (c.lt && (*c.lt < r.hi || (*c.lt == r.hi && !r.hi_open))) {
    r.hi = *c.lt;
    r.hi_open = true;
  }
  if (r.lo > r.hi || (r.lo == r.hi && (r.lo_open || r.hi_open))) r.empty = true;
  return r;
}

template <typename K>
KeyRange<K> point_range(K key) {
  KeyRange<K> r;
  r.lo = r.hi = key;
  return r;
}

}  // namespace

struct PayloadIndex::Impl {
  PayloadSchema schema;
  std::map<std::string, FieldIndex, std::less<>> fields;  // indexed schema fields
  std::map<std::string, size_t, std::less<>> coverage;    // required field -> live points with it
  std::map<std::string, PidBitmap, std::less<>> versions;
  PidBitmap live;
  Pid max_pid = 0;

  size_t universe_words() const {
    uint64_t universe = live.empty() ? 0 : max_pid + 1;
    if (universe > kMaxUniverseBitsPerLivePoint * live.count() + 65536) return 0;
    return static_cast<size_t>((universe + 63) / 64);
  }

  void update(Pid pid, const Payload& payload, bool adding);
  Result<PidSet> eval_filter(const PayloadFilter& f, size_t uw) const;
  Result<PidSet> eval_clause(const PayloadFilter::Clause& c, size_t uw) const;
  Result<PidSet> eval_condition(const FieldCondition& c, size_t uw) const;
  Result<PidSet> eval_match(const std::string& name, const FieldIndex& fi,
                            const PayloadValue& v, size_t uw) const;
};

void PayloadIndex::Impl::update(Pid pid, const Payload& payload, bool adding) {
  auto edit = [pid, adding](PidBitmap& bits) {
    if (adding) {
      bits.add(pid);
    } else {
      bits.remove(pid);
    }
  };
  for (const auto& [name, value] : payload) {
    if (auto cov = coverage.find(name); cov != coverage.end()) {
      cov->second = adding ? cov->second + 1 : cov->second - std::min<size_t>(cov->second, 1);
    }
    auto it = fields.find(name);
    if (it == fields.end()) continue;
    FieldIndex& fi = it->second;
    bool has_value = true;
    switch (fi.type) {
      case FieldType::kInt:
        if (const auto* i = std::get_if<int64_t>(&value)) {
          adding ? fi.ints.add(pid, *i) : fi.ints.remove(pid, *i);
        } else {
          has_value = false;
        }
        break;
      case FieldType::kFloat: {
        std::optional<double> d;
        if (const auto* i = std::get_if<int64_t>(&value)) d = static_cast<double>(*i);
        if (const auto* f = std::get_if<double>(&value); f != nullptr && !std::isnan(*f)) d = *f;
        if (d) {
          adding ? fi.floats.add(pid, *d) : fi.floats.remove(pid, *d);
        } else {
          has_value = false;
        }
        break;
      }
      case FieldType::kBool:
        if (const auto* b = std::get_if<bool>(&value)) {
          edit(*b ? fi.bool_true : fi.bool_false);
        } else {
          has_value = false;
        }
        break;
      case FieldType::kString:
      case FieldType::kKeywords: {
        auto post = [&](const std::string& key) {
          if (adding) {
            fi.postings[key].add(pid);
          } else if (auto p = fi.postings.find(key); p != fi.postings.end()) {
            p->second.remove(pid);
            if (p->second.empty()) fi.postings.erase(p);
          }
        };
        const auto* s = std::get_if<std::string>(&value);
        const auto* kw = std::get_if<Keywords>(&value);
        if (fi.type == FieldType::kString && s != nullptr) {
          post(*s);
        } else if (fi.type == FieldType::kKeywords && kw != nullptr) {
          for (const std::string& k : *kw) post(k);
          has_value = !kw->empty();
        } else {
          has_value = false;
        }
        break;
      }
    }
    if (has_value) edit(fi.has_value);
  }
}

Result<PidSet> PayloadIndex::Impl::eval_match(const std::string& name, const FieldIndex& fi,
                                              const PayloadValue& v, size_t uw) const {
  FieldType got = value_type(v);
  switch (fi.type) {
    case FieldType::kInt:
      if (got != FieldType::kInt) return wrong_type(name, fi.type, got);
      return fi.ints.collect(point_range(std::get<int64_t>(v)), uw, &fi.has_value);
    case FieldType::kFloat:
      if (got == FieldType::kInt) {
        return fi.floats.collect(point_range(static_cast<double>(std::get<int64_t>(v))), uw,
                                &fi.has_value);
      }
      if (got != FieldType::kFloat) return wrong_type(name, fi.type, got);
      return fi.floats.collect(point_range(std::get<double>(v)), uw, &fi.has_value);
    case FieldType::kBool:
      if (got != FieldType::kBool) return wrong_type(name, fi.type, got);
      return PidSet::sparse(std::get<bool>(v) ? fi.bool_true : fi.bool_false, uw);
    case FieldType::kString:
    case FieldType::kKeywords: {
      if (got != FieldType::kString) return wrong_type(name, FieldType::kString, got);
      auto it = fi.postings.find(std::get<std::string>(v));
      return PidSet::sparse(it == fi.postings.end() ? PidBitmap() : it->second, uw);
    }
  }
  return internal_error("payload index: unknown field type");
}

Result<PidSet> PayloadIndex::Impl::eval_condition(const FieldCondition& c, size_t uw) const {
  auto it = fields.find(c.field);
  if (it == fields.end()) {
    if (schema.field(c.field) != nullptr) {
      return invalid_argument(fmt::format(
          "filter: field '{}' is not indexed (mark it indexed in the schema to filter on it)",
          c.field));
    }
    return invalid_argument(fmt::format(
        "filter: field '{}' is not in the schema; only indexed schema fields can be filtered",
        c.field));
  }
  const FieldIndex& fi = it->second;
  switch (c.kind) {
    case FieldCondition::Kind::kIsEmpty: {
      PidSet out = PidSet::sparse(live, uw);
      out.subtract(PidSet::sparse(fi.has_value, uw));
      return out;
    }
    case FieldCondition::Kind::kMatch:
      return eval_match(c.field, fi, c.value, uw);
    case FieldCondition::Kind::kMatchAny: {
      VECDEX_ASSIGN_OR_RETURN(PidSet out, eval_match(c.field, fi, c.any[0], uw));
      for (size_t i = 1; i < c.any.size(); ++i) {
        VECDEX_ASSIGN_OR_RETURN(PidSet more, eval_match(c.field, fi, c.any[i], uw));
        out.unite(std::move(more));
      }
      return out;
    }
    case FieldCondition::Kind::kRange:
      if (fi.type == FieldType::kInt) return fi.ints.collect(int_range(c), uw, &fi.has_value);
      if (fi.type == FieldType::kFloat) {
        return fi.floats.collect(float_range(c), uw, &fi.has_value);
      }
      return invalid_argument(fmt::format(
          "filter: field '{}': a range needs an int or float field, '{}' is {}", c.field,
          c.field, field_type_name(fi.type)));
  }
  return invalid_argument(fmt::format("filter: field '{}': unknown condition kind", c.field));
}

Result<PidSet> PayloadIndex::Impl::eval_clause(const PayloadFilter::Clause& c, size_t uw) const {
  if (c.condition) return eval_condition(*c.condition, uw);
  return eval_filter(*c.nested, uw);
}

Result<PidSet> PayloadIndex::Impl::eval_filter(const PayloadFilter& f, size_t uw) const {
  std::optional<PidSet> acc;
  for (const auto& clause : f.must) {
    VECDEX_ASSIGN_OR_RETURN(PidSet s, eval_clause(clause, uw));
    if (acc) {
      acc->intersect(std::move(s));
    } else {
      acc = std::move(s);
    }
  }
  if (!f.should.empty()) {
    std::optional<PidSet> any;
    for (const auto& clause : f.should) {
      VECDEX_ASSIGN_OR_RETURN(PidSet s, eval_clause(clause, uw));
      if (any) {
        any->unite(std::move(s));
      } else {
        any = std::move(s);
      }
    }
    if (acc) {
      acc->intersect(std::move(*any));
    } else {
      acc = std::move(any);
    }
  }
  if (!acc) acc = PidSet::sparse(live, uw);  // no must / should: every live point
  for (const auto& clause : f.must_not) {
    VECDEX_ASSIGN_OR_RETURN(PidSet s, eval_clause(clause, uw));
    acc->subtract(std::move(s));
  }
  return std::move(*acc);
}

PayloadIndex::PayloadIndex(PayloadSchema schema) : impl_(std::make_unique<Impl>()) {
  impl_->schema = std::move(schema);
  for (const FieldSpec& f : impl_->schema.fields) {
    if (f.indexed) impl_->fields[f.name].type = f.type;
    if (f.required) impl_->coverage[f.name] = 0;
  }
}
PayloadIndex::~PayloadIndex() = default;
PayloadIndex::PayloadIndex(PayloadIndex&&) noexcept = default;
PayloadIndex& PayloadIndex::operator=(PayloadIndex&&) noexcept = default;

const PayloadSchema& PayloadIndex::schema() const { return impl_->schema; }

void PayloadIndex::add(Pid pid, const Payload& payload) {
  impl_->live.add(pid);
  impl_->max_pid = std::max(impl_->max_pid, pid);
  impl_->update(pid, payload, /*adding=*/true);
}

void PayloadIndex::remove(Pid pid, const Payload& payload) {
  if (!impl_->live.remove(pid)) return;
  impl_->update(pid, payload, /*adding=*/false);
}

Result<Filter> PayloadIndex::evaluate(const PayloadFilter& filter, const Filter* live,
                                      std::optional<std::string_view> model_version) const {
  VECDEX_RETURN_IF_ERROR(filter.validate());
  size_t uw = impl_->universe_words();
  VECDEX_ASSIGN_OR_RETURN(PidSet out, impl_->eval_filter(filter, uw));
  if (model_version) {
    auto it = impl_->versions.find(*model_version);
    out.intersect(PidSet::sparse(it == impl_->versions.end() ? PidBitmap() : it->second, uw));
  }
  if (live != nullptr) out.intersect(*live);
  return std::move(out).to_filter();
}

Result<Filter> PayloadIndex::evaluate_within(const PayloadFilter& filter,
                                             std::span<const uint64_t> live_words) const {
  VECDEX_RETURN_IF_ERROR(filter.validate());
  VECDEX_ASSIGN_OR_RETURN(PidSet out, impl_->eval_filter(filter, impl_->universe_words()));
  out.intersect_words(live_words);
  return std::move(out).to_filter();
}

size_t PayloadIndex::size() const { return static_cast<size_t>(impl_->live.count()); }

std::map<std::string, size_t> PayloadIndex::coverage() const {
  return {impl_->coverage.begin(), impl_->coverage.end()};
}

void PayloadIndex::add_version(Pid pid, std::string_view model_version) {
  auto it = impl_->versions.find(model_version);
  if (it == impl_->versions.end()) {
    it = impl_->versions.emplace(std::string(model_version), PidBitmap()).first;
  }
  it->second.add(pid);
}

void PayloadIndex::remove_version(Pid pid, std::string_view model_version) {
  auto it = impl_->versions.find(model_version);
  if (it == impl_->versions.end()) return;
  it->second.remove(pid);
  if (it->second.empty()) impl_->versions.erase(it);
}

Filter PayloadIndex::version_pids(std::string_view model_version) const {
  auto it = impl_->versions.find(model_version);
  if (it == impl_->versions.end()) return Filter::from_ids(std::span<const Id>());
  return Filter::from_ids(it->second.to_vector());
}

std::map<std::string, size_t> PayloadIndex::version_counts() const {
  std::map<std::string, size_t> out;
  for (const auto& [version, pids] : impl_->versions) {
    out[version] = static_cast<size_t>(pids.count());
  }
  return out;
}

}  // namespace vecdex::engine
