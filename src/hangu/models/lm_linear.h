#pragma once
// The projections of the language models, for f32/f64 weights (ordinary differentiable ops) and
// for bf16 weights at inference: the activations are rounded to bf16 and multiplied by
// kernels::bf16_gemm_f32out (f32 accumulation, f32 result), so the weights are read as they are
// stored, 2 bytes each, with no conversion pass.
#include "hangu/core/tensor.h"

namespace hangu::models {

// x [..., K] times the weight, plus bias [N] when defined. weight_in_out: the weight is [K, N]
// (GPT-2's Conv1D); otherwise [N, K] (nn.Linear, y = x W^T).
Tensor lm_project(const Tensor& x, const Tensor& weight, bool weight_in_out, const Tensor& bias = Tensor());

// The tensor in the activation dtype: bf16 -> f32, others unchanged (norm scales, biases and
// embedding rows of a bf16 model).
Tensor activation_dtype(const Tensor& t);

}  // namespace hangu::models
