// Key layout, see keys.h.
#include "engine/keys.h"

#include <cstring>

namespace vecdex::engine::keys {
namespace {

void put_be(uint64_t v, int bytes, std::string& out) {
  for (int i = bytes - 1; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t get_be(std::string_view s) {
  uint64_t v = 0;
  for (char c : s) v = (v << 8) | static_cast<uint8_t>(c);
  return v;
}

std::string tagged(char tag, std::string_view rest) {
  std::string key(1, tag);
  key.append(rest);
  return key;
}

}  // namespace

std::string collection_key(std::string_view name) { return tagged(kCollectionTag, name); }
std::string alias_key(std::string_view alias) { return tagged(kAliasTag, alias); }
std::string next_pid_key(uint32_t cid) {
  std::string key(1, kNextPidTag);
  put_be(cid, 4, key);
  return key;
}

std::string collection_prefix(uint32_t cid) {
  std::string key;
  put_be(cid, 4, key);
  return key;
}

std::string collection_prefix_end(uint32_t cid) {
  // The last cid has no successor prefix; five 0xff bytes sort after all of its keys' prefixes.
  return cid != UINT32_MAX ? collection_prefix(cid + 1) : std::string(5, '\xff');
}

std::string id_key(uint32_t cid, std::string_view encoded_point_id) {
  std::string key = collection_prefix(cid);
  key.append(encoded_point_id);
  return key;
}

std::string point_key(uint32_t cid, Pid pid) {
  std::string key = collection_prefix(cid);
  put_be(pid, 8, key);
  return key;
}

std::optional<Pid> pid_of_point_key(std::string_view key) {
  if (key.size() != 12) return std::nullopt;
  return get_be(key.substr(4));
}

std::string encode_u64(uint64_t v) {
  std::string s(8, '\0');
  std::memcpy(s.data(), &v, 8);
  return s;
}
std::optional<uint64_t> decode_u64(std::string_view bytes) {
  if (bytes.size() != 8) return std::nullopt;
  uint64_t v;
  std::memcpy(&v, bytes.data(), 8);
  return v;
}
std::string encode_u32(uint32_t v) {
  std::string s(4, '\0');
  std::memcpy(s.data(), &v, 4);
  return s;
}
std::optional<uint32_t> decode_u32(std::string_view bytes) {
  if (bytes.size() != 4) return std::nullopt;
  uint32_t v;
  std::memcpy(&v, bytes.data(), 4);
  return v;
}

}  // namespace vecdex::engine::keys
