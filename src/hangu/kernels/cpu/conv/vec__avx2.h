#pragma once
// AVX2 + FMA f32 traits for the SIMD kernel templates (see vec_scalar.h). Include only from
// *__avx2.cpp files: they alone are compiled with the AVX2 flags.
#include <immintrin.h>

#include <cstdint>

namespace hangu::kernels {

struct VecF32Avx2 {
  using T = float;
  using reg = __m256;
  using mask = __m256i;
  static constexpr int64_t W = 8;
  static reg zero() { return _mm256_setzero_ps(); }
  static reg set1(T v) { return _mm256_set1_ps(v); }
  static reg load(const T* p) { return _mm256_loadu_ps(p); }
  static reg loadz(const T* p, mask m) { return _mm256_maskload_ps(p, m); }
  static void store(T* p, reg v) { _mm256_storeu_ps(p, v); }
  static void store_mask(T* p, reg v, mask m) { _mm256_maskstore_ps(p, m, v); }
  static mask tail(int64_t n) {
    const int32_t k = static_cast<int32_t>(n > 8 ? 8 : n);
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(k), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static mask range(int64_t lo, int64_t hi) { return _mm256_andnot_si256(tail(lo), tail(hi)); }  // lanes [lo, hi)
  static reg fma(reg a, reg b, reg c) { return _mm256_fmadd_ps(a, b, c); }
  static reg add(reg a, reg b) { return _mm256_add_ps(a, b); }
  static reg mul(reg a, reg b) { return _mm256_mul_ps(a, b); }
  static T hsum(reg v) {  // ((0+4)+(2+6)) + ((1+5)+(3+7)), a fixed order
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static reg even_of(reg a, reg b) {  // [a0 a2 a4 a6 b0 b2 b4 b6]
    const __m256 s = _mm256_shuffle_ps(a, b, _MM_SHUFFLE(2, 0, 2, 0));
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));
  }
  static reg load_even(const T* p) { return even_of(_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)); }
  static reg load_even_n(const T* p, int64_t n) {
    const int64_t used = 2 * n - 1;  // p[0 .. 2n-1) only
    return even_of(loadz(p, tail(used)), loadz(p + 8, tail(used - 8)));
  }
  using ireg = __m256i;
  static ireg lane_index(int64_t base, int64_t step) {
    const __m256i lanes = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    return _mm256_add_epi32(_mm256_set1_epi32(static_cast<int32_t>(base)),
                            _mm256_mullo_epi32(lanes, _mm256_set1_epi32(static_cast<int32_t>(step))));
  }
  static void max_update(reg& best, ireg& best_idx, reg v, ireg v_idx) {
    const __m256 m = _mm256_or_ps(_mm256_cmp_ps(v, best, _CMP_GT_OQ), _mm256_cmp_ps(v, v, _CMP_UNORD_Q));
    best = _mm256_blendv_ps(best, v, m);
    best_idx = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(best_idx), _mm256_castsi256_ps(v_idx), m));
  }
  static __m256i tail64(int64_t n) { return _mm256_cmpgt_epi64(_mm256_set1_epi64x(n), _mm256_setr_epi64x(0, 1, 2, 3)); }
  static void store_index(int64_t* p, ireg v, int64_t n) {
    auto* q = reinterpret_cast<long long*>(p);
    _mm256_maskstore_epi64(q, tail64(n), _mm256_cvtepi32_epi64(_mm256_castsi256_si128(v)));
    _mm256_maskstore_epi64(q + 4, tail64(n - 4), _mm256_cvtepi32_epi64(_mm256_extracti128_si256(v, 1)));
  }
};

}  // namespace hangu::kernels
