// f32 GEMM kernels for AVX2 + FMA (compiled with the AVX2 flags only; see cmake/HanguIsa.cmake).
#include <immintrin.h>

#include "hangu/kernels/cpu/gemm/f32_gemm_kernels.h"

namespace hangu::kernels::gemm_detail {
namespace {

struct V256 {
  using Reg = __m256;
  using Mask = __m256i;
  static constexpr int kLanes = 8;
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg set1(float x) { return _mm256_set1_ps(x); }
  static Reg load(const float* p) { return _mm256_load_ps(p); }
  static Reg loadu(const float* p) { return _mm256_loadu_ps(p); }
  static Mask mask_first(int64_t n) {
    return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  }
  static Reg load_mask(Mask m, const float* p) { return _mm256_maskload_ps(p, m); }
  static void storeu(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  static void store_mask(Mask m, float* p, Reg v) { _mm256_maskstore_ps(p, m, v); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
  static Reg fnmadd(Reg a, Reg b, Reg c) { return _mm256_fnmadd_ps(a, b, c); }
  static Reg mul(Reg a, Reg b) { return _mm256_mul_ps(a, b); }
  static Reg add(Reg a, Reg b) { return _mm256_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm256_sub_ps(a, b); }
  static Reg div(Reg a, Reg b) { return _mm256_div_ps(a, b); }
  static Reg min(Reg a, Reg b) { return _mm256_min_ps(a, b); }
  static Reg max(Reg a, Reg b) { return _mm256_max_ps(a, b); }
  static Reg round(Reg x) { return _mm256_round_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  // 2^n built in the exponent field; n is integral in [-126, 127] (vexp's clamp).
  static Reg scale2(Reg x, Reg n) {
    const __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_mul_ps(x, _mm256_castsi256_ps(e));
  }
  static float reduce_add(Reg v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_movehdup_ps(s));
    return _mm_cvtss_f32(s);
  }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  static void prefetch_l2(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T1); }
};

// In-register 8 x 8 transpose: r[i] (row i) becomes column i.
inline void transpose8(__m256 (&r)[8]) {
  __m256 t[8], u[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 2; ++i) {
    u[4 * i + 0] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm256_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm256_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
    r[c + 4] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
  }
}

void pack_transposed(const float* src, int64_t ld, int64_t w, int64_t kc, int64_t W, float* dst) {
  for (int64_t j0 = 0; j0 < W; j0 += 8) {
    const int64_t lanes = W - j0 < 8 ? W - j0 : 8;
    const __m256i store_mask = V256::mask_first(lanes);
    for (int64_t p0 = 0; p0 < kc; p0 += 8) {
      const int64_t steps = kc - p0 < 8 ? kc - p0 : 8;
      const __m256i load_mask = V256::mask_first(steps);
      __m256 r[8];
      for (int64_t i = 0; i < 8; ++i)
        r[i] = j0 + i < w ? _mm256_maskload_ps(src + (j0 + i) * ld + p0, load_mask) : _mm256_setzero_ps();
      transpose8(r);
      for (int64_t q = 0; q < steps; ++q) _mm256_maskstore_ps(dst + (p0 + q) * W + j0, store_mask, r[q]);
    }
  }
}

}  // namespace
}  // namespace hangu::kernels::gemm_detail

#include "hangu/kernels/cpu/gemm/f32_gemm_template.h"

namespace hangu::kernels::gemm_detail {

// 6 x 16 tile: 12 ymm accumulators, two B vectors and a broadcast (15 of 16 registers); the A
// panel (6 x 512 floats, 12 KiB) stays in L1, the B block (512 x 512, 1 MiB) in L2.
const F32GemmKernels& f32_gemm_kernels__avx2() {
  static const F32GemmKernels k = [] {
    F32GemmKernels t;
    t.mr = 6;
    t.nr = 16;
    t.kc = 512;
    t.nb = 512;
    t.ukr_direct = ukernel<V256, 6, 2, false>;
    const F32Ukernel rows[] = {ukernel<V256, 2, 2, true, 6>, ukernel<V256, 4, 2, true, 6>,
                               ukernel<V256, 6, 2, true, 6>};
    for (int r = 1; r <= 6; ++r) t.ukr_rows[r] = rows[(r + 1) / 2 - 1];
    t.gemv_axpy = gemv_axpy<V256>;
    t.gemv_dot = gemv_dot<V256>;
    t.row_epilogue = row_epilogue<V256>;
    t.pack_transposed = pack_transposed;
    t.pack_copy = pack_copy<V256>;
    return t;
  }();
  return k;
}

}  // namespace hangu::kernels::gemm_detail
