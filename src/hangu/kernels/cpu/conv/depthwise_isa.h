#pragma once
// The per-instruction-set f32 instantiations of the depthwise kernels (depthwise_impl.h), defined
// in depthwise__avx2.cpp and depthwise__avx512.cpp; depthwise.cpp picks one by active_isa().
#include "hangu/kernels/cpu/conv.h"

namespace hangu::kernels {

#define HANGU_DEPTHWISE_DECLARE(SUFFIX)                                                                              \
  void f32_conv_depthwise_forward__##SUFFIX(const Conv2dShape& s, const float* x, const float* w, const float* bias, \
                                            float* y);                                                               \
  void f32_conv_depthwise_input_grad__##SUFFIX(const Conv2dShape& s, const float* gy, const float* w, float* gx);    \
  void f32_conv_depthwise_weight_grad__##SUFFIX(const Conv2dShape& s, const float* gy, const float* x, float* gw);
HANGU_DEPTHWISE_DECLARE(avx2)
HANGU_DEPTHWISE_DECLARE(avx512)
#undef HANGU_DEPTHWISE_DECLARE

}  // namespace hangu::kernels
