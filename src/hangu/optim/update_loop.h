#pragma once
// Internal to optim/: element loops over contiguous float data. The formulas follow PyTorch
// 1.13's single-tensor optimizers with its CPU kernels' rounding: add(b, alpha) is one fused
// multiply-add, addcmul(t1, t2, v) is fma(v*t1, t2, self), addcdiv(t1, t2, v) is self + v*t1/t2.
#include <cmath>
#include <cstdint>

#include "hangu/core/error.h"
#include "hangu/core/tensor.h"
#include "hangu/core/thread_pool.h"

namespace hangu::optim::detail {

inline constexpr int64_t kGrain = 32768;  // elements per parallel chunk

template <typename T>
inline T add_alpha(T a, T alpha, T b) {
  return std::fma(alpha, b, a);
}
template <typename T>
inline T addcmul(T self, T v, T t1, T t2) {
  return std::fma(v * t1, t2, self);
}
template <typename T>
inline T addcdiv(T self, T v, T t1, T t2) {
  return self + v * t1 / t2;
}
template <typename T>
inline T maximum(T a, T b) {
  return (std::isnan(a) || a > b) ? a : b;
}

// Calls f.template operator()<T>() with T = float or double by the tensor's dtype.
template <typename F>
void dispatch_float(const Tensor& t, const char* op, F&& f) {
  if (t.dtype() == DType::f32)
    f.template operator()<float>();
  else if (t.dtype() == DType::f64)
    f.template operator()<double>();
  else
    throw DTypeError(MsgId::train_param_dtype, op, "", t.dtype());
}

}  // namespace hangu::optim::detail
