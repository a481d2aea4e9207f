#pragma once
// The interface between the f32 GEMM driver (f32_gemm.cpp) and its per-ISA kernels
// (f32_gemm__avx2.cpp, f32_gemm__avx512.cpp). Generic code includes this header: no intrinsics.
//
// Layouts (all in elements):
//  packed A panel: MR rows x kc, element (i, p) at a[p * MR + i], rows >= mr zero-filled;
//  direct A panel: row i at a + i * a_rs, unit stride along k (used unpacked when A is read once);
//  packed B panel: kc x NR, element (p, j) at b[p * NR + j], columns >= nr zero-filled;
//  C tile: row i at c + i * c_rs, unit column stride; only rows < mr and columns < nr are touched.
#include <cstdint>

#include "hangu/kernels/cpu/gemm.h"

namespace hangu::kernels::gemm_detail {

// What the store of one tile does: v = alpha * acc; v += beta * c (only when read_c); v += bias;
// v = act(v). bias_row is indexed by the tile's row, bias_col by its column (each may be null).
struct TileEpilogue {
  float alpha = 1.0f;
  float beta = 0.0f;
  bool read_c = false;
  const float* bias_row = nullptr;
  const float* bias_col = nullptr;
  Activation act = Activation::none;
  // Lines (64 bytes each) from here on to bring toward L2 while the tile runs, one per k step
  // after the C prefetches: the next A panel, which a burst of prefetches between tiles would
  // stall on (they take the line-fill buffers the B stream needs).
  const char* prefetch_next = nullptr;
  int64_t prefetch_lines = 0;
};

// C tile = epilogue(A panel @ B panel) over kc; a_rs is read only by the direct variant.
using F32Ukernel = void (*)(int64_t kc, const float* a, int64_t a_rs, const float* b, float* c, int64_t c_rs,
                            int64_t mr, int64_t nr, const TileEpilogue& e);
// y[j] = sum_p x[p * x_stride] * m[p * m_ld + j] for j < n (sum in order of p); y is overwritten.
using F32GemvAxpy = void (*)(int64_t k, int64_t n, const float* x, int64_t x_stride, const float* m, int64_t m_ld,
                             float* y);
// y[j] = sum_p x[p] * m[j * m_ld + p] for j < n; x is contiguous; y is overwritten.
using F32GemvDot = void (*)(int64_t k, int64_t n, const float* x, const float* m, int64_t m_ld, float* y);
// c[0:n] = epilogue(acc[0:n]) for one contiguous row segment; bias_row (if set) is one value for
// the whole segment, bias_col one per element.
using F32RowEpilogue = void (*)(const float* acc, int64_t n, float* c, const TileEpilogue& e);

// Packs a transposed panel: dst[p * W + j] = src[j * ld + p] for j < w, p < kc; columns
// [w, W) are zero (W <= 32). Packs A when rows are contiguous along k, and B when columns are.
using F32PackTransposed = void (*)(const float* src, int64_t ld, int64_t w, int64_t kc, int64_t W, float* dst);

// Packs ceil(w / W) panels by rows: source element (p, j) at src[p * ld + j] goes to panel j / W
// at dst + (j / W) * W * kc + p * W + j % W, the last panel zero-padded to W columns. Packs A when
// its columns are contiguous (one panel), and a task's B block when B's rows are.
using F32PackCopy = void (*)(const float* src, int64_t ld, int64_t w, int64_t kc, int64_t W, float* dst);

inline constexpr int kMaxMr = 16;

struct F32GemmKernels {
  int64_t mr = 0, nr = 0;  // microkernel tile
  int64_t kc = 0;          // k block: a packed A panel (MR x kc) stays in L1
  int64_t nb = 0;          // largest n block: a packed B block (kc x nb) stays in L2
  // ukr_rows[r]: the packed-A kernel for panels of r valid rows (r in 1..mr): the full kernel for
  // r == mr, one with fewer rows for the last, partial panel.
  F32Ukernel ukr_rows[kMaxMr + 1] = {};
  F32Ukernel ukr_direct = nullptr;  // A read in place (whole panels only)
  F32GemvAxpy gemv_axpy = nullptr;
  F32GemvDot gemv_dot = nullptr;
  F32RowEpilogue row_epilogue = nullptr;
  F32PackTransposed pack_transposed = nullptr;
  F32PackCopy pack_copy = nullptr;
};

const F32GemmKernels& f32_gemm_kernels__avx2();
const F32GemmKernels& f32_gemm_kernels__avx512();

}  // namespace hangu::kernels::gemm_detail
