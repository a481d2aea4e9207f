#pragma once
// Conversion and copying: to(dtype), contiguous, clone, and the in-place writers.
#include "hangu/core/tensor.h"

namespace hangu {

// A tensor of dtype `dtype` with t's values; returns t itself when it already has that dtype.
Tensor to(const Tensor& t, DType dtype);
// t when it is contiguous; otherwise a contiguous copy.
Tensor contiguous(const Tensor& t);
// A contiguous copy that shares nothing with t.
Tensor clone(const Tensor& t);
// Writes src (broadcast to dst's shape, converted to dst's dtype) into dst; returns dst.
Tensor copy_(const Tensor& dst, const Tensor& src);
Tensor fill_(const Tensor& t, const Scalar& v);
Tensor zero_(const Tensor& t);

}  // namespace hangu
