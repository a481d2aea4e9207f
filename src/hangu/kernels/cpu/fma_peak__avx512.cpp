// FMA chains at AVX-512 (see fma_peak.h).
#include <immintrin.h>

#include "hangu/kernels/cpu/fma_peak.h"

namespace hangu::kernels::peak_detail {

double fma_chains__avx512(int64_t iters, float* sink) {
  constexpr int kChains = 24;  // 2 FMA ports x 4 cycles latency x 3: the ports never wait
  __m512 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm512_set1_ps(1.0f + 1e-3f * static_cast<float>(i));
  const __m512 mul = _mm512_set1_ps(0.9999999f), add = _mm512_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 24
    for (int i = 0; i < kChains; ++i) acc[i] = _mm512_fmadd_ps(acc[i], mul, add);
  }
  __m512 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm512_add_ps(s, acc[i]);
  *sink += _mm512_reduce_add_ps(s);
  return 2.0 * 16.0 * kChains * static_cast<double>(iters);
}

}  // namespace hangu::kernels::peak_detail
