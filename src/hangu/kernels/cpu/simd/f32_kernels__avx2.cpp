// The f32 kernels (f32_kernels_impl.h) over AVX2 vectors.
#include "hangu/kernels/cpu/simd/f32_kernels_impl.h"
#include "hangu/kernels/cpu/simd/vec__avx2.h"

namespace hangu::kernels::simd {

const F32Kernels& f32_kernels__avx2() {
  static const F32Kernels k = make_f32_kernels<Avx2>("avx2");
  return k;
}

}  // namespace hangu::kernels::simd
