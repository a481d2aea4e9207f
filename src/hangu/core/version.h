#pragma once
// The library's version ("0.1.0"), from the CMake project version.
#include <string_view>

namespace hangu {

std::string_view version();

}  // namespace hangu
