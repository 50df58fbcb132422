// Collection record and config encoding, and config checks; see collection_record.h.
// Config layout: u8 version(=1) | bytes name | u32 dim | u8 metric | bytes index_spec |
//   u32 field count | fields { bytes name | u8 type | u8 required | u8 indexed } |
//   u8 on_missing_required | u8 strict
// Record layout: u8 version(=1) | u32 cid | u8 state | bytes config
#include "engine/collection_record.h"

#include <string>

#include "engine/wire.h"
#include "vecdex/index_factory.h"

namespace vecdex::engine {
namespace {

constexpr uint8_t kConfigVersion = 1;
constexpr uint8_t kRecordVersion = 1;
constexpr size_t kMaxNameBytes = 64;
constexpr size_t kMaxDim = 65536;

Status decode_config(ByteReader& in, CollectionConfig& c) {
  uint8_t version = 0, metric = 0, on_missing = 0, strict = 0;
  uint32_t dim = 0, fields = 0;
  std::string_view name, spec;
  VECDEX_RETURN_IF_ERROR(in.u8(version, "format version"));
  if (version != kConfigVersion) {
    return corruption("collection config has format version " + std::to_string(version) +
                      ", this build reads " + std::to_string(kConfigVersion));
  }
  VECDEX_RETURN_IF_ERROR(in.bytes(name, "name", kMaxNameBytes));
  VECDEX_RETURN_IF_ERROR(in.u32(dim, "dim"));
  VECDEX_RETURN_IF_ERROR(in.u8(metric, "metric"));
  VECDEX_RETURN_IF_ERROR(in.bytes(spec, "index spec", 4096));
  VECDEX_RETURN_IF_ERROR(in.u32(fields, "schema field count"));
  if (metric > static_cast<uint8_t>(Metric::kCosine)) {
    return corruption("collection config: unknown metric code " + std::to_string(metric));
  }
  if (fields > in.remaining()) return corruption("collection config: schema field count too large");
  c.name = std::string(name);
  c.dim = dim;
  c.metric = static_cast<Metric>(metric);
  c.index_spec = std::string(spec);
  c.schema.fields.clear();
  for (uint32_t i = 0; i < fields; ++i) {
    FieldSpec f;
    std::string_view fname;
    uint8_t type = 0, required = 0, indexed = 0;
    VECDEX_RETURN_IF_ERROR(in.bytes(fname, "field name", kMaxNameBytes));
    VECDEX_RETURN_IF_ERROR(in.u8(type, "field type"));
    VECDEX_RETURN_IF_ERROR(in.u8(required, "field required flag"));
    VECDEX_RETURN_IF_ERROR(in.u8(indexed, "field indexed flag"));
    if (type > static_cast<uint8_t>(FieldType::kKeywords)) {
      return corruption("collection config: field " + std::string(fname) +
                        " has unknown type code " + std::to_string(type));
    }
    f.name = std::string(fname);
    f.type = static_cast<FieldType>(type);
    f.required = required != 0;
    f.indexed = indexed != 0;
    c.schema.fields.push_back(std::move(f));
  }
  VECDEX_RETURN_IF_ERROR(in.u8(on_missing, "missing-required policy"));
  VECDEX_RETURN_IF_ERROR(in.u8(strict, "strict flag"));
  if (on_missing > 1) return corruption("collection config: unknown missing-required policy");
  c.schema.on_missing_required = static_cast<PayloadSchema::MissingRequired>(on_missing);
  c.schema.strict = strict != 0;
  return Status();
}

}  // namespace

std::string encode_collection_config(const CollectionConfig& c) {
  std::string out;
  ByteWriter w(out);
  w.u8(kConfigVersion);
  w.bytes(c.name);
  w.u32(static_cast<uint32_t>(c.dim));
  w.u8(static_cast<uint8_t>(c.metric));
  w.bytes(c.index_spec);
  w.u32(static_cast<uint32_t>(c.schema.fields.size()));
  for (const FieldSpec& f : c.schema.fields) {
    w.bytes(f.name);
    w.u8(static_cast<uint8_t>(f.type));
    w.u8(f.required ? 1 : 0);
    w.u8(f.indexed ? 1 : 0);
  }
  w.u8(static_cast<uint8_t>(c.schema.on_missing_required));
  w.u8(c.schema.strict ? 1 : 0);
  return out;
}

Result<CollectionConfig> decode_collection_config(std::string_view bytes) {
  ByteReader in(bytes, "collection config");
  CollectionConfig c;
  VECDEX_RETURN_IF_ERROR(decode_config(in, c));
  VECDEX_RETURN_IF_ERROR(in.expect_end());
  return c;
}

std::string encode_collection_record(const CollectionRecord& r) {
  std::string out;
  ByteWriter w(out);
  w.u8(kRecordVersion);
  w.u32(r.cid);
  w.u8(static_cast<uint8_t>(r.state));
  w.bytes(encode_collection_config(r.config));
  return out;
}

Result<CollectionRecord> decode_collection_record(std::string_view bytes) {
  ByteReader in(bytes, "collection record");
  CollectionRecord r;
  uint8_t version = 0, state = 0;
  std::string_view config;
  VECDEX_RETURN_IF_ERROR(in.u8(version, "format version"));
  if (version != kRecordVersion) {
    return corruption("collection record has format version " + std::to_string(version) +
                      ", this build reads " + std::to_string(kRecordVersion));
  }
  VECDEX_RETURN_IF_ERROR(in.u32(r.cid, "collection number"));
  VECDEX_RETURN_IF_ERROR(in.u8(state, "state"));
  VECDEX_RETURN_IF_ERROR(in.bytes(config, "config"));
  VECDEX_RETURN_IF_ERROR(in.expect_end());
  if (state > 1) return corruption("collection record: unknown state " + std::to_string(state));
  r.state = static_cast<CollectionRecord::State>(state);
  VECDEX_ASSIGN_OR_RETURN(r.config, decode_collection_config(config));
  return r;
}

Status check_name(std::string_view name, std::string_view what) {
  auto bad = [&](std::string_view why) {
    return invalid_argument(std::string(what) + " \"" + std::string(name.substr(0, 80)) +
                            "\" " + std::string(why) +
                            "; expected 1..64 characters of [A-Za-z0-9_-]");
  };
  if (name.empty()) return bad("is empty");
  if (name.size() > kMaxNameBytes) return bad("is " + std::to_string(name.size()) + " bytes long");
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return bad("contains a character outside the allowed set");
  }
  return Status();
}

Status check_collection_config(const CollectionConfig& c) {
  VECDEX_RETURN_IF_ERROR(check_name(c.name, "collection name"));
  if (c.dim == 0 || c.dim > kMaxDim) {
    return invalid_argument("collection " + c.name + ": dim " + std::to_string(c.dim) +
                            " is out of range; expected 1..65536");
  }
  // Building an empty index is cheap and checks the spec exactly as segments will use it.
  auto index = make_index(c.index_spec, c.dim, c.metric);
  if (!index.ok()) {
    return index.status().with_context("collection " + c.name + ": index spec");
  }
  VECDEX_RETURN_IF_ERROR(c.schema.validate().with_context("collection " + c.name + ": schema"));
  return Status();
}

}  // namespace vecdex::engine
