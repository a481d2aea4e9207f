// bf16 GEMM, AVX-512 widening kernels: bf16 is widened to f32 while packing (a 16-bit shift), and
// an f32-FMA tile of 14 x 32 adds the products in k order. Each bf16 product is exact in f32, so
// fma(a, b, acc) == acc + a * b: the same bits as the portable fallback.
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

// 16 bf16 (raw bits) to f32.
inline __m512 widen16(__m256i x) { return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(x), 16)); }

inline __mmask16 mask16(int64_t n) { return n >= 16 ? __mmask16(0xffff) : static_cast<__mmask16>((1u << n) - 1u); }

template <int R>
void tile(int64_t ks, const void* av, const void* bv, float* acc, bool accumulate) {
  const float* a = static_cast<const float*>(av);
  const float* b = static_cast<const float*>(bv);
  __m512 c0[R], c1[R];
#pragma GCC unroll 16
  for (int r = 0; r < R; ++r) {
    c0[r] = accumulate ? _mm512_loadu_ps(acc + r * kNr) : _mm512_setzero_ps();
    c1[r] = accumulate ? _mm512_loadu_ps(acc + r * kNr + 16) : _mm512_setzero_ps();
  }
  for (int64_t s = 0; s < ks; ++s) {
    _mm_prefetch(reinterpret_cast<const char*>(a + kMr * kPrefetchSteps), _MM_HINT_T0);
    const __m512 b0 = _mm512_loadu_ps(b);
    const __m512 b1 = _mm512_loadu_ps(b + 16);
#pragma GCC unroll 16
    for (int r = 0; r < R; ++r) {
      const __m512 ar = _mm512_set1_ps(a[r]);
      c0[r] = _mm512_fmadd_ps(ar, b0, c0[r]);
      c1[r] = _mm512_fmadd_ps(ar, b1, c1[r]);
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

// A rounded product the compiler may not fuse into an FMA: the epilogue rounds alpha * acc and
// beta * c each before adding them, like the scalar epilogue.
inline __m512 product(__m512 x, __m512 y) {
  __m512 p = _mm512_mul_ps(x, y);
  __asm__("" : "+v"(p));
  return p;
}

// Round to nearest even, quiet NaN: BFloat16::round_from_float on 16 lanes.
inline __m256i round_bf16(__m512 v) {
  const __m512i u = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1));
  __m512i r = _mm512_srli_epi32(_mm512_add_epi32(u, _mm512_add_epi32(lsb, _mm512_set1_epi32(0x7fff))), 16);
  const __mmask16 nan = _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q);
  r = _mm512_mask_mov_epi32(r, nan, _mm512_or_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(0x40)));
  return _mm512_cvtepi32_epi16(r);
}

// R rows of B into the de-interleaved sums of gemv_axpy: one 512-bit load brings 32 bf16 values;
// a 16-bit shift widens the even columns and a mask the odd ones (bf16 is the top half of f32).
template <int R>
inline void axpy_rows(int64_t n, const __m512 (&x)[R], const uint16_t* const (&row)[R], float* y) {
  const __m512i odd = _mm512_set1_epi32(static_cast<int>(0xFFFF0000u));
  for (int64_t j = 0; j < n; j += 32) {
    const __mmask32 m = n - j >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((1u << (n - j)) - 1u);
    __m512 ev = _mm512_loadu_ps(y + j), od = _mm512_loadu_ps(y + j + 16);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m512i w = _mm512_maskz_loadu_epi16(m, row[r] + j);
      ev = _mm512_fmadd_ps(x[r], _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)), ev);
      od = _mm512_fmadd_ps(x[r], _mm512_castsi512_ps(_mm512_and_si512(w, odd)), od);
    }
    _mm512_storeu_ps(y + j, ev);
    _mm512_storeu_ps(y + j + 16, od);
  }
}

// y[0:n] = sum_p a[p] * B[p, 0:n], in k order: whole rows of the chunk stream in, eight at a time,
// into sums kept in y (L1), each group of 32 columns as [16 even | 16 odd] until the permutes at
// the end restore column order. Columns up to n rounded to 32 are written (zeros past n).
void gemv_axpy(int64_t k, int64_t n, const uint16_t* a, int64_t a_cs, const uint16_t* b, int64_t ldb, float* y) {
  for (int64_t j = 0; j < n; j += 16) _mm512_storeu_ps(y + j, _mm512_setzero_ps());
  if (n % 32 != 0 && n % 32 <= 16) _mm512_storeu_ps(y + n / 32 * 32 + 16, _mm512_setzero_ps());
  auto bcast = [&](int64_t p) {
    return _mm512_castsi512_ps(_mm512_set1_epi32(static_cast<int>(static_cast<uint32_t>(a[p * a_cs]) << 16)));
  };
  constexpr int R = 8;
  int64_t p = 0;
  for (; p + R <= k; p += R) {
    __m512 x[R];
    const uint16_t* row[R];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) x[r] = bcast(p + r), row[r] = b + (p + r) * ldb;
    axpy_rows<R>(n, x, row, y);
  }
  for (; p < k; ++p) {
    const __m512 x[1] = {bcast(p)};
    const uint16_t* const row[1] = {b + p * ldb};
    axpy_rows<1>(n, x, row, y);
  }
  const __m512i lo_idx = _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const __m512i hi_idx = _mm512_setr_epi32(8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
  for (int64_t j = 0; j < n; j += 32) {
    const __m512 ev = _mm512_loadu_ps(y + j), od = _mm512_loadu_ps(y + j + 16);
    _mm512_storeu_ps(y + j, _mm512_permutex2var_ps(ev, lo_idx, od));
    _mm512_storeu_ps(y + j + 16, _mm512_permutex2var_ps(ev, hi_idx, od));
  }
}

// C columns of B (k contiguous each) against a: per 32 k, the even and the odd k of one 512-bit
// load are widened by a shift and a mask (as in axpy_rows); 16 partial sums per column, then a
// fixed reduction.
template <int C>
void gemv_dot_cols(int64_t k, const uint16_t* a, const uint16_t* b, int64_t ldb, float* y) {
  const __m512i odd = _mm512_set1_epi32(static_cast<int>(0xFFFF0000u));
  __m512 acc[C];
#pragma GCC unroll 8
  for (int c = 0; c < C; ++c) acc[c] = _mm512_setzero_ps();
  for (int64_t p = 0; p < k; p += 32) {
    const __mmask32 m = k - p >= 32 ? ~__mmask32{0} : static_cast<__mmask32>((1u << (k - p)) - 1u);
    const __m512i av = _mm512_maskz_loadu_epi16(m, a + p);
    const __m512 ae = _mm512_castsi512_ps(_mm512_slli_epi32(av, 16));
    const __m512 ao = _mm512_castsi512_ps(_mm512_and_si512(av, odd));
#pragma GCC unroll 8
    for (int c = 0; c < C; ++c) {
      const __m512i w = _mm512_maskz_loadu_epi16(m, b + c * ldb + p);
      acc[c] = _mm512_fmadd_ps(ae, _mm512_castsi512_ps(_mm512_slli_epi32(w, 16)), acc[c]);
      acc[c] = _mm512_fmadd_ps(ao, _mm512_castsi512_ps(_mm512_and_si512(w, odd)), acc[c]);
    }
  }
#pragma GCC unroll 8
  for (int c = 0; c < C; ++c) y[c] = _mm512_reduce_add_ps(acc[c]);
}

void gemv_dot(int64_t k, int64_t n, const uint16_t* a, const uint16_t* b, int64_t ldb, float* y) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) gemv_dot_cols<8>(k, a, b + j * ldb, ldb, y + j);
  for (; j < n; ++j) gemv_dot_cols<1>(k, a, b + j * ldb, ldb, y + j);
}

KernelSet make_set() {
  KernelSet k{};
  k.name = "avx512_widen";
  k.format = PackFormat::widened;
  k.mr = kMr;
  k.nr = kNr;
  k.mc = kMr * 36;  // tuned at 2048^3 on Emerald Rapids (48 KiB L1, 2 MiB L2)
  k.kc = 192;
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

void store_f32__avx512(const float* acc, int64_t ld, int64_t rows, int64_t cols, float alpha, float beta, float* c,
                       int64_t rs, int64_t cs) {
  if (cs != 1) return store_f32_scalar(acc, ld, rows, cols, alpha, beta, c, rs, cs);
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 m = mask16(cols - j);
      float* o = c + i * rs + j;
      __m512 v = product(va, _mm512_maskz_loadu_ps(m, acc + i * ld + j));
      if (beta != 0.0f) v = _mm512_add_ps(v, product(vb, _mm512_maskz_loadu_ps(m, o)));
      _mm512_mask_storeu_ps(o, m, v);
    }
}

void store_bf16__avx512(const float* acc, int64_t ld, int64_t rows, int64_t cols, float alpha, float beta, uint16_t* c,
                        int64_t rs, int64_t cs) {
  if (cs != 1) return store_bf16_scalar(acc, ld, rows, cols, alpha, beta, c, rs, cs);
  const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(beta);
  for (int64_t i = 0; i < rows; ++i)
    for (int64_t j = 0; j < cols; j += 16) {
      const __mmask16 m = mask16(cols - j);
      uint16_t* o = c + i * rs + j;
      __m512 v = product(va, _mm512_maskz_loadu_ps(m, acc + i * ld + j));
      if (beta != 0.0f) v = _mm512_add_ps(v, product(vb, widen16(_mm256_maskz_loadu_epi16(m, o))));
      _mm256_mask_storeu_epi16(o, m, round_bf16(v));
    }
}

const KernelSet& kernels__avx512() {
  static const KernelSet k = make_set();
  return k;
}

}  // namespace hangu::kernels::bf16_detail
