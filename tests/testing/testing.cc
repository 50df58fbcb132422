// Anchor translation unit for the vecdex_testing helper library (helpers are header-only).
#include "testing/status_matchers.h"
