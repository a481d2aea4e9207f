#include "hangu/core/version.h"

#ifndef HANGU_VERSION
#define HANGU_VERSION "unknown"
#endif

namespace hangu {

std::string_view version() { return HANGU_VERSION; }

}  // namespace hangu
