// Status mapping, see rocks_status.h.
#include "storage/rocks_status.h"

#include <string>

namespace vecdex::storage {

Status from_rocksdb(const rocksdb::Status& status, std::string_view context) {
  if (status.ok()) return Status();
  std::string message = std::string(context) + ": " + status.ToString();
  if (status.IsCorruption()) return corruption(std::move(message));
  if (status.IsNotFound()) return not_found(std::move(message));
  if (status.IsInvalidArgument() || status.IsNotSupported()) {
    return invalid_argument(std::move(message));
  }
  if (status.IsIOError() || status.IsBusy() || status.IsNoSpace() || status.IsTimedOut() ||
      status.IsTryAgain() || status.IsPathNotFound()) {
    return io_error(std::move(message));
  }
  return internal_error(std::move(message));
}

}  // namespace vecdex::storage
