#pragma once
// Reference 2-D pooling kernels (plain loops, the ground truth of kernels/cpu/pool.h) over
// contiguous [planes, h, w] data (planes = batch * channels), f32 or f64. Each plane is
// independent, so work is split over planes.
#include <cstdint>

#include "hangu/core/dtype.h"
#include "hangu/kernels/cpu/pool.h"

namespace hangu::kernels {

// y = max over each window (NaN wins, as PyTorch); idx = the argmax as h * w_in + w within the plane.
void max_pool2d_forward__reference(DType dtype, const Pool2dShape& s, const void* x, void* y, int64_t* idx);
// gx (overwritten, [planes, h, w]) = gy scattered (summed) to the argmax positions idx.
void max_pool2d_scatter__reference(DType dtype, const Pool2dShape& s, const void* gy, const int64_t* idx, void* gx);
// y[p, o] = x[p, idx[p, o]]: the adjoint of max_pool2d_scatter.
void max_pool2d_gather__reference(DType dtype, const Pool2dShape& s, const void* x, const int64_t* idx, void* y);
// PyTorch's avg_pool2d (no divisor override).
void avg_pool2d_forward__reference(DType dtype, const Pool2dShape& s, bool count_include_pad, const void* x, void* y);
// The adjoint of avg_pool2d_forward; gx is overwritten.
void avg_pool2d_backward__reference(DType dtype, const Pool2dShape& s, bool count_include_pad, const void* gy,
                                    void* gx);
// adaptive_avg_pool2d: window [floor(i*h/oh), ceil((i+1)*h/oh)); only planes/h/w/oh/ow are used.
void adaptive_avg_pool2d_forward__reference(DType dtype, const Pool2dShape& s, const void* x, void* y);
void adaptive_avg_pool2d_backward__reference(DType dtype, const Pool2dShape& s, const void* gy, void* gx);

}  // namespace hangu::kernels
