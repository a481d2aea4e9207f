#pragma once
// PyTorch-style repr: "tensor([[1., 2.],\n        [3., 4.]])", summarised with "..." when large,
// with dtype (when not the default) and shape noted.
#include <string>

#include "hangu/core/tensor.h"

namespace hangu {

struct PrintOptions {
  int64_t threshold = 1000;  // summarise above this many elements
  int64_t edgeitems = 3;     // items shown at each end of a summarised dim
  int precision = 4;         // digits after the point for floats
  int64_t linewidth = 80;
};

std::string to_string(const Tensor& t, const PrintOptions& opts = {});

}  // namespace hangu
