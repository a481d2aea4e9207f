#pragma once
// 2-D pooling kernels over contiguous [planes, h, w] data (planes = batch * channels), f32 or f64.
// Max and average pooling forward take a SIMD path over the windows that lie inside the input;
// the rest (and everything not listed as fast in pool/pool2d.cpp) runs the plain loops of
// reference/pool.h, the ground truth they are tested against.
#include <cstdint>

#include "hangu/core/dtype.h"

namespace hangu::kernels {

struct Pool2dShape {
  int64_t planes = 0, h = 0, w = 0, oh = 0, ow = 0;
  int64_t kh = 1, kw = 1, sh = 1, sw = 1, ph = 0, pw = 0, dh = 1, dw = 1;
};

// y = max over each window (NaN wins, as PyTorch); idx = the argmax as h * w_in + w within the plane.
void max_pool2d_forward(DType dtype, const Pool2dShape& s, const void* x, void* y, int64_t* idx);
// gx (overwritten, [planes, h, w]) = gy scattered (summed) to the argmax positions idx.
void max_pool2d_scatter(DType dtype, const Pool2dShape& s, const void* gy, const int64_t* idx, void* gx);
// y[p, o] = x[p, idx[p, o]]: the adjoint of max_pool2d_scatter.
void max_pool2d_gather(DType dtype, const Pool2dShape& s, const void* x, const int64_t* idx, void* y);
// PyTorch's avg_pool2d (no divisor override).
void avg_pool2d_forward(DType dtype, const Pool2dShape& s, bool count_include_pad, const void* x, void* y);
// The adjoint of avg_pool2d_forward; gx is overwritten.
void avg_pool2d_backward(DType dtype, const Pool2dShape& s, bool count_include_pad, const void* gy, void* gx);
// adaptive_avg_pool2d: window [floor(i*h/oh), ceil((i+1)*h/oh)); only planes/h/w/oh/ow are used.
void adaptive_avg_pool2d_forward(DType dtype, const Pool2dShape& s, const void* x, void* y);
void adaptive_avg_pool2d_backward(DType dtype, const Pool2dShape& s, const void* gy, void* gx);

}  // namespace hangu::kernels
