#pragma once
// Convolution for any number of spatial dims by im2col/col2im and a matrix product. 2-D work
// goes to hangu's conv2d / conv_transpose2d (the fast kernels); this serves 1-D edge cases,
// 3-D and beyond. Inputs are contiguous-or-not float tensors; pads here are already resolved.
#include "hangu/core/tensor.h"
#include "hangu/runtime/window.h"

namespace hangu::runtime {

// y[N, M, out...] = conv(x[N, C, in...], w[M, C/groups, k...]) (no bias).
Tensor conv_nd(const Tensor& x, const Tensor& w, const Window& win, int64_t groups);
// The full (uncropped) transposed convolution: x[N, C, in...], w[C, M/groups, k...] ->
// y[N, M, (in-1)*stride + (k-1)*dilation + 1 ...] (no bias, no padding).
Tensor conv_transpose_full_nd(const Tensor& x, const Tensor& w, const Window& win, int64_t groups);

}  // namespace hangu::runtime
