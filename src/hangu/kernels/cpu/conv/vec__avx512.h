#pragma once
// AVX-512 f32 traits for the SIMD kernel templates (see vec_scalar.h). Include only from
// *__avx512.cpp files: they alone are compiled with the AVX-512 flags.
#include <immintrin.h>

#include <cstdint>

namespace hangu::kernels {

struct VecF32Avx512 {
  using T = float;
  using reg = __m512;
  using mask = __mmask16;
  static constexpr int64_t W = 16;
  static reg zero() { return _mm512_setzero_ps(); }
  static reg set1(T v) { return _mm512_set1_ps(v); }
  static reg load(const T* p) { return _mm512_loadu_ps(p); }
  static reg loadz(const T* p, mask m) { return _mm512_maskz_loadu_ps(m, p); }
  static void store(T* p, reg v) { _mm512_storeu_ps(p, v); }
  static void store_mask(T* p, reg v, mask m) { _mm512_mask_storeu_ps(p, m, v); }
  static mask tail(int64_t n) { return n >= 16 ? mask(0xFFFF) : mask((1u << (n > 0 ? n : 0)) - 1u); }
  static mask range(int64_t lo, int64_t hi) { return mask(tail(hi) & ~tail(lo)); }  // lanes [lo, hi)
  static reg fma(reg a, reg b, reg c) { return _mm512_fmadd_ps(a, b, c); }
  static reg add(reg a, reg b) { return _mm512_add_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm512_mul_ps(a, b); }
  // The maskz_ forms below avoid GCC 12's false -Wmaybe-uninitialized in the plain intrinsics.
  static T hsum(reg v) {  // halves, then quarters ... in a fixed order
    const __m512 h = _mm512_add_ps(v, _mm512_maskz_shuffle_f32x4(0xFFFF, v, v, _MM_SHUFFLE(1, 0, 3, 2)));
    const __m256 q = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xF, _mm512_castps_pd(h), 0));
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(q), _mm256_extractf128_ps(q, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static reg load_even(const T* p) {
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(_mm512_loadu_ps(p), even, _mm512_loadu_ps(p + 16));
  }
  static reg load_even_n(const T* p, int64_t n) {
    const int64_t used = 2 * n - 1;  // p[0 .. 2n-1) only
    const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    return _mm512_permutex2var_ps(loadz(p, tail(used)), even, loadz(p + 16, tail(used - 16)));
  }
  using ireg = __m512i;
  static ireg lane_index(int64_t base, int64_t step) {
    const __m512i lanes = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
    return _mm512_add_epi32(_mm512_set1_epi32(static_cast<int32_t>(base)),
                            _mm512_mullo_epi32(lanes, _mm512_set1_epi32(static_cast<int32_t>(step))));
  }
  static void max_update(reg& best, ireg& best_idx, reg v, ireg v_idx) {
    const mask m = _mm512_cmp_ps_mask(v, best, _CMP_GT_OQ) | _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
    best = _mm512_mask_blend_ps(m, best, v);
    best_idx = _mm512_mask_blend_epi32(m, best_idx, v_idx);
  }
  static void store_index(int64_t* p, ireg v, int64_t n) {
    const __mmask8 lo = n >= 8 ? __mmask8(0xFF) : __mmask8((1u << (n > 0 ? n : 0)) - 1u);
    const int64_t m = n - 8;
    const __mmask8 hi = m >= 8 ? __mmask8(0xFF) : __mmask8((1u << (m > 0 ? m : 0)) - 1u);
    _mm512_mask_storeu_epi64(p, lo, _mm512_maskz_cvtepi32_epi64(0xFF, _mm512_maskz_extracti64x4_epi64(0xF, v, 0)));
    _mm512_mask_storeu_epi64(p + 8, hi, _mm512_maskz_cvtepi32_epi64(0xFF, _mm512_maskz_extracti64x4_epi64(0xF, v, 1)));
  }
};

}  // namespace hangu::kernels
