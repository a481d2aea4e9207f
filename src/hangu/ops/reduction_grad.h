#pragma once
// Backward formulas of the reductions, scans and softmax (recorded in reduction_api.cpp).
// Each is written with differentiable ops, so second derivatives work. `g` is the gradient of
// the op's output, `out` its (saved) output; `dims`/`keepdim` as given to the forward.
#include "hangu/core/tensor.h"

namespace hangu::ops {

// float16/bfloat16 as float32, other dtypes unchanged: the backward formulas run in float and
// the recorder rounds the gradient to the input's dtype once (as the forward kernels do).
Tensor wide(const Tensor& t);

// mean: g / n, broadcast back.
Tensor mean_backward(const Tensor& g, IntList shape, IntList dims, bool keepdim);
// amax/amin and full max/min: g split evenly among the elements equal to the result. With
// nan_ties (full max/min, as torch) a NaN result is shared by the NaNs; without (amax/amin, as
// torch) a NaN result gives NaN gradients.
Tensor evenly_distribute_backward(const Tensor& g, const Tensor& x, const Tensor& out, IntList dims, bool keepdim,
                                  bool nan_ties);
// max/min along dim: g goes to the element at `indices`.
Tensor index_backward(const Tensor& g, const Tensor& indices, IntList shape, int64_t dim, bool keepdim);
// prod: g * out / x without zeros; with zeros, g times the product of the other elements.
Tensor prod_backward(const Tensor& g, const Tensor& x, const Tensor& out, IntList dims, bool keepdim);
Tensor var_backward(const Tensor& g, const Tensor& x, IntList dims, double correction, bool keepdim);
Tensor std_backward(const Tensor& g, const Tensor& x, const Tensor& out, IntList dims, double correction, bool keepdim);
Tensor logsumexp_backward(const Tensor& g, const Tensor& x, const Tensor& out, IntList dims, bool keepdim);
// torch's norm_backward: p = 0 gives 0; ties of the inf norms share the gradient; a zero norm
// (and 0 ** negative powers) give 0.
Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& out, double p, IntList dims, bool keepdim);
Tensor cumsum_backward(const Tensor& g, int64_t dim);
Tensor cumprod_backward(const Tensor& g, const Tensor& x, const Tensor& out, int64_t dim);
Tensor softmax_backward(const Tensor& g, const Tensor& out, int64_t dim);
Tensor log_softmax_backward(const Tensor& g, const Tensor& out, int64_t dim);

}  // namespace hangu::ops
