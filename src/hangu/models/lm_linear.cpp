#include "hangu/models/lm_linear.h"

#include <vector>

#include "hangu/core/half.h"
#include "hangu/kernels/cpu/gemm_bf16.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/views.h"

namespace hangu::models {

Tensor activation_dtype(const Tensor& t) { return t.defined() && t.dtype() == DType::bf16 ? to(t, DType::f32) : t; }

Tensor lm_project(const Tensor& x, const Tensor& weight, bool weight_in_out, const Tensor& bias) {
  if (weight.dtype() != DType::bf16) {
    if (!weight_in_out) return linear(x, weight, bias);
    Tensor y = matmul(x, weight);
    return bias.defined() ? add(y, bias) : y;
  }
  const int64_t k = x.size(-1), n = weight_in_out ? weight.size(1) : weight.size(0);
  const int64_t m = x.numel() / k;
  Tensor a = contiguous(to(x, DType::bf16));
  Tensor w = contiguous(weight);
  Tensor out = empty({m, n}, DType::f32);
  kernels::GemmDesc d;
  d.m = m;
  d.n = n;
  d.k = k;
  d.a_rs = k;
  d.a_cs = 1;
  d.b_rs = weight_in_out ? n : 1;  // B is [K, N]: row stride over k, column stride over n
  d.b_cs = weight_in_out ? 1 : k;
  d.c_rs = n;
  d.c_cs = 1;
  kernels::bf16_gemm_f32out(d, 1.0f, static_cast<const BFloat16*>(a.data()), static_cast<const BFloat16*>(w.data()),
                            0.0f, out.data_ptr<float>());
  std::vector<int64_t> shape(x.shape().begin(), x.shape().end());
  shape.back() = n;
  out = reshape(out, shape);
  return bias.defined() ? add(out, activation_dtype(bias)) : out;
}

}  // namespace hangu::models
