#pragma once
// The interface between the bf16 GEMM driver (gemm_bf16_driver.cpp, generic code) and its kernel
// sets (gemm_bf16.cpp: portable; gemm_bf16__avx2.cpp, __avx512.cpp, __avx512bf16.cpp). Generic
// code includes this header: no intrinsics. bf16 values cross it as raw bits (uint16_t), so the
// per-ISA files never instantiate BFloat16's inline functions with their ISA flags.
//
// Packed operands hold 4-byte elements, one per "k step" (all sizes below in elements):
//  widened: a step is one k, the element is that value as f32;
//  pairs:   a step is two k (2s, 2s+1), the element is bits(x[2s]) | bits(x[2s+1]) << 16, the
//           operand layout vdpbf16ps wants; an odd K is padded with a zero.
//  packed A panel: MR rows x ks steps, element (i, s) at a[s * MR + i], rows >= mr zero-filled;
//  packed B panel: ks steps x NR columns, element (s, j) at b[s * NR + j], columns >= nr zero.
#include <cstdint>

namespace hangu::kernels::bf16_detail {

enum class PackFormat : int { widened = 0, pairs = 1 };

inline constexpr int kMaxMr = 16;

// acc (rows x NR, row stride NR, f32) = [acc if accumulate] + A panel @ B panel over ks steps.
// Only the first `rows` rows of the (MR-strided) A panel are read.
using TileFn = void (*)(int64_t ks, const void* a, const void* b, float* acc, bool accumulate);
// c[i*rs + j*cs] = round(alpha * acc[i*ld + j] (+ beta * c[..] when beta != 0)) for i < rows, j < cols.
using StoreF32Fn = void (*)(const float* acc, int64_t ld, int64_t rows, int64_t cols, float alpha, float beta, float* c,
                            int64_t rs, int64_t cs);
using StoreBf16Fn = void (*)(const float* acc, int64_t ld, int64_t rows, int64_t cols, float alpha, float beta,
                             uint16_t* c, int64_t rs, int64_t cs);
// GEMV, B with k contiguous per column (b_rs == 1): y[j] = sum_p a[p] * b[j * ldb + p], j < n.
// a is contiguous. Any summation order; y is overwritten.
using GemvDotFn = void (*)(int64_t k, int64_t n, const uint16_t* a, const uint16_t* b, int64_t ldb, float* y);
// GEMV, B with n contiguous per row (b_cs == 1): y[j] = sum_p a[p * a_cs] * b[p * ldb + j], j < n;
// y has room for n rounded up to 32 floats (it may hold partial sums on the way).
using GemvAxpyFn = void (*)(int64_t k, int64_t n, const uint16_t* a, int64_t a_cs, const uint16_t* b, int64_t ldb,
                            float* y);

inline constexpr int64_t kGemvDotCols = 64;    // columns of one GEMV (dot form) work unit
// Columns of one GEMV (axpy form) work unit: one unit per thread, so that each row segment is a
// long stream for the prefetchers (a new, short one per row is picked up late), within these bounds.
inline constexpr int64_t kGemvAxpyMinCols = 256, kGemvAxpyMaxCols = 8192;

// A trivial type (no member initialisers; build it as `KernelSet k{};`), so that no inline
// constructor is emitted by an ISA-flagged file and shared with generic code by the linker.
struct KernelSet {
  const char* name;
  PackFormat format;
  int mr, nr;               // register tile: mr <= kMaxMr, nr a multiple of 16 and <= 64
  int64_t mc, kc, nc;       // cache blocks: mc a multiple of mr, nc of nr, kc in steps
  TileFn tile[kMaxMr + 1];  // tile[rows] for rows = 1..mr
  StoreF32Fn store_f32;
  StoreBf16Fn store_bf16;
  GemvDotFn gemv_dot;  // null: m == 1 takes the blocked path
  GemvAxpyFn gemv_axpy;
};

const KernelSet& kernels_fallback();
const KernelSet& kernels__avx2();
const KernelSet& kernels__avx512();
const KernelSet& kernels__avx512bf16();

// Portable epilogues, shared by kernel sets whose output stride is not 1.
void store_f32_scalar(const float* acc, int64_t ld, int64_t rows, int64_t cols, float alpha, float beta, float* c,
                      int64_t rs, int64_t cs);
void store_bf16_scalar(const float* acc, int64_t ld, int64_t rows, int64_t cols, float alpha, float beta, uint16_t* c,
                       int64_t rs, int64_t cs);

// AVX-512 epilogues (gemm_bf16__avx512.cpp), shared by the avx512bf16 set.
void store_f32__avx512(const float* acc, int64_t ld, int64_t rows, int64_t cols, float alpha, float beta, float* c,
                       int64_t rs, int64_t cs);
void store_bf16__avx512(const float* acc, int64_t ld, int64_t rows, int64_t cols, float alpha, float beta, uint16_t* c,
                        int64_t rs, int64_t cs);

// A GEMM with raw operands (GemmDesc fields, strides in elements).
struct GemmArgs {
  int64_t batch = 1, m = 0, n = 0, k = 0;
  int64_t a_bs = 0, a_rs = 0, a_cs = 0;
  int64_t b_bs = 0, b_rs = 0, b_cs = 0;
  int64_t c_bs = 0, c_rs = 0, c_cs = 0;
  float alpha = 1.0f, beta = 0.0f;
  const uint16_t* a = nullptr;
  const uint16_t* b = nullptr;
  void* c = nullptr;
  bool out_bf16 = true;
};

// Runs the GEMM with one kernel set: blocking, packing, threads, GEMV routing. c is BFloat16
// storage (as uint16_t bits) when out_bf16, else float.
void run(const KernelSet& ks, const GemmArgs& g);

}  // namespace hangu::kernels::bf16_detail
