// Bodies and path segments about collections: the config of PUT /collections/{name}, the target
// of PUT /aliases/{alias}, and point ids in URL paths.
#include <charconv>
#include <utility>

#include <fmt/format.h>

#include "vecdex/types.h"

#include "server/json_codec.h"
#include "server/json_reader.h"

namespace vecdex::server {
namespace {

using json::JsonPath;
using json::ObjectShape;
using json::od::object;
using json::od::value;

// Same bound as the engine's check of a collection config.
constexpr uint64_t kMaxDim = 65536;

enum ConfigKey : size_t { kDim, kMetric, kIndex, kSchema };
constexpr std::string_view kConfigKeys[] = {"dim", "metric", "index", "schema"};

enum SchemaKey : size_t { kFields, kOnMissingRequired, kStrict };
constexpr std::string_view kSchemaKeys[] = {"fields", "on_missing_required", "strict"};

enum FieldKey : size_t { kType, kRequired, kIndexed };
constexpr std::string_view kFieldKeys[] = {"type", "required", "indexed"};

// {"type":"int", "required":false, "indexed":true}; type is required.
Result<FieldSpec> read_field_spec(value& v, const JsonPath& at, std::string_view name) {
  object spec_object;
  VECDEX_RETURN_IF_ERROR(json::read_object(v, at, spec_object));
  FieldSpec spec;
  spec.name = std::string(name);
  bool has_type = false;
  VECDEX_RETURN_IF_ERROR(json::for_each_field(
      spec_object, at, ObjectShape{kFieldKeys}, [&](size_t key, value& field) -> Status {
        const JsonPath key_at = at.key(kFieldKeys[key]);
        switch (key) {
          case kType: {
            VECDEX_ASSIGN_OR_RETURN(std::string_view text, json::read_string(field, key_at));
            auto type = parse_field_type(text);
            if (!type.ok()) return type.status().with_context(key_at.str());
            spec.type = *type;
            has_type = true;
            return ok_status();
          }
          case kRequired: {
            VECDEX_ASSIGN_OR_RETURN(spec.required, json::read_bool(field, key_at));
            return ok_status();
          }
          default: {
            VECDEX_ASSIGN_OR_RETURN(spec.indexed, json::read_bool(field, key_at));
            return ok_status();
          }
        }
      }));
  if (!has_type) return json::missing_field(at, "type");
  return spec;
}

Result<PayloadSchema> read_schema(value& v, const JsonPath& at) {
  object schema_object;
  VECDEX_RETURN_IF_ERROR(json::read_object(v, at, schema_object));
  PayloadSchema schema;
  VECDEX_RETURN_IF_ERROR(json::for_each_field(
      schema_object, at, ObjectShape{kSchemaKeys}, [&](size_t key, value& field) -> Status {
        const JsonPath key_at = at.key(kSchemaKeys[key]);
        switch (key) {
          case kFields: {
            object fields;
            VECDEX_RETURN_IF_ERROR(json::read_object(field, key_at, fields));
            return json::for_each_named_field(
                fields, key_at, [&](std::string_view name, value& spec_value) -> Status {
                  VECDEX_ASSIGN_OR_RETURN(FieldSpec spec,
                                          read_field_spec(spec_value, key_at.key(name), name));
                  schema.fields.push_back(std::move(spec));
                  return ok_status();
                });
          }
          case kOnMissingRequired: {
            VECDEX_ASSIGN_OR_RETURN(std::string_view policy, json::read_string(field, key_at));
            if (policy == "reject") {
              schema.on_missing_required = PayloadSchema::MissingRequired::kReject;
            } else if (policy == "count") {
              schema.on_missing_required = PayloadSchema::MissingRequired::kCount;
            } else {
              return invalid_argument(fmt::format(
                  "{}: unknown policy '{}'; expected reject or count", key_at.str(), policy));
            }
            return ok_status();
          }
          default: {
            VECDEX_ASSIGN_OR_RETURN(schema.strict, json::read_bool(field, key_at));
            return ok_status();
          }
        }
      }));
  // Names (empty, too long, control characters, declared twice) are the schema's own checks;
  // its messages already start with "schema".
  VECDEX_RETURN_IF_ERROR(schema.validate());
  return schema;
}

}  // namespace

Result<CollectionConfig> parse_collection_config(std::string_view name, std::string_view body) {
  CollectionConfig config;
  config.name = std::string(name);
  bool has_dim = false;
  bool has_metric = false;
  const JsonPath top;
  VECDEX_RETURN_IF_ERROR(json::read_body(body, top, [&](object& root) -> Status {
    VECDEX_RETURN_IF_ERROR(json::for_each_field(
        root, top, ObjectShape{kConfigKeys}, [&](size_t key, value& field) -> Status {
          const JsonPath key_at = top.key(kConfigKeys[key]);
          switch (key) {
            case kDim: {
              VECDEX_ASSIGN_OR_RETURN(config.dim, json::read_integer(field, key_at, 1, kMaxDim));
              has_dim = true;
              return ok_status();
            }
            case kMetric: {
              VECDEX_ASSIGN_OR_RETURN(std::string_view text, json::read_string(field, key_at));
              auto metric = parse_metric(text);
              if (!metric.ok()) return metric.status().with_context(key_at.str());
              config.metric = *metric;
              has_metric = true;
              return ok_status();
            }
            case kIndex: {
              VECDEX_ASSIGN_OR_RETURN(std::string_view spec, json::read_string(field, key_at));
              config.index_spec = std::string(spec);
              return ok_status();
            }
            default: {
              VECDEX_ASSIGN_OR_RETURN(config.schema, read_schema(field, key_at));
              return ok_status();
            }
          }
        }));
    if (!has_dim) return json::missing_field(top, "dim");
    if (!has_metric) return json::missing_field(top, "metric");
    return ok_status();
  }));
  return config;
}

Result<std::string> parse_alias_target(std::string_view body) {
  constexpr std::string_view kKeys[] = {"collection"};
  std::string target;
  const JsonPath top;
  VECDEX_RETURN_IF_ERROR(json::read_body(body, top, [&](object& root) -> Status {
    VECDEX_RETURN_IF_ERROR(
        json::for_each_field(root, top, ObjectShape{kKeys}, [&](size_t, value& field) -> Status {
          VECDEX_ASSIGN_OR_RETURN(std::string_view name,
                                  json::read_string(field, top.key("collection")));
          if (name.empty()) return invalid_argument("collection: the name is empty");
          target = std::string(name);
          return ok_status();
        }));
    if (target.empty()) return json::missing_field(top, "collection");
    return ok_status();
  }));
  return target;
}

Result<PointId> parse_path_point_id(std::string_view segment) {
  const bool canonical_number = !segment.empty() && segment.size() <= 20 &&
                                (segment[0] != '0' || segment.size() == 1) &&
                                segment.find_first_not_of("0123456789") == std::string_view::npos;
  if (canonical_number) {
    uint64_t number = 0;
    auto [end, error] = std::from_chars(segment.data(), segment.data() + segment.size(), number);
    if (error == std::errc() && end == segment.data() + segment.size()) return PointId(number);
    // Digits beyond u64 fall through to a string id, as documented.
  }
  auto id = PointId::from_string(segment);
  if (!id.ok()) return id.status().with_context("path");
  return id;
}

}  // namespace vecdex::server
