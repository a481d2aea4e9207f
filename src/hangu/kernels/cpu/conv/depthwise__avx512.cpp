// The depthwise kernels (depthwise_impl.h) over avx512 vectors of f32.
#include "hangu/kernels/cpu/conv/depthwise_impl.h"
#include "hangu/kernels/cpu/conv/depthwise_isa.h"
#include "hangu/kernels/cpu/conv/vec__avx512.h"

namespace hangu::kernels {

void f32_conv_depthwise_forward__avx512(const Conv2dShape& s, const float* x, const float* w, const float* bias,
                                        float* y) {
  depthwise::forward<VecF32Avx512>(s, x, w, bias, y);
}

void f32_conv_depthwise_input_grad__avx512(const Conv2dShape& s, const float* gy, const float* w, float* gx) {
  depthwise::input_grad<VecF32Avx512>(s, gy, w, gx);
}

void f32_conv_depthwise_weight_grad__avx512(const Conv2dShape& s, const float* gy, const float* x, float* gw) {
  depthwise::weight_grad<VecF32Avx512>(s, gy, x, gw);
}

}  // namespace hangu::kernels
