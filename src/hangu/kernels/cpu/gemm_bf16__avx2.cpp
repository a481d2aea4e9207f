// bf16 GEMM, AVX2 widening kernels (machines without AVX-512, or HANGU_ISA=avx2): bf16 is widened
// to f32 while packing and a 6 x 16 f32-FMA tile adds the products in k order, giving the same
// bits as the portable fallback.
#include <immintrin.h>

#include <cstring>

#include "hangu/kernels/cpu/gemm_bf16_kernels.h"

namespace hangu::kernels::bf16_detail {
namespace {

constexpr int kMr = 6, kNr = 16;
// The A panels stream from L2 (the B panel stays in L1): fetch A this many k steps ahead.
constexpr int kPrefetchSteps = 32;

// 8 bf16 (raw bits) to f32.
inline __m256 widen8(__m128i x) { return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(x), 16)); }

inline float widen1(uint16_t x) {
  const uint32_t u = static_cast<uint32_t>(x) << 16;
  float f;
  std::memcpy(&f, &u, sizeof f);
  return f;
}

inline __m128i load8(const uint16_t* p) { return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p)); }

template <int R>
void tile(int64_t ks, const void* av, const void* bv, float* acc, bool accumulate) {
  const float* a = static_cast<const float*>(av);
  const float* b = static_cast<const float*>(bv);
  __m256 c0[R], c1[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    c0[r] = accumulate ? _mm256_loadu_ps(acc + r * kNr) : _mm256_setzero_ps();
    c1[r] = accumulate ? _mm256_loadu_ps(acc + r * kNr + 8) : _mm256_setzero_ps();
  }
  for (int64_t s = 0; s < ks; ++s) {
    _mm_prefetch(reinterpret_cast<const char*>(a + kMr * kPrefetchSteps), _MM_HINT_T0);
    const __m256 b0 = _mm256_loadu_ps(b);
    const __m256 b1 = _mm256_loadu_ps(b + 8);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      const __m256 ar = _mm256_broadcast_ss(a + r);
      c0[r] = _mm256_fmadd_ps(ar, b0, c0[r]);
      c1[r] = _mm256_fmadd_ps(ar, b1, c1[r]);
    }
    a += kMr;
    b += kNr;
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    _mm256_storeu_ps(acc + r * kNr, c0[r]);
    _mm256_storeu_ps(acc + r * kNr + 8, c1[r]);
  }
}

// A rounded product the compiler may not fuse into an FMA: the epilogue rounds alpha * acc and
// beta * c each before adding them, like the scalar epilogue.
inline __m256 product(__m256 x, __m256 y) {
  __m256 p = _mm256_mul_ps(x, y);
  __asm__("" : "+x"(p));
  return p;
}

// Round to nearest even, quiet NaN (BFloat16::round_from_float), 8 lanes, result in the low 16
// bits of each 32-bit lane.
inline __m256i round_bf16(__m256 v) {
  const __m256i u = _mm256_castps_si256(v);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1));
  const __m256i r = _mm256_srli_epi32(_mm256_add_epi32(u, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7fff))), 16);
  const __m256i q = _mm256_or_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(0x40));
  const __m256i nan = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_UNORD_Q));
  return _mm256_blendv_epi8(r, q, nan);
}

// 8 rounded lanes to 8 contiguous bf16.
inline __m128i narrow8(__m256i r) {
  const __m128i lo = _mm256_castsi256_si128(r), hi = _mm256_extracti128_si256(r, 1);
  return _mm_packus_epi32(lo, hi);  // values are < 0x10000: no saturation
}

void store_f32(const float* acc, int64_t ld, int64_t rows, int64_t cols, float alpha, float beta, float* c, int64_t rs,
               int64_t cs) {
  if (cs != 1) return store_f32_scalar(acc, ld, rows, cols, alpha, beta, c, rs, cs);
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  const int64_t full = cols / 8 * 8;
  for (int64_t i = 0; i < rows; ++i) {
    float* o = c + i * rs;
    for (int64_t j = 0; j < full; j += 8) {
      __m256 v = product(va, _mm256_loadu_ps(acc + i * ld + j));
      if (beta != 0.0f) v = _mm256_add_ps(v, product(vb, _mm256_loadu_ps(o + j)));
      _mm256_storeu_ps(o + j, v);
    }
    if (full < cols) store_f32_scalar(acc + i * ld + full, ld, 1, cols - full, alpha, beta, o + full, rs, 1);
  }
}

void store_bf16(const float* acc, int64_t ld, int64_t rows, int64_t cols, float alpha, float beta, uint16_t* c,
                int64_t rs, int64_t cs) {
  if (cs != 1) return store_bf16_scalar(acc, ld, rows, cols, alpha, beta, c, rs, cs);
  const __m256 va = _mm256_set1_ps(alpha), vb = _mm256_set1_ps(beta);
  const int64_t full = cols / 8 * 8;
  for (int64_t i = 0; i < rows; ++i) {
    uint16_t* o = c + i * rs;
    for (int64_t j = 0; j < full; j += 8) {
      __m256 v = product(va, _mm256_loadu_ps(acc + i * ld + j));
      if (beta != 0.0f) v = _mm256_add_ps(v, product(vb, widen8(load8(o + j))));
      _mm_storeu_si128(reinterpret_cast<__m128i*>(o + j), narrow8(round_bf16(v)));
    }
    if (full < cols) store_bf16_scalar(acc + i * ld + full, ld, 1, cols - full, alpha, beta, o + full, rs, 1);
  }
}

// y[0:n] = sum_p a[p] * B[p, 0:n], in k order: whole rows of the chunk stream in, four at a time,
// into sums kept in y (L1); columns past the last full vector go one by one.
void gemv_axpy(int64_t k, int64_t n, const uint16_t* a, int64_t a_cs, const uint16_t* b, int64_t ldb, float* y) {
  const int64_t full = n / 8 * 8;
  for (int64_t j = 0; j < n; ++j) y[j] = 0.0f;
  auto bcast = [&](int64_t p) {
    return _mm256_castsi256_ps(_mm256_set1_epi32(static_cast<int>(static_cast<uint32_t>(a[p * a_cs]) << 16)));
  };
  int64_t p = 0;
  for (; p + 4 <= k; p += 4) {
    const __m256 a0 = bcast(p), a1 = bcast(p + 1), a2 = bcast(p + 2), a3 = bcast(p + 3);
    const uint16_t* r0 = b + p * ldb;
    const uint16_t *r1 = r0 + ldb, *r2 = r1 + ldb, *r3 = r2 + ldb;
    for (int64_t j = 0; j < full; j += 8) {
      __m256 v = _mm256_loadu_ps(y + j);
      v = _mm256_fmadd_ps(a0, widen8(load8(r0 + j)), v);
      v = _mm256_fmadd_ps(a1, widen8(load8(r1 + j)), v);
      v = _mm256_fmadd_ps(a2, widen8(load8(r2 + j)), v);
      v = _mm256_fmadd_ps(a3, widen8(load8(r3 + j)), v);
      _mm256_storeu_ps(y + j, v);
    }
  }
  for (; p < k; ++p) {
    const __m256 a0 = bcast(p);
    const uint16_t* r0 = b + p * ldb;
    for (int64_t j = 0; j < full; j += 8)
      _mm256_storeu_ps(y + j, _mm256_fmadd_ps(a0, widen8(load8(r0 + j)), _mm256_loadu_ps(y + j)));
  }
  for (int64_t j = full; j < n; ++j) {
    float s = 0.0f;
    for (int64_t q = 0; q < k; ++q) s += widen1(a[q * a_cs]) * widen1(b[q * ldb + j]);
    y[j] = s;
  }
}

// Four columns of B (k contiguous each) against a: 8 partial sums per column, a fixed reduction.
template <int C>
void gemv_dot_cols(int64_t k, const uint16_t* a, const uint16_t* b, int64_t ldb, float* y) {
  __m256 acc[C];
#pragma GCC unroll 4
  for (int c = 0; c < C; ++c) acc[c] = _mm256_setzero_ps();
  const int64_t full = k / 8 * 8;
  for (int64_t p = 0; p < full; p += 8) {
    const __m256 ap = widen8(load8(a + p));
#pragma GCC unroll 4
    for (int c = 0; c < C; ++c) acc[c] = _mm256_fmadd_ps(ap, widen8(load8(b + c * ldb + p)), acc[c]);
  }
#pragma GCC unroll 4
  for (int c = 0; c < C; ++c) {
    alignas(32) float t[8];
    _mm256_store_ps(t, acc[c]);
    float s = ((t[0] + t[1]) + (t[2] + t[3])) + ((t[4] + t[5]) + (t[6] + t[7]));
    for (int64_t p = full; p < k; ++p) s += widen1(a[p]) * widen1(b[c * ldb + p]);
    y[c] = s;
  }
}

void gemv_dot(int64_t k, int64_t n, const uint16_t* a, const uint16_t* b, int64_t ldb, float* y) {
  int64_t j = 0;
  for (; j + 4 <= n; j += 4) gemv_dot_cols<4>(k, a, b + j * ldb, ldb, y + j);
  for (; j < n; ++j) gemv_dot_cols<1>(k, a, b + j * ldb, ldb, y + j);
}

KernelSet make_set() {
  KernelSet k{};
  k.name = "avx2_widen";
  k.format = PackFormat::widened;
  k.mr = kMr;
  k.nr = kNr;
  k.mc = kMr * 48;
  k.kc = 256;
  k.nc = kNr * 32;
  k.tile[1] = tile<1>;
  k.tile[2] = tile<2>;
  k.tile[3] = tile<3>;
  k.tile[4] = tile<4>;
  k.tile[5] = tile<5>;
  k.tile[6] = tile<6>;
  k.store_f32 = store_f32;
  k.store_bf16 = store_bf16;
  k.gemv_dot = gemv_dot;
  k.gemv_axpy = gemv_axpy;
  return k;
}

}  // namespace

const KernelSet& kernels__avx2() {
  static const KernelSet k = make_set();
  return k;
}

}  // namespace hangu::kernels::bf16_detail
