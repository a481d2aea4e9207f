#include "hangu/core/scalar.h"

#include <cstdio>

namespace hangu {

std::string Scalar::str() const {
  if (kind_ == Kind::boolean) return i_ ? "True" : "False";
  if (kind_ == Kind::integer) return std::to_string(i_);
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", d_);
  return buf;
}

}  // namespace hangu
