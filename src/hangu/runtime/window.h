#pragma once
// The sliding-window geometry shared by Conv, ConvTranspose and the pools: kernel, strides,
// dilations and (possibly asymmetric) pads per spatial dim, from the node's attributes and
// auto_pad, and the output sizes they give.
#include <cstdint>
#include <vector>

#include "hangu/runtime/op_registry.h"

namespace hangu::runtime {

struct Window {
  std::vector<int64_t> kernel, stride, dilation, pad_begin, pad_end;
  std::vector<int64_t> in, out;  // spatial sizes
  int64_t spatial() const { return static_cast<int64_t>(in.size()); }
  // Extent of the dilated kernel along dim d.
  int64_t span(size_t d) const { return (kernel[d] - 1) * dilation[d] + 1; }
};

// For Conv and the pools. `kernel` comes from kernel_shape or, for Conv, the weight's spatial
// dims. Validates every size (ValueError naming the node) so that each output size is >= 0.
Window forward_window(const OpContext& c, const std::vector<int64_t>& in_spatial, const std::vector<int64_t>& kernel,
                      bool ceil_mode);

}  // namespace hangu::runtime
