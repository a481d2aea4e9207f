#pragma once
// AVX-512 f32 vector traits for the templates of f32_kernels_impl.h. Include only from
// *__avx512.cpp files: they alone are compiled with the AVX-512 flags.
#include "hangu/kernels/cpu/simd/fp_contract_off.h"

// GCC 12 reports the deliberately undefined operands inside its own AVX-512 intrinsics as
// uninitialised (GCC bug 105593, fixed in 13); the pragmas cover the header's lines only.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

#include <cstdint>

namespace hangu::kernels::simd {
namespace {  // internal linkage: no inline function of this TU can stand in for another ISA's

struct Avx512 {
  using F = __m512;   // 16 floats
  using I = __m512i;  // 16 int32
  using M = __mmask16;
  using D = __m512d;  // 8 doubles
  static constexpr int kWidth = 16;

  static F zero() { return _mm512_setzero_ps(); }
  static F set1(float v) { return _mm512_set1_ps(v); }
  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static M tail(int64_t n) { return static_cast<M>((1u << n) - 1u); }  // 0 <= n < 16
  static F load_n(const float* p, int64_t n) { return _mm512_maskz_loadu_ps(tail(n), p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static void store_n(float* p, F v, int64_t n) { _mm512_mask_storeu_ps(p, tail(n), v); }
  static F keep_n(F v, int64_t n) { return _mm512_maskz_mov_ps(tail(n), v); }  // lanes >= n zeroed

  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F fma(F a, F b, F c) { return _mm512_fmadd_ps(a, b, c); }    // a * b + c, rounded once
  static F fnma(F a, F b, F c) { return _mm512_fnmadd_ps(a, b, c); }  // c - a * b, rounded once
  static F sqrt(F a) { return _mm512_sqrt_ps(a); }
  // x86 min/max: the second operand when either is NaN.
  static F min(F a, F b) { return _mm512_min_ps(a, b); }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F abs(F a) { return _mm512_abs_ps(a); }
  static F neg(F a) { return _mm512_xor_ps(a, _mm512_set1_ps(-0.0f)); }
  static F sign_bit(F a) { return _mm512_and_ps(a, _mm512_set1_ps(-0.0f)); }
  static F or_bits(F a, F b) { return _mm512_or_ps(a, b); }
  static F round_nearest(F a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

  static M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M le(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LE_OQ); }
  static M gt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
  static M eq(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
  static M isnan(F a) { return _mm512_cmp_ps_mask(a, a, _CMP_UNORD_Q); }
  static M mask_or(M a, M b) { return static_cast<M>(a | b); }
  static M mask_and(M a, M b) { return static_cast<M>(a & b); }
  static bool any(M m) { return m != 0; }
  static F select(M m, F a, F b) { return _mm512_mask_blend_ps(m, b, a); }  // m ? a : b

  // Integer views for exponent manipulation.
  static I to_int(F a) { return _mm512_cvtps_epi32(a); }  // a already integral
  static F to_float(I a) { return _mm512_cvtepi32_ps(a); }
  static I add_i(I a, I b) { return _mm512_add_epi32(a, b); }
  static I sub_i(I a, I b) { return _mm512_sub_epi32(a, b); }
  static I set1_i(int32_t v) { return _mm512_set1_epi32(v); }
  static I srai(I a, int k) { return _mm512_srai_epi32(a, static_cast<unsigned>(k)); }
  static I srli(I a, int k) { return _mm512_srli_epi32(a, static_cast<unsigned>(k)); }
  static I slli(I a, int k) { return _mm512_slli_epi32(a, static_cast<unsigned>(k)); }
  static I and_i(I a, I b) { return _mm512_and_si512(a, b); }
  static I or_i(I a, I b) { return _mm512_or_si512(a, b); }
  static I bits(F a) { return _mm512_castps_si512(a); }
  static F from_bits(I a) { return _mm512_castsi512_ps(a); }

  // Double accumulation: the 16 floats as two halves of 8 doubles.
  static D zero_d() { return _mm512_setzero_pd(); }
  // (maskz forms: GCC 12 warns about the undefined source operand of the plain ones)
  static D lo_d(F a) { return _mm512_maskz_cvtps_pd(0xFF, _mm512_castps512_ps256(a)); }
  static D hi_d(F a) {
    return _mm512_maskz_cvtps_pd(0xFF, _mm512_castps512_ps256(_mm512_shuffle_f32x4(a, a, _MM_SHUFFLE(3, 2, 3, 2))));
  }
  static D add_d(D a, D b) { return _mm512_add_pd(a, b); }
  static D load_d(const double* p) { return _mm512_loadu_pd(p); }
  static void store_d(double* p, D v) { _mm512_storeu_pd(p, v); }
  static double hsum_d(D a) {  // fixed order: lanes 0..7 pairwise
    double t[8];
    _mm512_storeu_pd(t, a);
    return ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
  }
  static float hmax(F a) { return _mm512_reduce_max_ps(a); }
};

}  // namespace
}  // namespace hangu::kernels::simd
