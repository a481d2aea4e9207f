// The pooling kernels (pool2d_impl.h) over avx2 vectors of f32.
#include "hangu/kernels/cpu/conv/vec__avx2.h"
#include "hangu/kernels/cpu/pool/pool2d_impl.h"
#include "hangu/kernels/cpu/pool/pool2d_isa.h"

namespace hangu::kernels {

void f32_max_pool2d__avx2(const Pool2dShape& s, const float* x, float* y, int64_t* idx) {
  pool::max_forward<VecF32Avx2>(s, x, y, idx);
}

void f32_avg_pool2d__avx2(const Pool2dShape& s, bool count_include_pad, const float* x, float* y) {
  pool::avg_forward<VecF32Avx2>(s, count_include_pad, x, y);
}

void f32_global_avg_pool2d__avx2(const Pool2dShape& s, const float* x, float* y) {
  pool::global_avg_forward<VecF32Avx2>(s, x, y);
}

}  // namespace hangu::kernels
