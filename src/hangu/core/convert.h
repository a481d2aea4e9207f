#pragma once
// Element conversion between our C++ element types, with PyTorch's semantics where C++ would be
// undefined: bool is (x != 0); floats to integers truncate through int64 (NaN gives 0).
#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "hangu/core/dtype.h"

namespace hangu {

template <typename To, typename From>
inline To convert(From v) {
  if constexpr (std::is_same_v<To, From>) {
    return v;
  } else if constexpr (std::is_same_v<To, bool>) {
    if constexpr (is_floating_v<From>) return static_cast<float>(v) != 0.0f || std::isnan(static_cast<float>(v));
    else return v != 0;
  } else if constexpr (std::is_integral_v<To>) {
    if constexpr (is_floating_v<From>) {
      double d = static_cast<double>(static_cast<opmath_t<From>>(v));
      if (std::isnan(d)) return 0;
      constexpr double lo = -9223372036854775808.0, hi = 9223372036854775807.0;
      int64_t i = d <= lo ? std::numeric_limits<int64_t>::min()
                  : d >= hi ? std::numeric_limits<int64_t>::max()
                            : static_cast<int64_t>(d);
      return static_cast<To>(static_cast<uint64_t>(i));  // wraps like PyTorch's casts
    } else {
      return static_cast<To>(v);  // integer narrowing wraps (well-defined since C++20)
    }
  } else if constexpr (std::is_same_v<To, double>) {
    return static_cast<double>(static_cast<opmath_t<From>>(v));
  } else if constexpr (std::is_same_v<To, float>) {
    return static_cast<float>(static_cast<opmath_t<From>>(v));
  } else {  // Half, BFloat16: through float (from double: one rounding to float first, as PyTorch)
    if constexpr (std::is_same_v<From, bool>) return To(v ? 1.0f : 0.0f);
    else return To(static_cast<float>(v));
  }
}

}  // namespace hangu
