#pragma once
// The GEMM every op calls. f32 runs our BLIS-style GEMM (kernels/cpu/gemm/): A and B are packed
// into panels (absorbing any strides and transposes), blocked for the caches of the active ISA
// and multiplied by register-blocked microkernels; m == 1 or n == 1 take a bandwidth-bound GEMV.
// Threads split only the M and N loops, never K, so every element is the same serial sum for any
// thread count: results are bit-identical for 1 and N threads.
#include "hangu/kernels/cpu/reference/gemm.h"

namespace hangu::kernels {

// Activations an epilogue can apply (gelu_tanh: PyTorch's gelu(approximate="tanh")).
enum class Activation : int { none = 0, relu, gelu_tanh, silu };

// Fused into the store of C: C = act(alpha * A @ B + beta * C + bias). The bias is contiguous
// (stride 1), one value per row of C (row: bias[i], m values) or per column (col: bias[j], n
// values), the same for every batch entry.
struct GemmEpilogue {
  enum class Bias : int { none = 0, row, col };
  const float* bias = nullptr;
  Bias bias_kind = Bias::none;
  Activation act = Activation::none;
};

// C = act(alpha * A @ B + beta * C + bias) for each batch entry. beta == 0 never reads C (NaN in C
// does not leak). Uses the level active_isa() names; Isa::reference runs f32_gemm__reference and a
// plain epilogue.
void f32_gemm(const GemmDesc& d, float alpha, const float* a, const float* b, float beta, float* c,
              const GemmEpilogue* ep = nullptr);

// The entry point the ops call, dispatching on dtype (every dtype but bool): f32 -> f32_gemm,
// bf16 -> bf16_gemm (kernels/cpu/gemm_bf16.h), others -> gemm__reference.
void gemm(DType dtype, const GemmDesc& d, const Scalar& alpha, const void* a, const void* b, const Scalar& beta,
          void* c);

}  // namespace hangu::kernels
