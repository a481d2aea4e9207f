// The convolution entry points of kernels/cpu/conv.h: shape checks shared by every path, the
// empty cases, then the path: depthwise (one input channel per group) as a direct kernel; f32
// with a larger kernel and image through the direct kernel (conv_direct.cpp); everything else
// through GEMM (conv_gemm.cpp).
#include <algorithm>
#include <type_traits>

#include "hangu/core/error.h"
#include "hangu/kernels/cpu/conv.h"
#include "hangu/kernels/cpu/conv/conv_paths.h"

namespace hangu::kernels {
namespace {

template <typename F>
void dispatch_conv(DType dtype, const char* op, F&& f) {
  if (dtype == DType::f32)
    f(float{});
  else if (dtype == DType::f64)
    f(double{});
  else
    throw DTypeError(MsgId::dtype_not_supported, op, dtype);
}

bool is_depthwise(const Conv2dShape& s) { return s.groups == s.c_in && s.c_in > 0 && s.c_out % s.c_in == 0; }

}  // namespace

std::shared_ptr<const Conv2dPacked> conv2d_pack(const Conv2dShape& s, const float* w, const float* bias) {
  if (s.groups < 1 || s.c_in % s.groups != 0 || s.c_out % s.groups != 0 || is_depthwise(s)) return nullptr;
  return conv_direct_pack(s, w, bias);
}

void conv2d_forward(DType dtype, const Conv2dShape& s, const void* x, const void* w, const void* bias, void* y,
                    const Conv2dPacked* packed) {
  dispatch_conv(dtype, "conv2d", [&](auto tag) {
    using T = decltype(tag);
    const T* xt = static_cast<const T*>(x);
    const T* wt = static_cast<const T*>(w);
    const T* bt = static_cast<const T*>(bias);
    T* yt = static_cast<T*>(y);
    if (s.n == 0 || s.c_out == 0 || s.oh * s.ow == 0) return;
    if (s.c_in == 0 || s.kh * s.kw == 0) {  // an empty sum: y is the bias
      for (int64_t p = 0; p < s.n * s.c_out; ++p)
        std::fill(yt + p * s.oh * s.ow, yt + (p + 1) * s.oh * s.ow, bt ? bt[p % s.c_out] : T(0));
      return;
    }
    if (is_depthwise(s))
      conv_depthwise_forward(s, xt, wt, bt, yt);
    else if constexpr (std::is_same_v<T, float>) {
      if (packed && conv_direct_forward_packed(s, xt, *packed, bt, yt)) return;
      if (!conv_direct_forward(s, xt, wt, bt, yt)) conv_gemm_forward(s, xt, wt, bt, yt);
    } else
      conv_gemm_forward(s, xt, wt, bt, yt);
  });
}

void conv2d_input_grad(DType dtype, const Conv2dShape& s, const void* gy, const void* w, void* gx) {
  dispatch_conv(dtype, "conv2d_input_grad", [&](auto tag) {
    using T = decltype(tag);
    const T* gyt = static_cast<const T*>(gy);
    const T* wt = static_cast<const T*>(w);
    T* gxt = static_cast<T*>(gx);
    if (s.n == 0 || s.c_in == 0 || s.h * s.w == 0) return;
    if (s.oh * s.ow == 0 || s.c_out == 0 || s.kh * s.kw == 0) {
      std::fill(gxt, gxt + s.n * s.c_in * s.h * s.w, T(0));
      return;
    }
    if (is_depthwise(s))
      conv_depthwise_input_grad(s, gyt, wt, gxt);
    else if constexpr (std::is_same_v<T, float>) {
      if (!conv_direct_input_grad(s, gyt, wt, gxt)) conv_gemm_input_grad(s, gyt, wt, gxt);
    } else
      conv_gemm_input_grad(s, gyt, wt, gxt);
  });
}

void conv2d_weight_grad(DType dtype, const Conv2dShape& s, const void* gy, const void* x, void* gw) {
  dispatch_conv(dtype, "conv2d_weight_grad", [&](auto tag) {
    using T = decltype(tag);
    const T* gyt = static_cast<const T*>(gy);
    const T* xt = static_cast<const T*>(x);
    T* gwt = static_cast<T*>(gw);
    const int64_t size = s.c_out * (s.groups > 0 ? s.c_in / s.groups : 0) * s.kh * s.kw;
    if (size == 0) return;
    if (s.n == 0 || s.oh * s.ow == 0) {
      std::fill(gwt, gwt + size, T(0));
      return;
    }
    if (is_depthwise(s))
      conv_depthwise_weight_grad(s, gyt, xt, gwt);
    else if constexpr (std::is_same_v<T, float>) {
      if (!conv_direct_weight_grad(s, gyt, xt, gwt)) conv_gemm_weight_grad(s, gyt, xt, gwt);
    } else
      conv_gemm_weight_grad(s, gyt, xt, gwt);
  });
}

}  // namespace hangu::kernels
