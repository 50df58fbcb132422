// The engine's key layout in the store (column families in storage/rocks_store.h).
//   meta    "C" + name          -> collection record (collection_record.h)
//           "A" + alias         -> collection name
//           "N" + cid (4 B BE)  -> next internal point number (u64 LE), updated by every write
//           "K"                 -> next collection number (u32 LE)
//   ids     cid (4 B BE) + encode_point_id(id)  -> pid (u64 LE)
//   points  cid (4 B BE) + pid (8 B BE)         -> point record (point_record.h)
// A collection's ids and points share the prefix of its number (cid, never reused), so dropping
// it is two range deletes and a re-created collection of the same name starts clean.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "engine/payload_index.h"  // Pid

namespace vecdex::engine::keys {

inline constexpr char kCollectionTag = 'C';
inline constexpr char kAliasTag = 'A';
inline constexpr char kNextPidTag = 'N';
inline constexpr std::string_view kNextCollectionKey = "K";

std::string collection_key(std::string_view name);
std::string alias_key(std::string_view alias);
std::string next_pid_key(uint32_t cid);

// Prefix of every ids / points key of collection `cid`, and the first key past it.
std::string collection_prefix(uint32_t cid);
std::string collection_prefix_end(uint32_t cid);

std::string id_key(uint32_t cid, std::string_view encoded_point_id);
std::string point_key(uint32_t cid, Pid pid);
// The pid of a points key of collection `cid`; nullopt when the key is not one.
std::optional<Pid> pid_of_point_key(std::string_view key);

std::string encode_u64(uint64_t v);
std::optional<uint64_t> decode_u64(std::string_view bytes);
std::string encode_u32(uint32_t v);
std::optional<uint32_t> decode_u32(std::string_view bytes);

}  // namespace vecdex::engine::keys
