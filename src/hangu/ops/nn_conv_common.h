#pragma once
// Argument checks shared by the convolution and pooling front ends (nn_conv.cpp, nn_pool.cpp).
#include <string>

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/views.h"

namespace hangu::ops::conv_detail {

// One value per spatial dim: a single value is repeated.
inline IntVec expand_param(const IntVec& v, int64_t n, const char* op, const char* name) {
  if (v.size() == 1) return IntVec(static_cast<size_t>(n), v[0]);
  if (static_cast<int64_t>(v.size()) != n)
    throw ValueError(MsgId::conv_param_size, op, name, n, static_cast<int64_t>(v.size()));
  return v;
}
inline void check_positive(const IntVec& v, const char* op, const char* name) {
  for (int64_t x : v)
    if (x <= 0) throw ValueError(MsgId::conv_param_positive, op, name, IntList(v));
}
inline void check_nonneg(const IntVec& v, const char* op, const char* name) {
  for (int64_t x : v)
    if (x < 0) throw ValueError(MsgId::conv_param_nonneg, op, name, IntList(v));
}
inline void check_float(const Tensor& t, const char* op) {
  check_defined(t, op);
  if (!is_floating(t.dtype())) throw DTypeError(MsgId::dtype_not_supported, op, t.dtype());
}
// input as [N, C, spatial...]: an unbatched input gets a batch dim of 1.
inline Tensor as_batched(const Tensor& x, int64_t spatial, const char* op) {
  if (x.dim() == spatial + 1) return unsqueeze(x, 0);
  if (x.dim() == spatial + 2) return x;
  throw ShapeError(MsgId::conv_input_rank, op, spatial + 1, spatial + 2, x.shape());
}
// The dtype kernels compute in: 16-bit floats in float32.
inline DType compute_dtype(DType d) { return d == DType::f16 || d == DType::bf16 ? DType::f32 : d; }
inline Tensor compute_copy(const Tensor& t) { return t.defined() ? contiguous(to(t, compute_dtype(t.dtype()))) : t; }

// PyTorch's pooling output size (floor division toward -inf; ceil_mode drops a window that
// would start in the right padding).
inline int64_t pool_out_size(int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, bool ceil_mode) {
  int64_t num = checked_add(checked_add(in, checked_mul(2, pad)), -checked_mul(dil, k - 1)) - 1;
  if (ceil_mode) num += stride - 1;
  int64_t q = num >= 0 ? num / stride : -((-num + stride - 1) / stride);
  int64_t out = q + 1;
  if (ceil_mode && (out - 1) * stride >= in + pad) --out;
  return out;
}

}  // namespace hangu::ops::conv_detail
