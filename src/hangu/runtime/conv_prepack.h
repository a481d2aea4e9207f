#pragma once
// A Conv node's constant weights packed once for the convolution kernels (Node::prepared, set by
// passes.cpp's prepack_conv_weights), with the tensors they came from: run_conv uses the packing
// only for those very tensors.
#include <memory>

#include "hangu/core/tensor.h"
#include "hangu/kernels/cpu/conv.h"

namespace hangu::runtime {

struct ConvPrepacked {
  std::shared_ptr<const kernels::Conv2dPacked> packed;
  Tensor weight, bias;  // the constants (shared storage); bias may be undefined
};

// Null when the kernels take no packed form of these weights (not f32 [O, I/g, kh, kw], a bias
// that is not f32 [O], a 1 x 1 or depthwise kernel, too few output channels, the reference level).
std::shared_ptr<const ConvPrepacked> prepack_conv(const Tensor& weight, const Tensor& bias, int64_t groups);

}  // namespace hangu::runtime
