// The direct convolution (direct_impl.h) over avx512 vectors: 8 output channels x 3 vectors of
// positions per register tile.
#include "hangu/kernels/cpu/conv/direct_cvec_impl.h"
#include "hangu/kernels/cpu/conv/direct_impl.h"
#include "hangu/kernels/cpu/conv/direct_wgrad_impl.h"
#include "hangu/kernels/cpu/conv/vec__avx512.h"

namespace hangu::kernels {

void f32_conv_direct__avx512(const DirectConv& d, const float* x, const float* w, bool transposed, const float* bias,
                             float* y) {
  direct::run<VecF32Avx512, 8, 3>(d, x, w, transposed, bias, y);
}

void f32_conv_direct_cvec__avx512(const DirectConv& d, const float* x, const float* w, bool transposed,
                                  const float* bias, float* y, const float* packed) {
  // 64k channels: 7 positions x 64 channels (28 accumulators) for rows of 7 and 14 (ResNet-18's
  // 7 x 7 and 14 x 14), else 4 x 64 (8 x 8: 4.7 ms against 5.5 for 8 x 32 on ResNet-20's layer at
  // batch 128); fewer channels: 8 positions x 32 channels.
  if (cvec_block(true, d.c_out / d.groups) == 64) {
    if (d.ow % 7 == 0)
      cvec::run<VecF32Avx512, 7, 4>(d, x, w, transposed, bias, y, packed);
    else
      cvec::run<VecF32Avx512, 4, 4>(d, x, w, transposed, bias, y, packed);
  } else {
    cvec::run<VecF32Avx512, 8, 2>(d, x, w, transposed, bias, y, packed);
  }
}

void f32_conv_direct_cvec_weight_grad__avx512(const DirectConv& d, const float* gy, const float* x, float* gw) {
  cvec::run_weight_grad<VecF32Avx512, 2>(d, gy, x, gw);  // 18 accumulators for 3 x 3
}

void f32_conv_direct_weight_grad__avx512(const DirectConv& d, const float* gy, const float* x, float* gw) {
  direct::run_weight_grad<VecF32Avx512, 3, 9>(d, gy, x, gw);
}

}  // namespace hangu::kernels
