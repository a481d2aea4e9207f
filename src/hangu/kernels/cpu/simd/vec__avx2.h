#pragma once
// AVX2 + FMA f32 vector traits for the templates of f32_kernels_impl.h (the same interface as
// vec__avx512.h; masks are vectors of all-ones lanes). Include only from *__avx2.cpp files.
#include <immintrin.h>

#include <cstdint>

#include "hangu/kernels/cpu/simd/fp_contract_off.h"

namespace hangu::kernels::simd {
namespace {  // internal linkage: no inline function of this TU can stand in for another ISA's

struct Avx2 {
  using F = __m256;   // 8 floats
  using I = __m256i;  // 8 int32
  using M = __m256;   // a lane is all ones where true
  using D = __m256d;  // 4 doubles
  static constexpr int kWidth = 8;

  static F zero() { return _mm256_setzero_ps(); }
  static F set1(float v) { return _mm256_set1_ps(v); }
  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static I tail(int64_t n) {  // lanes [0, n) set, 0 <= n < 8
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int32_t>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static F load_n(const float* p, int64_t n) { return _mm256_maskload_ps(p, tail(n)); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static void store_n(float* p, F v, int64_t n) { _mm256_maskstore_ps(p, tail(n), v); }
  static F keep_n(F v, int64_t n) { return _mm256_and_ps(v, _mm256_castsi256_ps(tail(n))); }  // lanes >= n zeroed

  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm256_fmadd_ps(a, b, c); }
  static F fnma(F a, F b, F c) { return _mm256_fnmadd_ps(a, b, c); }
  static F sqrt(F a) { return _mm256_sqrt_ps(a); }
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F abs(F a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
  static F neg(F a) { return _mm256_xor_ps(a, _mm256_set1_ps(-0.0f)); }
  static F sign_bit(F a) { return _mm256_and_ps(a, _mm256_set1_ps(-0.0f)); }
  static F or_bits(F a, F b) { return _mm256_or_ps(a, b); }
  static F round_nearest(F a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

  static M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M le(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LE_OQ); }
  static M gt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
  static M eq(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
  static M isnan(F a) { return _mm256_cmp_ps(a, a, _CMP_UNORD_Q); }
  static M mask_or(M a, M b) { return _mm256_or_ps(a, b); }
  static M mask_and(M a, M b) { return _mm256_and_ps(a, b); }
  static bool any(M m) { return _mm256_movemask_ps(m) != 0; }
  static F select(M m, F a, F b) { return _mm256_blendv_ps(b, a, m); }  // m ? a : b

  static I to_int(F a) { return _mm256_cvtps_epi32(a); }
  static F to_float(I a) { return _mm256_cvtepi32_ps(a); }
  static I add_i(I a, I b) { return _mm256_add_epi32(a, b); }
  static I sub_i(I a, I b) { return _mm256_sub_epi32(a, b); }
  static I set1_i(int32_t v) { return _mm256_set1_epi32(v); }
  static I srai(I a, int k) { return _mm256_srai_epi32(a, k); }
  static I srli(I a, int k) { return _mm256_srli_epi32(a, k); }
  static I slli(I a, int k) { return _mm256_slli_epi32(a, k); }
  static I and_i(I a, I b) { return _mm256_and_si256(a, b); }
  static I or_i(I a, I b) { return _mm256_or_si256(a, b); }
  static I bits(F a) { return _mm256_castps_si256(a); }
  static F from_bits(I a) { return _mm256_castsi256_ps(a); }

  static D zero_d() { return _mm256_setzero_pd(); }
  static D lo_d(F a) { return _mm256_cvtps_pd(_mm256_castps256_ps128(a)); }
  static D hi_d(F a) { return _mm256_cvtps_pd(_mm256_extractf128_ps(a, 1)); }
  static D add_d(D a, D b) { return _mm256_add_pd(a, b); }
  static D load_d(const double* p) { return _mm256_loadu_pd(p); }
  static void store_d(double* p, D v) { _mm256_storeu_pd(p, v); }
  static double hsum_d(D a) {
    double t[4];
    _mm256_storeu_pd(t, a);
    return (t[0] + t[1]) + (t[2] + t[3]);
  }
  static float hmax(F a) {
    float t[8];
    _mm256_storeu_ps(t, a);
    float m = t[0];
    for (int i = 1; i < 8; ++i) m = t[i] > m ? t[i] : m;
    return m;
  }
};

}  // namespace
}  // namespace hangu::kernels::simd
