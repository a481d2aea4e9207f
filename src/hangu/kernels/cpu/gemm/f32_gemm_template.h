#pragma once
// The f32 GEMM kernels written once over a vector type V, instantiated by each per-ISA file
// (f32_gemm__avx2.cpp, f32_gemm__avx512.cpp) inside its anonymous namespace, so each ISA gets its
// own copies compiled with its own flags and nothing here has external linkage. Never include this
// from generic code. V supplies the intrinsics:
//   Reg, Mask, kLanes; zero, set1, load (aligned), loadu, load_mask (zeros elsewhere), storeu,
//   store_mask, mask_first(n), fmadd, fnmadd, mul, add, sub, div, min, max (max(a, b) and
//   min(a, b) return b when either is NaN), round (to nearest), scale2 (x * 2^n for integral n in
//   [-126, 127]), reduce_add, prefetch (to L1), prefetch_l2.
#include <cstdint>

#include "hangu/kernels/cpu/gemm/f32_gemm_kernels.h"

namespace hangu::kernels::gemm_detail {
namespace {

// exp(x), Cephes' expf polynomial (about 1 ulp); the clamp keeps 2^n normal and lets NaN through.
template <class V>
inline typename V::Reg vexp(typename V::Reg x) {
  using Reg = typename V::Reg;
  x = V::min(V::set1(88.0f), V::max(V::set1(-87.0f), x));
  const Reg n = V::round(V::mul(x, V::set1(1.44269504088896341f)));
  Reg r = V::fnmadd(n, V::set1(0.693359375f), x);
  r = V::fnmadd(n, V::set1(-2.12194440e-4f), r);
  Reg p = V::set1(1.9875691500e-4f);
  p = V::fmadd(p, r, V::set1(1.3981999507e-3f));
  p = V::fmadd(p, r, V::set1(8.3334519073e-3f));
  p = V::fmadd(p, r, V::set1(4.1665795894e-2f));
  p = V::fmadd(p, r, V::set1(1.6666665459e-1f));
  p = V::fmadd(p, r, V::set1(5.0000001201e-1f));
  p = V::fmadd(p, V::mul(r, r), V::add(r, V::set1(1.0f)));
  return V::scale2(p, n);
}

// relu keeps NaN (max returns its second operand on NaN); gelu_tanh and silu are x * sigmoid(z):
// gelu_tanh's 0.5 * (1 + tanh(u)) is sigmoid(2u) with u = sqrt(2/pi) * (x + 0.044715 x^3).
template <class V>
inline typename V::Reg activate(typename V::Reg v, Activation act) {
  using Reg = typename V::Reg;
  switch (act) {
    case Activation::none:
      return v;
    case Activation::relu:
      return V::max(V::zero(), v);
    case Activation::gelu_tanh: {
      const Reg z = V::mul(v, V::fmadd(V::mul(v, v), V::set1(0.0713548162726f), V::set1(1.5957691216057f)));
      return V::div(v, V::add(V::set1(1.0f), vexp<V>(V::sub(V::zero(), z))));
    }
    case Activation::silu:
      return V::div(v, V::add(V::set1(1.0f), vexp<V>(V::sub(V::zero(), v))));
  }
  return v;
}

// One vector of a row segment: c = act(alpha * acc (+ beta * c) (+ bias)). `lanes` < kLanes
// masks the tail; bias_col (if any) points at this vector's first column.
template <class V>
inline void store_vec(float* c, typename V::Reg acc, int64_t lanes, const TileEpilogue& e, const float* bias_col,
                      bool has_bias_row, typename V::Reg bias_row) {
  using Reg = typename V::Reg;
  const bool full = lanes >= V::kLanes;
  const typename V::Mask m = V::mask_first(full ? V::kLanes : lanes);
  Reg v = V::mul(acc, V::set1(e.alpha));
  if (e.read_c) v = V::fmadd(V::set1(e.beta), full ? V::loadu(c) : V::load_mask(m, c), v);
  if (has_bias_row) v = V::add(v, bias_row);
  if (bias_col) v = V::add(v, full ? V::loadu(bias_col) : V::load_mask(m, bias_col));
  v = activate<V>(v, e.act);
  if (full)
    V::storeu(c, v);
  else
    V::store_mask(m, c, v);
}

template <class V, int MR, int NV>
inline void store_tile(typename V::Reg (&acc)[MR][NV], float* c, int64_t c_rs, int64_t mr, int64_t nr,
                       const TileEpilogue& e) {
  constexpr int64_t L = V::kLanes;
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    if (i >= mr) break;
    const bool has_row = e.bias_row != nullptr;
    const typename V::Reg brow = has_row ? V::set1(e.bias_row[i]) : V::zero();
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) {
      if (j * L >= nr) break;
      store_vec<V>(c + i * c_rs + j * L, acc[i][j], nr - j * L, e, e.bias_col ? e.bias_col + j * L : nullptr, has_row,
                   brow);
    }
  }
}

// One k step of the microkernel: acc += A[:, p] (x) B[p, :]; a_at(i) reads A[i, p].
template <class V, int MR, int NV, class AAt>
inline void k_step(typename V::Reg (&acc)[MR][NV], const typename V::Reg (&bv)[NV], AAt a_at) {
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
    const typename V::Reg av = V::set1(a_at(i));
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) acc[i][j] = V::fmadd(av, bv[j], acc[i][j]);
  }
}

// The k loop; the first steps also prefetch the C tile, one line each (a burst of misses at the
// start would take the line-fill buffers the B stream needs), the next ones e.prefetch_lines
// lines of e.prefetch_next toward L2.
template <class V, int MR, int NV, class Step>
inline void k_loop(int64_t kc, const float* c, int64_t c_rs, int64_t mr, const TileEpilogue& e, Step step) {
  constexpr int64_t kLinesPerRow = (NV * V::kLanes * 4 + 63) / 64;
  const int64_t pf = mr * kLinesPerRow < kc ? mr * kLinesPerRow : kc;
  int64_t p = 0;
  for (; p < pf; ++p) {
    V::prefetch(c + (p / kLinesPerRow) * c_rs + (p % kLinesPerRow) * 16);
    step(p);
  }
  const int64_t pn = pf + e.prefetch_lines < kc ? pf + e.prefetch_lines : kc;
  for (const char* next = e.prefetch_next; p < pn; ++p, next += 64) {
    V::prefetch_l2(next);
    step(p);
  }
#pragma GCC unroll 4
  for (; p < kc; ++p) step(p);
}

// The microkernel: an MR x (NV * kLanes) tile of C from a packed B panel and an A panel that is
// packed (kPacked) or read in place with row stride a_rs and unit k stride. kStride is the row
// count of a packed A panel: a kernel with fewer rows (MR < kStride) serves the last, partial
// panel without computing padding rows. Every C element gets the same instructions (one FMA per
// k step, then the same epilogue) in whichever kernel and tile, so its bits do not depend on the
// tiling.
template <class V, int MR, int NV, bool kPacked, int kStride = MR>
void ukernel(int64_t kc, const float* a, int64_t a_rs, const float* b, float* c, int64_t c_rs, int64_t mr, int64_t nr,
             const TileEpilogue& e) {
  constexpr int64_t NR = NV * V::kLanes;
  typename V::Reg acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) acc[i][j] = V::zero();
  auto load_b = [&](int64_t p, typename V::Reg(&bv)[NV]) {
#pragma GCC unroll 8
    for (int j = 0; j < NV; ++j) bv[j] = V::load(b + p * NR + j * V::kLanes);
  };
  if constexpr (kPacked) {
    k_loop<V, MR, NV>(kc, c, c_rs, mr, e, [&](int64_t p) {
      typename V::Reg bv[NV];
      load_b(p, bv);
      k_step<V, MR, NV>(acc, bv, [&](int i) { return a[p * kStride + i]; });
    });
  } else {
    // Rows in groups of three from one base pointer (base, base + a_rs, base + 2 a_rs address
    // with one index register), so few general registers hold the MR row streams.
    constexpr int G = (MR + 2) / 3;
    const float* base[G];
#pragma GCC unroll 8
    for (int g = 0; g < G; ++g) base[g] = a + 3 * g * a_rs;
    k_loop<V, MR, NV>(kc, c, c_rs, mr, e, [&](int64_t p) {
      typename V::Reg bv[NV];
      load_b(p, bv);
      k_step<V, MR, NV>(acc, bv, [&](int i) { return base[i / 3][(i % 3) * a_rs + p]; });
    });
  }
  store_tile<V, MR, NV>(acc, c, c_rs, mr, nr, e);
}

// Packs ceil(w / W) panels row by row: element (p, j) of the source, at src[p * ld + j], goes to
// panel j / W at dst + (j / W) * W * kc + p * W + j % W; the last panel is zero-padded. Whole
// source rows are read in order, which keeps the prefetchers streaming when ld is large.
// Rows this far ahead are prefetched while packing: each source row is a short stream of its own
// (often in another page), which the hardware prefetchers pick up too late.
inline constexpr int64_t kPackAhead = 4;

template <class V>
void pack_copy(const float* src, int64_t ld, int64_t w, int64_t kc, int64_t W, float* dst) {
  constexpr int64_t L = V::kLanes;
  const int64_t panels = (w + W - 1) / W;
  for (int64_t p = 0; p < kc; ++p) {
    const float* s = src + p * ld;
    for (int64_t q = 0; q < panels; ++q) {
      float* d = dst + q * W * kc + p * W;
      for (int64_t j = 0; j < W; j += L) {
        const int64_t have = w - q * W - j, room = W - j < L ? W - j : L;
        const float* sj = s + q * W + j;
        if (p + kPackAhead < kc) V::prefetch(sj + kPackAhead * ld);
        const typename V::Reg v = have >= L  ? V::loadu(sj)
                                  : have > 0 ? V::load_mask(V::mask_first(have), sj)
                                             : V::zero();
        if (room == L)
          V::storeu(d + j, v);
        else
          V::store_mask(V::mask_first(room), d + j, v);
      }
    }
  }
}

template <class V>
void row_epilogue(const float* acc, int64_t n, float* c, const TileEpilogue& e) {
  constexpr int64_t L = V::kLanes;
  const bool has_row = e.bias_row != nullptr;
  const typename V::Reg brow = has_row ? V::set1(e.bias_row[0]) : V::zero();
  for (int64_t j = 0; j < n; j += L) {
    const int64_t lanes = n - j < L ? n - j : L;
    const typename V::Reg v = lanes == L ? V::loadu(acc + j) : V::load_mask(V::mask_first(lanes), acc + j);
    store_vec<V>(c + j, v, lanes, e, e.bias_col ? e.bias_col + j : nullptr, has_row, brow);
  }
}

// y = x @ M for a row-major M, streaming R rows of M at a time (sequential, prefetcher-friendly);
// every column's sum runs in order of p whatever n is, so splitting columns does not change bits.
template <class V, int R>
inline void axpy_rows(int64_t n, const float* x, int64_t xs, const float* m, int64_t ld, float* y, bool first) {
  using Reg = typename V::Reg;
  constexpr int64_t L = V::kLanes;
  Reg xv[R];
  const float* row[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
    xv[r] = V::set1(x[r * xs]);
    row[r] = m + r * ld;
  }
  int64_t j = 0;
  for (; j + L <= n; j += L) {
    Reg v = first ? V::zero() : V::loadu(y + j);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) v = V::fmadd(xv[r], V::loadu(row[r] + j), v);
    V::storeu(y + j, v);
  }
  if (j < n) {
    const typename V::Mask mk = V::mask_first(n - j);
    Reg v = first ? V::zero() : V::load_mask(mk, y + j);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) v = V::fmadd(xv[r], V::load_mask(mk, row[r] + j), v);
    V::store_mask(mk, y + j, v);
  }
}

template <class V>
void gemv_axpy(int64_t k, int64_t n, const float* x, int64_t xs, const float* m, int64_t ld, float* y) {
  constexpr int R = 8;
  if (k == 0) {
    for (int64_t j = 0; j < n; ++j) y[j] = 0.0f;
    return;
  }
  int64_t p = 0;
  for (; p + R <= k; p += R) axpy_rows<V, R>(n, x + p * xs, xs, m + p * ld, ld, y, p == 0);
  for (; p < k; ++p) axpy_rows<V, 1>(n, x + p * xs, xs, m + p * ld, ld, y, p == 0);
}

// y[r] = dot(x, row r of M) for R rows, two accumulators per row, summed in a fixed order.
template <class V, int R>
inline void dot_rows(int64_t k, const float* x, const float* m, int64_t ld, float* y) {
  using Reg = typename V::Reg;
  constexpr int64_t L = V::kLanes;
  Reg acc0[R], acc1[R];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) acc0[r] = acc1[r] = V::zero();
  int64_t p = 0;
  for (; p + 2 * L <= k; p += 2 * L) {
    const Reg x0 = V::loadu(x + p), x1 = V::loadu(x + p + L);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      acc0[r] = V::fmadd(V::loadu(m + r * ld + p), x0, acc0[r]);
      acc1[r] = V::fmadd(V::loadu(m + r * ld + p + L), x1, acc1[r]);
    }
  }
  if (p + L <= k) {
    const Reg x0 = V::loadu(x + p);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) acc0[r] = V::fmadd(V::loadu(m + r * ld + p), x0, acc0[r]);
    p += L;
  }
  if (p < k) {
    const typename V::Mask mk = V::mask_first(k - p);
    const Reg x1 = V::load_mask(mk, x + p);
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) acc1[r] = V::fmadd(V::load_mask(mk, m + r * ld + p), x1, acc1[r]);
  }
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) y[r] = V::reduce_add(V::add(acc0[r], acc1[r]));
}

template <class V>
void gemv_dot(int64_t k, int64_t n, const float* x, const float* m, int64_t ld, float* y) {
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) dot_rows<V, 8>(k, x, m + j * ld, ld, y + j);
  for (; j < n; ++j) dot_rows<V, 1>(k, x, m + j * ld, ld, y + j);
}

}  // namespace
}  // namespace hangu::kernels::gemm_detail
