// Mapping from RocksDB's Status to vecdex's: the code follows what went wrong (corruption,
// I/O, not found, bad argument), the message keeps RocksDB's text behind vecdex's context.
#pragma once

#include <string_view>

#include <rocksdb/status.h>

#include "vecdex/status.h"

namespace vecdex::storage {

// OK for an OK status; otherwise "<context>: <rocksdb message>" with the matching code:
// Corruption -> kCorruption, IOError / lock / space / busy -> kIOError, NotFound -> kNotFound,
// InvalidArgument / NotSupported -> kInvalidArgument, anything else -> kInternal.
Status from_rocksdb(const rocksdb::Status& status, std::string_view context);

}  // namespace vecdex::storage
