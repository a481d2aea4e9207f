#pragma once
// PyTorch-style repr (torch 1.13's _tensor_str.py): "tensor([[1., 2.],\n        [3., 4.]])",
// summarised with "..." when large, with the dtype noted when it is not the default of its kind.
#include <optional>
#include <string>

#include "hangu/core/tensor.h"

namespace hangu {

struct PrintOptions {
  int64_t threshold = 1000;  // summarise above this many elements
  int64_t edgeitems = 3;     // items shown at each end of a summarised dim
  int precision = 4;         // digits after the point for floats
  int64_t linewidth = 80;
  std::optional<bool> sci_mode;  // unset: chosen from the values, as torch does
};

std::string to_string(const Tensor& t, const PrintOptions& opts = {});

}  // namespace hangu
