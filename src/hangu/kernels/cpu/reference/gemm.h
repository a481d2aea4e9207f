#pragma once
// Reference GEMM: C = alpha * A @ B + beta * C over a batch, with arbitrary strides (in elements)
// so transposed and broadcast (stride 0) operands need no copy. Plain loops: the ground truth
// every faster GEMM is tested against. When beta is 0, C is written without being read.
#include <cstdint>

#include "hangu/core/dtype.h"
#include "hangu/core/scalar.h"

namespace hangu::kernels {

struct GemmDesc {
  int64_t batch = 1, m = 0, n = 0, k = 0;
  // Strides in elements: per batch (bs), per row (rs), per column (cs) of each operand.
  int64_t a_bs = 0, a_rs = 0, a_cs = 0;  // A is [batch, m, k]
  int64_t b_bs = 0, b_rs = 0, b_cs = 0;  // B is [batch, k, n]
  int64_t c_bs = 0, c_rs = 0, c_cs = 0;  // C is [batch, m, n]
};

// Accumulators: double for f32/f64, float for f16/bf16, wrapping 64-bit for integers.
void f32_gemm__reference(const GemmDesc& d, float alpha, const float* a, const float* b, float beta, float* c);
void f64_gemm__reference(const GemmDesc& d, double alpha, const double* a, const double* b, double beta, double* c);

// The reference for any dtype (every dtype but bool). Ops call kernels::gemm (kernels/cpu/gemm.h),
// which runs the fast kernels and falls back to this for the dtypes they lack.
void gemm__reference(DType dtype, const GemmDesc& d, const Scalar& alpha, const void* a, const void* b,
                     const Scalar& beta, void* c);

}  // namespace hangu::kernels
