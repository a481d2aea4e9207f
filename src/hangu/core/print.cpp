#include "hangu/core/print.h"

#include <cstdio>

namespace hangu {

// Minimal placeholder formatting; replaced by the PyTorch-style printer.
std::string to_string(const Tensor& t, const PrintOptions&) {
  if (!t.defined()) return "tensor(undefined)";
  return "tensor(shape=" + shape_str(t.shape()) + ", dtype=" + std::string(dtype_name(t.dtype())) + ")";
}

std::string Tensor::str() const { return to_string(*this); }
std::ostream& operator<<(std::ostream& os, const Tensor& t) { return os << to_string(t); }

}  // namespace hangu
