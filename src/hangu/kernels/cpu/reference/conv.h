#pragma once
// Reference 2-D convolution kernels: im2col + the reference GEMM (plain loops, the ground truth
// the fast kernels of kernels/cpu/conv.h are tested against). Every tensor is contiguous NCHW of
// one dtype (f32 or f64). The three kernels are the three linear maps of a convolution: the
// forward, its adjoint in the input (= conv_transpose2d) and its adjoint in the weight.
#include <cstdint>

#include "hangu/core/dtype.h"
#include "hangu/kernels/cpu/conv.h"

namespace hangu::kernels {

// y = conv(x, w) + bias (bias may be null; one value per output channel).
void conv2d_forward__reference(DType dtype, const Conv2dShape& s, const void* x, const void* w, const void* bias,
                               void* y);
// gx = conv^T(gy): the gradient of the input, also conv_transpose2d's forward. gx is overwritten.
void conv2d_input_grad__reference(DType dtype, const Conv2dShape& s, const void* gy, const void* w, void* gx);
// gw = sum over the batch of gy (x) x: the gradient of the weight. gw is overwritten.
void conv2d_weight_grad__reference(DType dtype, const Conv2dShape& s, const void* gy, const void* x, void* gw);

}  // namespace hangu::kernels
