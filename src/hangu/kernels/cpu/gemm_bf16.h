#pragma once
// bf16 GEMM: bf16 inputs, f32 accumulation (vdpbf16ps where AVX512-BF16 exists and is fast, a
// widening f32-FMA kernel elsewhere). Same GemmDesc and stride conventions as kernels::gemm.
//
// Semantics of every path: acc = sum over k of a * b in f32 (each bf16 product is exact in f32),
// v = alpha * acc, then v = v + beta * c when beta != 0 (C is not read when beta == 0), and one
// rounding of v to the output type (bf16: round to nearest even, as core/half.h). The widening
// paths (fallback, avx2_widen, avx512_widen) add the products in k order and give the same bits;
// avx512_dot adds pairs of products per step (vdpbf16ps, which also flushes subnormals to zero).
#include "hangu/core/half.h"
#include "hangu/kernels/cpu/reference/gemm.h"

namespace hangu::kernels {

// C (bf16) = alpha * A @ B + beta * C, accumulated in f32, rounded once to bf16.
void bf16_gemm(const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta, BFloat16* c);
// Same product with an f32 C (language models keep activations in f32 with bf16 weights).
void bf16_gemm_f32out(const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta, float* c);

// Ground truth for tests: plain loops accumulating in double; v = alpha * acc + beta * c in double
// (C unread when beta == 0), rounded to f32 and then (bf16 output) to bf16.
void bf16_gemm__reference(const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta,
                          BFloat16* c);
void bf16_gemm_f32out__reference(const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta,
                                 float* c);

// The implementations bf16_gemm can run. fallback: portable C++ (widen to f32, blocked loops);
// avx2_widen / avx512_widen: bf16 widened to f32 while packing, f32-FMA microkernels;
// avx512_dot: bf16 pairs packed for vdpbf16ps (AVX512-BF16).
enum class Bf16GemmPath : int { fallback = 0, avx2_widen, avx512_widen, avx512_dot };

const char* bf16_gemm_path_name(Bf16GemmPath path);
// Whether this processor can run `path` (fallback always can).
bool bf16_gemm_path_supported(Bf16GemmPath path);
// The path bf16_gemm takes at active_isa(). avx512 uses vdpbf16ps only on AMD cores, where it is
// reported to run at twice the f32 FMA flops (Zen 4/5); on Intel's Emerald Rapids it measures half
// the FMA flops (tests/tools/bench_bf16), so widening to f32 is faster there.
Bf16GemmPath bf16_gemm_active_path();
// Runs one path explicitly (tests, benchmarks); throws Unsupported if this processor lacks it.
void bf16_gemm_on(Bf16GemmPath path, const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta,
                  BFloat16* c);
void bf16_gemm_on(Bf16GemmPath path, const GemmDesc& d, float alpha, const BFloat16* a, const BFloat16* b, float beta,
                  float* c);

}  // namespace hangu::kernels
