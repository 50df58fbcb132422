// Point record encoding, see point_record.h.
#include "engine/point_record.h"

#include "engine/payload_codec.h"
#include "engine/wire.h"

namespace vecdex::engine {
namespace {

constexpr uint8_t kRecordVersion = 1;

// Reads the fields before the vector and checks its size; leaves `in` at the first float.
Status read_head(ByteReader& in, size_t dim, std::string_view& id_key) {
  uint8_t version = 0;
  uint32_t stored_dim = 0;
  VECDEX_RETURN_IF_ERROR(in.u8(version, "format version"));
  if (version != kRecordVersion) {
    return corruption("point record has format version " + std::to_string(version) +
                      ", this build reads " + std::to_string(kRecordVersion));
  }
  VECDEX_RETURN_IF_ERROR(in.bytes(id_key, "id", 1 + PointId::kMaxStringBytes));
  VECDEX_RETURN_IF_ERROR(in.u32(stored_dim, "dim"));
  if (stored_dim != dim) {
    return corruption("point record has dim " + std::to_string(stored_dim) +
                      ", the collection's is " + std::to_string(dim));
  }
  return Status();
}

}  // namespace

void encode_point_record(const Point& point, std::string_view id_key, std::string& out) {
  ByteWriter w(out);
  w.u8(kRecordVersion);
  w.bytes(id_key);
  w.u32(static_cast<uint32_t>(point.vector.size()));
  w.raw(point.vector.data(), point.vector.size() * sizeof(float));
  w.bytes(point.model_version);
  std::string payload;
  encode_payload(point.payload, payload);
  w.bytes(payload);
}

Result<Point> decode_point_record(std::string_view bytes, size_t dim) {
  ByteReader in(bytes, "point record");
  std::string_view id_key, version, payload;
  VECDEX_RETURN_IF_ERROR(read_head(in, dim, id_key));
  Point p;
  p.vector.resize(dim);
  VECDEX_RETURN_IF_ERROR(in.raw(p.vector.data(), dim * sizeof(float), "vector"));
  VECDEX_RETURN_IF_ERROR(in.bytes(version, "model version", 64));
  VECDEX_RETURN_IF_ERROR(in.bytes(payload, "payload"));
  VECDEX_RETURN_IF_ERROR(in.expect_end());
  VECDEX_ASSIGN_OR_RETURN(p.id, decode_point_id(std::span<const uint8_t>(
                                    reinterpret_cast<const uint8_t*>(id_key.data()),
                                    id_key.size())));
  p.model_version = std::string(version);
  VECDEX_ASSIGN_OR_RETURN(p.payload, decode_payload(std::span<const uint8_t>(
                                         reinterpret_cast<const uint8_t*>(payload.data()),
                                         payload.size())));
  return p;
}

Status decode_point_vector(std::string_view bytes, size_t dim, float* out) {
  ByteReader in(bytes, "point record");
  std::string_view id_key;
  VECDEX_RETURN_IF_ERROR(read_head(in, dim, id_key));
  return in.raw(out, dim * sizeof(float), "vector");
}

}  // namespace vecdex::engine
