// Payload and point-id encodings. Payload layout (all integers LEB128 varints unless noted):
//   u8 version (=1) | count | count x { name_len | name | u8 tag | value }
//   tag 0 int: zigzag varint · 1 float: 8 bytes little-endian IEEE-754 · 2 bool: u8 0/1 ·
//   3 string: len | bytes · 4 keywords: n | n x { len | bytes }
// Point-id keys: 0x01 + 8-byte big-endian number, or 0x02 + the string's bytes.
#include "engine/payload_codec.h"

#include <fmt/format.h>

#include <bit>
#include <cstring>
#include <string_view>

namespace vecdex::engine {

namespace {

constexpr uint8_t kPayloadVersion = 1;
constexpr uint8_t kNumberIdTag = 0x01;
constexpr uint8_t kStringIdTag = 0x02;

void put_varint(uint64_t v, std::string& out) {
  while (v >= 0x80) {
    out.push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out.push_back(static_cast<char>(v));
}

void put_bytes(std::string_view s, std::string& out) {
  put_varint(s.size(), out);
  out.append(s);
}

uint64_t zigzag(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
int64_t unzigzag(uint64_t v) {
  return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1);
}

// Bounds-checked cursor: every read fails with Corruption naming what was being read.
class Reader {
 public:
  explicit Reader(std::span<const uint8_t> bytes) : bytes_(bytes) {}

  size_t remaining() const { return bytes_.size() - pos_; }
  size_t pos() const { return pos_; }

  Result<uint8_t> u8(std::string_view what) {
    if (remaining() < 1) return truncated(what, 1);
    return bytes_[pos_++];
  }
  Result<uint64_t> varint(std::string_view what) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (remaining() < 1) return truncated(what, 1);
      uint8_t b = bytes_[pos_++];
      if (shift == 63 && b > 1) break;  // the 10th byte may only hold the top bit
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    return corruption(fmt::format("payload: malformed varint for {} at byte {}", what, pos_ - 1));
  }
  Result<std::string_view> bytes(std::string_view what) {
    VECDEX_ASSIGN_OR_RETURN(uint64_t len, varint(what));
    if (len > remaining()) return truncated(what, len);
    std::string_view s(reinterpret_cast<const char*>(bytes_.data() + pos_), len);
    pos_ += len;
    return s;
  }
  Result<uint64_t> fixed64(std::string_view what) {
    if (remaining() < 8) return truncated(what, 8);
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(bytes_[pos_ + i]) << (8 * i);
    pos_ += 8;
    return v;
  }

 private:
  Status truncated(std::string_view what, uint64_t need) const {
    return corruption(fmt::format("payload: truncated {} (need {} bytes at offset {}, {} left)",
                                  what, need, pos_, remaining()));
  }
  std::span<const uint8_t> bytes_;
  size_t pos_ = 0;
};

Result<PayloadValue> read_value(Reader& r, uint8_t tag, std::string_view field) {
  switch (tag) {
    case 0: {
      VECDEX_ASSIGN_OR_RETURN(uint64_t v, r.varint("int value"));
      return PayloadValue(unzigzag(v));
    }
    case 1: {
      VECDEX_ASSIGN_OR_RETURN(uint64_t bits, r.fixed64("float value"));
      return PayloadValue(std::bit_cast<double>(bits));
    }
    case 2: {
      VECDEX_ASSIGN_OR_RETURN(uint8_t b, r.u8("bool value"));
      if (b > 1) {
        return corruption(fmt::format("payload: field '{}' has bool byte {}, expected 0 or 1",
                                      field, b));
      }
      return PayloadValue(b == 1);
    }
    case 3: {
      VECDEX_ASSIGN_OR_RETURN(std::string_view s, r.bytes("string value"));
      return PayloadValue(std::string(s));
    }
    case 4: {
      VECDEX_ASSIGN_OR_RETURN(uint64_t n, r.varint("keyword count"));
      if (n > r.remaining()) {  // every keyword takes at least its length byte
        return corruption(fmt::format("payload: field '{}' claims {} keywords in {} bytes",
                                      field, n, r.remaining()));
      }
      Keywords kw;
      kw.reserve(n);
      for (uint64_t i = 0; i < n; ++i) {
        VECDEX_ASSIGN_OR_RETURN(std::string_view s, r.bytes("keyword"));
        kw.emplace_back(s);
      }
      return PayloadValue(std::move(kw));
    }
    default:
      return corruption(
          fmt::format("payload: field '{}' has unknown value tag {}", field, static_cast<int>(tag)));
  }
}

}  // namespace

void encode_payload(const Payload& payload, std::string& out) {
  out.push_back(static_cast<char>(kPayloadVersion));
  put_varint(payload.size(), out);
  for (const auto& [name, value] : payload) {
    put_bytes(name, out);
    out.push_back(static_cast<char>(value.index()));
    std::visit(
        [&out](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, int64_t>) {
            put_varint(zigzag(v), out);
          } else if constexpr (std::is_same_v<T, double>) {
            auto bits = std::bit_cast<uint64_t>(v);
            for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(bits >> (8 * i)));
          } else if constexpr (std::is_same_v<T, bool>) {
            out.push_back(v ? 1 : 0);
          } else if constexpr (std::is_same_v<T, std::string>) {
            put_bytes(v, out);
          } else {
            put_varint(v.size(), out);
            for (const std::string& k : v) put_bytes(k, out);
          }
        },
        value);
  }
}

Result<Payload> decode_payload(std::span<const uint8_t> bytes) {
  Reader r(bytes);
  VECDEX_ASSIGN_OR_RETURN(uint8_t version, r.u8("version byte"));
  if (version != kPayloadVersion) {
    return corruption(fmt::format("payload: unsupported encoding version {}, expected {}",
                                  static_cast<int>(version), kPayloadVersion));
  }
  VECDEX_ASSIGN_OR_RETURN(uint64_t count, r.varint("field count"));
  if (count > r.remaining() / 3) {  // a field takes at least 3 bytes (name len, tag, value)
    return corruption(
        fmt::format("payload: claims {} fields in {} bytes", count, r.remaining()));
  }
  Payload payload;
  for (uint64_t i = 0; i < count; ++i) {
    VECDEX_ASSIGN_OR_RETURN(std::string_view name, r.bytes("field name"));
    VECDEX_ASSIGN_OR_RETURN(uint8_t tag, r.u8("value tag"));
    VECDEX_ASSIGN_OR_RETURN(PayloadValue value, read_value(r, tag, name));
    if (!payload.emplace(std::string(name), std::move(value)).second) {
      return corruption(fmt::format("payload: field '{}' appears twice", name));
    }
  }
  if (r.remaining() != 0) {
    return corruption(fmt::format("payload: {} trailing bytes after {} fields", r.remaining(),
                                  count));
  }
  return payload;
}

std::string encode_point_id(const PointId& id) {
  std::string out;
  if (id.is_number()) {
    out.reserve(9);
    out.push_back(static_cast<char>(kNumberIdTag));
    uint64_t v = id.number();
    for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>(v >> (8 * i)));
  } else {
    out.reserve(1 + id.text().size());
    out.push_back(static_cast<char>(kStringIdTag));
    out.append(id.text());
  }
  return out;
}

Result<PointId> decode_point_id(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return corruption("point id key: empty");
  if (bytes[0] == kNumberIdTag) {
    if (bytes.size() != 9) {
      return corruption(fmt::format("point id key: a number key has 9 bytes, got {}",
                                    bytes.size()));
    }
    uint64_t v = 0;
    for (size_t i = 1; i < 9; ++i) v = (v << 8) | bytes[i];
    return PointId(v);
  }
  if (bytes[0] == kStringIdTag) {
    std::string_view text(reinterpret_cast<const char*>(bytes.data() + 1), bytes.size() - 1);
    auto id = PointId::from_string(text);
    if (!id.ok()) return corruption(fmt::format("point id key: {}", id.status().message()));
    return id;
  }
  return corruption(fmt::format("point id key: unknown tag {}", static_cast<int>(bytes[0])));
}

}  // namespace vecdex::engine
