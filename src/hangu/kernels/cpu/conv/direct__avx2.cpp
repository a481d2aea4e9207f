// The direct convolution (direct_impl.h) over avx2 vectors: 4 output channels x 3 vectors of
// positions per register tile.
#include "hangu/kernels/cpu/conv/direct_cvec_impl.h"
#include "hangu/kernels/cpu/conv/direct_impl.h"
#include "hangu/kernels/cpu/conv/direct_wgrad_impl.h"
#include "hangu/kernels/cpu/conv/vec__avx2.h"

namespace hangu::kernels {

void f32_conv_direct__avx2(const DirectConv& d, const float* x, const float* w, bool transposed, const float* bias,
                           float* y) {
  direct::run<VecF32Avx2, 4, 3>(d, x, w, transposed, bias, y);
}

void f32_conv_direct_cvec__avx2(const DirectConv& d, const float* x, const float* w, bool transposed,
                                const float* bias, float* y, const float* packed) {
  cvec::run<VecF32Avx2, 6, 2>(d, x, w, transposed, bias, y, packed);  // 12 of the 16 registers accumulate
}

void f32_conv_direct_cvec_weight_grad__avx2(const DirectConv& d, const float* gy, const float* x, float* gw) {
  cvec::run_weight_grad<VecF32Avx2, 1>(d, gy, x, gw);  // 9 accumulators for 3 x 3
}

void f32_conv_direct_weight_grad__avx2(const DirectConv& d, const float* gy, const float* x, float* gw) {
  direct::run_weight_grad<VecF32Avx2, 2, 5>(d, gy, x, gw);
}

}  // namespace hangu::kernels
