// FMA chains at AVX2 (see fma_peak.h).
#include <immintrin.h>

#include "hangu/kernels/cpu/fma_peak.h"

namespace hangu::kernels::peak_detail {

double fma_chains__avx2(int64_t iters, float* sink) {
  constexpr int kChains = 12;  // 2 FMA ports x 4-5 cycles latency, within 16 ymm registers
  __m256 acc[kChains];
  for (int i = 0; i < kChains; ++i) acc[i] = _mm256_set1_ps(1.0f + 1e-3f * static_cast<float>(i));
  const __m256 mul = _mm256_set1_ps(0.9999999f), add = _mm256_set1_ps(1e-7f);
  for (int64_t it = 0; it < iters; ++it) {
#pragma GCC unroll 12
    for (int i = 0; i < kChains; ++i) acc[i] = _mm256_fmadd_ps(acc[i], mul, add);
  }
  __m256 s = acc[0];
  for (int i = 1; i < kChains; ++i) s = _mm256_add_ps(s, acc[i]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, s);
  for (float x : lanes) *sink += x;
  return 2.0 * 8.0 * kChains * static_cast<double>(iters);
}

}  // namespace hangu::kernels::peak_detail
