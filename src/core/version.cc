// Library version string.
#include "vecdex/version.h"

namespace vecdex {

const char* version() { return "0.1.0"; }

}  // namespace vecdex
