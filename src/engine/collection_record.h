// What the store keeps about a collection under meta "C"+name: its number (the key prefix of its
// points), its config (schema included), and whether it is complete or still being imported
// (a crash during import_snapshot leaves an incomplete one, which the next open drops).
// Also the checks a config must pass before a collection is created.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "vecdex/database.h"
#include "vecdex/result.h"

namespace vecdex::engine {

struct CollectionRecord {
  enum class State : uint8_t { kReady = 0, kImporting = 1 };
  uint32_t cid = 0;
  State state = State::kReady;
  CollectionConfig config;
};

// Binary, versioned (wire.h). decode: Corruption naming the field for damaged bytes.
std::string encode_collection_record(const CollectionRecord& record);
Result<CollectionRecord> decode_collection_record(std::string_view bytes);

// Encodes just the config (snapshots carry it in their own file).
std::string encode_collection_config(const CollectionConfig& config);
Result<CollectionConfig> decode_collection_config(std::string_view bytes);

// InvalidArgument unless `name` is 1..64 characters of [A-Za-z0-9_-]; `what` is "collection
// name" or "alias" for the message.
Status check_name(std::string_view name, std::string_view what);
// InvalidArgument for a bad name, dim outside 1..65536, an index spec make_index rejects, or a
// schema that fails PayloadSchema::validate.
Status check_collection_config(const CollectionConfig& config);

}  // namespace vecdex::engine
