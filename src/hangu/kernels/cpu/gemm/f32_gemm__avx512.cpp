// f32 GEMM kernels for AVX-512 (compiled with the AVX-512 flags only; see cmake/HanguIsa.cmake).
// GCC 12 warns about _mm512_undefined_ps() inside its own intrinsics (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "hangu/kernels/cpu/gemm/f32_gemm_kernels.h"

namespace hangu::kernels::gemm_detail {
namespace {

struct V512 {
  using Reg = __m512;
  using Mask = __mmask16;
  static constexpr int kLanes = 16;
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg set1(float x) { return _mm512_set1_ps(x); }
  static Reg load(const float* p) { return _mm512_load_ps(p); }
  static Reg loadu(const float* p) { return _mm512_loadu_ps(p); }
  static Mask mask_first(int64_t n) { return static_cast<Mask>((1u << n) - 1u); }
  static Reg load_mask(Mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  static void storeu(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  static void store_mask(Mask m, float* p, Reg v) { _mm512_mask_storeu_ps(p, m, v); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static Reg fnmadd(Reg a, Reg b, Reg c) { return _mm512_fnmadd_ps(a, b, c); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_ps(a, b); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm512_sub_ps(a, b); }
  static Reg div(Reg a, Reg b) { return _mm512_div_ps(a, b); }
  static Reg min(Reg a, Reg b) { return _mm512_min_ps(a, b); }
  static Reg max(Reg a, Reg b) { return _mm512_max_ps(a, b); }
  static Reg round(Reg x) { return _mm512_roundscale_ps(x, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static Reg scale2(Reg x, Reg n) { return _mm512_scalef_ps(x, n); }
  static float reduce_add(Reg v) { return _mm512_reduce_add_ps(v); }
  static void prefetch(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T0); }
  static void prefetch_l2(const void* p) { _mm_prefetch(static_cast<const char*>(p), _MM_HINT_T1); }
};

// In-register 16 x 16 transpose: r[i] (row i) becomes column i.
inline void transpose16(__m512 (&r)[16]) {
  __m512 t[16], u[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  for (int i = 0; i < 4; ++i) {
    u[4 * i + 0] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0x44);
    u[4 * i + 1] = _mm512_shuffle_ps(t[4 * i], t[4 * i + 2], 0xEE);
    u[4 * i + 2] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0x44);
    u[4 * i + 3] = _mm512_shuffle_ps(t[4 * i + 1], t[4 * i + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 v = _mm512_shuffle_f32x4(u[c], u[4 + c], 0x88), w = _mm512_shuffle_f32x4(u[c], u[4 + c], 0xDD);
    const __m512 v2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0x88);
    const __m512 w2 = _mm512_shuffle_f32x4(u[8 + c], u[12 + c], 0xDD);
    r[c] = _mm512_shuffle_f32x4(v, v2, 0x88);
    r[c + 8] = _mm512_shuffle_f32x4(v, v2, 0xDD);
    r[c + 4] = _mm512_shuffle_f32x4(w, w2, 0x88);
    r[c + 12] = _mm512_shuffle_f32x4(w, w2, 0xDD);
  }
}

void pack_transposed(const float* src, int64_t ld, int64_t w, int64_t kc, int64_t W, float* dst) {
  for (int64_t j0 = 0; j0 < W; j0 += 16) {
    const int64_t lanes = W - j0 < 16 ? W - j0 : 16;
    const __mmask16 store_mask = static_cast<__mmask16>((1u << lanes) - 1u);
    for (int64_t p0 = 0; p0 < kc; p0 += 16) {
      const int64_t steps = kc - p0 < 16 ? kc - p0 : 16;
      const __mmask16 load_mask = static_cast<__mmask16>((1u << steps) - 1u);
      __m512 r[16];
      for (int64_t i = 0; i < 16; ++i) {
        if (j0 + i >= w) {
          r[i] = _mm512_setzero_ps();
          continue;
        }
        const float* row = src + (j0 + i) * ld + p0;
        if (p0 + 256 < kc) _mm_prefetch(reinterpret_cast<const char*>(row + 256), _MM_HINT_T0);  // 16 lines ahead
        r[i] = _mm512_maskz_loadu_ps(load_mask, row);
      }
      transpose16(r);
      for (int64_t q = 0; q < steps; ++q) _mm512_mask_storeu_ps(dst + (p0 + q) * W + j0, store_mask, r[q]);
    }
  }
}

}  // namespace
}  // namespace hangu::kernels::gemm_detail

#include "hangu/kernels/cpu/gemm/f32_gemm_template.h"

namespace hangu::kernels::gemm_detail {

// 14 x 32 tile: 28 zmm accumulators, two B vectors and a broadcast register. A packed A panel
// (14 x 512 floats, 28 KiB) is reused from L1/L2 by up to 16 tiles while B panels stream from a
// 512 x 512 block (1 MiB) in L2 (2 MiB per core). On this machine 6x64, 8x48, 12x32, 24x16 and
// 28x16 tiles, k blocks of 240..1024 and n blocks of 384..1024 measured within a few percent
// (a noisy, shared machine); this choice was the best or tied (n 768 gained ~1% on 2048^3 but
// lost ~5% on 64x4096x1024).
const F32GemmKernels& f32_gemm_kernels__avx512() {
  static const F32GemmKernels k = [] {
    F32GemmKernels t;
    t.mr = 14;
    t.nr = 32;
    t.kc = 512;
    t.nb = 512;
    t.ukr_direct = ukernel<V512, 14, 2, false>;
    const F32Ukernel rows[] = {ukernel<V512, 2, 2, true, 14>,  ukernel<V512, 4, 2, true, 14>,
                               ukernel<V512, 6, 2, true, 14>,  ukernel<V512, 8, 2, true, 14>,
                               ukernel<V512, 10, 2, true, 14>, ukernel<V512, 12, 2, true, 14>,
                               ukernel<V512, 14, 2, true, 14>};
    for (int r = 1; r <= 14; ++r) t.ukr_rows[r] = rows[(r + 1) / 2 - 1];
    t.gemv_axpy = gemv_axpy<V512>;
    t.gemv_dot = gemv_dot<V512>;
    t.row_epilogue = row_epilogue<V512>;
    t.pack_transposed = pack_transposed;
    t.pack_copy = pack_copy<V512>;
    return t;
  }();
  return k;
}

}  // namespace hangu::kernels::gemm_detail
