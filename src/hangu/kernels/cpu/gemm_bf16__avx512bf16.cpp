// bf16 GEMM, AVX512-BF16 kernels: operands packed as pairs of k (the layout vdpbf16ps reads), a
// 14 x 32 tile of f32 accumulators, each vdpbf16ps adding 32 products (16 lanes x 2 k). Epilogues
// come from the AVX-512 set.
// GCC 12 warns about _mm512_undefined_*() inside its own intrinsics (GCC bug 105593).
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include "hangu/kernels/cpu/gemm_bf16_kernels.h"

namespace hangu::kernels::bf16_detail {
namespace {

constexpr int kMr = 14, kNr = 32;
// The A panels stream from L2 (the B panel stays in L1): fetch A this many k steps ahead.
constexpr int kPrefetchSteps = 32;

inline __m512bh as_bh(__m512i x) { return reinterpret_cast<__m512bh&>(x); }

inline __mmask32 mask32(int64_t n) { return n >= 32 ? __mmask32(0xffffffffu) : static_cast<__mmask32>((1u << n) - 1u); }

template <int R>
void tile(int64_t ks, const void* av, const void* bv, float* acc, bool accumulate) {
  const uint32_t* a = static_cast<const uint32_t*>(av);
  const uint32_t* b = static_cast<const uint32_t*>(bv);
  __m512 c0[R], c1[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    c0[r] = accumulate ? _mm512_loadu_ps(acc + r * kNr) : _mm512_setzero_ps();
    c1[r] = accumulate ? _mm512_loadu_ps(acc + r * kNr + 16) : _mm512_setzero_ps();
  }
  for (int64_t s = 0; s < ks; ++s) {
    _mm_prefetch(reinterpret_cast<const char*>(a + kMr * kPrefetchSteps), _MM_HINT_T0);
    const __m512bh b0 = as_bh(_mm512_loadu_si512(b));
    const __m512bh b1 = as_bh(_mm512_loadu_si512(b + 16));
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512bh ar = as_bh(_mm512_set1_epi32(static_cast<int>(a[r])));
      c0[r] = _mm512_dpbf16_ps(c0[r], ar, b0);
      c1[r] = _mm512_dpbf16_ps(c1[r], ar, b1);
    }
    a += kMr;
    b += kNr;
  }
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    _mm512_storeu_ps(acc + r * kNr, c0[r]);
    _mm512_storeu_ps(acc + r * kNr + 16, c1[r]);
  }
}

// C columns of B (k contiguous each) against a, 32 k per step, then a fixed reduction.
template <int C>
void gemv_dot_cols(int64_t k, const uint16_t* a, const uint16_t* b, int64_t ldb, float* y) {
  __m512 acc[C];
#pragma GCC unroll 8
  for (int c = 0; c < C; ++c) acc[c] = _mm512_setzero_ps();
  for (int64_t p = 0; p < k; p += 32) {
    const __mmask32 m = mask32(k - p);
    const __m512bh ap = as_bh(_mm512_maskz_loadu_epi16(m, a + p));
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c)
      acc[c] = _mm512_dpbf16_ps(acc[c], ap, as_bh(_mm512_maskz_loadu_epi16(m, b + c * ldb + p)));
  }
#pragma GCC unroll 8
  for (int c = 0; c < C; ++c) y[c] = _mm512_reduce_add_ps(acc[c]);
}

void gemv_dot(int64_t k, int64_t n, const uint16_t* a, const uint16_t* b, int64_t ldb, float* y) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) gemv_dot_cols<8>(k, a, b + j * ldb, ldb, y + j);
  for (; j < n; ++j) gemv_dot_cols<1>(k, a, b + j * ldb, ldb, y + j);
}

// Rows 2s and 2s+1 of B are interleaved in registers (unpacklo/hi_epi16): lane 4l+w of `lo` holds
// column 8l+w, of `hi` column 8l+4+w. While the rows stream in (four at a time), y holds each
// group of 32 columns as [lo | hi]; the permutes at the end restore column order.
void gemv_axpy(int64_t k, int64_t n, const uint16_t* a, int64_t a_cs, const uint16_t* b, int64_t ldb, float* y) {
  for (int64_t j = 0; j < n; j += 32) {
    _mm512_storeu_ps(y + j, _mm512_setzero_ps());
    _mm512_storeu_ps(y + j + 16, _mm512_setzero_ps());
  }
  auto pair = [&](int64_t p) {  // a[p], a[p + 1] (zero past k) as one broadcast pair
    const uint32_t hi = p + 1 < k ? static_cast<uint32_t>(a[(p + 1) * a_cs]) << 16 : 0u;
    return as_bh(_mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(a[p * a_cs]) | hi)));
  };
  auto load = [](__mmask32 m, const uint16_t* r) {
    return r ? _mm512_maskz_loadu_epi16(m, r) : _mm512_setzero_si512();
  };
  for (int64_t p = 0; p < k; p += 4) {
    const __m512bh a01 = pair(p);
    const bool two = p + 2 < k;  // a second pair of rows
    const __m512bh a23 = two ? pair(p + 2) : as_bh(_mm512_setzero_si512());
    const uint16_t* r0 = b + p * ldb;
    const uint16_t* r1 = p + 1 < k ? r0 + ldb : nullptr;
    const uint16_t* r2 = two ? r0 + 2 * ldb : nullptr;
    const uint16_t* r3 = p + 3 < k ? r0 + 3 * ldb : nullptr;
    for (int64_t j = 0; j < n; j += 32) {
      const __mmask32 m = mask32(n - j);
      const __m512i x0 = load(m, r0 + j), x1 = load(m, r1 ? r1 + j : nullptr);
      __m512 lo = _mm512_dpbf16_ps(_mm512_loadu_ps(y + j), a01, as_bh(_mm512_unpacklo_epi16(x0, x1)));
      __m512 hi = _mm512_dpbf16_ps(_mm512_loadu_ps(y + j + 16), a01, as_bh(_mm512_unpackhi_epi16(x0, x1)));
      if (two) {
        const __m512i x2 = load(m, r2 + j), x3 = load(m, r3 ? r3 + j : nullptr);
        lo = _mm512_dpbf16_ps(lo, a23, as_bh(_mm512_unpacklo_epi16(x2, x3)));
        hi = _mm512_dpbf16_ps(hi, a23, as_bh(_mm512_unpackhi_epi16(x2, x3)));
      }
      _mm512_storeu_ps(y + j, lo);
      _mm512_storeu_ps(y + j + 16, hi);
    }
  }
  const __m512i idx0 = _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 4, 5, 6, 7, 20, 21, 22, 23);
  const __m512i idx1 = _mm512_setr_epi32(8, 9, 10, 11, 24, 25, 26, 27, 12, 13, 14, 15, 28, 29, 30, 31);
  for (int64_t j = 0; j < n; j += 32) {
    const __m512 lo = _mm512_loadu_ps(y + j), hi = _mm512_loadu_ps(y + j + 16);
    _mm512_storeu_ps(y + j, _mm512_permutex2var_ps(lo, idx0, hi));
    _mm512_storeu_ps(y + j + 16, _mm512_permutex2var_ps(lo, idx1, hi));
  }
}

KernelSet make_set() {
  KernelSet k{};
  k.name = "avx512_dot";
  k.format = PackFormat::pairs;
  k.mr = kMr;
  k.nr = kNr;
  k.mc = kMr * 36;
  k.kc = 128;  // pairs: 256 k, a 16 KiB B panel
  k.nc = kNr * 16;
  k.tile[1] = tile<1>;
  k.tile[2] = tile<2>;
  k.tile[3] = tile<3>;
  k.tile[4] = tile<4>;
  k.tile[5] = tile<5>;
  k.tile[6] = tile<6>;
  k.tile[7] = tile<7>;
  k.tile[8] = tile<8>;
  k.tile[9] = tile<9>;
  k.tile[10] = tile<10>;
  k.tile[11] = tile<11>;
  k.tile[12] = tile<12>;
  k.tile[13] = tile<13>;
  k.tile[14] = tile<14>;
  k.store_f32 = store_f32__avx512;
  k.store_bf16 = store_bf16__avx512;
  k.gemv_dot = gemv_dot;
  k.gemv_axpy = gemv_axpy;
  return k;
}

}  // namespace

const KernelSet& kernels__avx512bf16() {
  static const KernelSet k = make_set();
  return k;
}

}  // namespace hangu::kernels::bf16_detail
