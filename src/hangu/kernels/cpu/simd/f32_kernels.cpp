#include "hangu/kernels/cpu/simd/f32_kernels.h"

#include "hangu/kernels/cpu/isa.h"

namespace hangu::kernels::simd {

const F32Kernels* f32_kernels() {
  switch (active_isa()) {
    case Isa::avx512:
      return &f32_kernels__avx512();
    case Isa::avx2:
      return &f32_kernels__avx2();
    case Isa::reference:
      return nullptr;
  }
  return nullptr;
}

}  // namespace hangu::kernels::simd
