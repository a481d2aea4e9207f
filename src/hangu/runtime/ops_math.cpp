// Matrix and normalising math: MatMul, Gemm, Einsum, CumSum, Det, Softmax, LogSoftmax, Hardmax,
// and hangu's own FusedMatMul (MatMul + bias + activation, made by the fusion pass).
#include <cmath>

#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

void op_matmul(OpContext& c) { c.set(0, matmul(c.input(0), c.input(1))); }

void op_fused_matmul(OpContext& c) {
  Tensor y = matmul(c.input(0), c.input(1));
  if (c.has(2)) y = add(y, c.input(2));
  apply_fused_activation(c, y);
  c.set(0, y);
}

// Add + activation; the sum is a new tensor, so the activation runs in place on it.
void op_fused_add(OpContext& c) {
  Tensor y = add(c.input(0), c.input(1));
  apply_fused_activation(c, y);
  c.set(0, y);
}

void op_gemm(OpContext& c) {
  Tensor a = c.input(0), b = c.input(1);
  if (a.dim() != 2) a = reshape(a, {a.size(0), -1});
  if (b.dim() != 2) bad_input_shape(c, 1, b.shape(), "rank 2");
  if (c.attr_int("transA", 0)) a = t(a);
  if (c.attr_int("transB", 0)) b = t(b);
  const double alpha = c.attr_float("alpha", 1.0f), beta = c.attr_float("beta", 1.0f);
  Tensor y;
  if (c.has(2) && beta != 0.0) {
    Tensor bias = c.input(2);
    if (bias.dtype() != a.dtype()) bias = to(bias, a.dtype());
    y = addmm(bias, a, b, Scalar(beta), Scalar(alpha));
  } else {
    y = mm(a, b);
    if (alpha != 1.0) y = mul(y, Scalar(alpha));
  }
  if (!y.is_contiguous()) y = contiguous(y);
  apply_fused_activation(c, y);
  c.set(0, y);
}

void op_einsum(OpContext& c) {
  std::string eq;
  for (char ch : c.attr_string("equation"))
    if (ch != ' ') eq += ch;
  std::vector<Tensor> ops;
  for (size_t i = 0; i < c.num_inputs(); ++i) ops.push_back(c.input(i));
  c.set(0, einsum(eq, ops));
}

void op_cumsum(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t axis = norm_axis(c, c.input(1).item<int64_t>(), x.dim());
  const bool exclusive = c.attr_int("exclusive", 0) != 0, reverse = c.attr_int("reverse", 0) != 0;
  Tensor src = reverse ? flip(x, IntList(&axis, 1)) : x;
  Tensor y = cumsum(src, axis, x.dtype());
  if (exclusive) {
    // Shift by one along the axis, a zero entering first.
    std::vector<int64_t> p(static_cast<size_t>(2 * x.dim()), 0);
    p[static_cast<size_t>(2 * (x.dim() - 1 - axis))] = 1;
    p[static_cast<size_t>(2 * (x.dim() - 1 - axis) + 1)] = -1;
    y = pad(y, IntList(p), "constant", 0.0);
  }
  if (reverse) y = flip(y, IntList(&axis, 1));
  c.set(0, y);
}

void op_det(OpContext& c) {
  const Tensor& x = c.input(0);
  if (x.dim() < 2 || x.size(-1) != x.size(-2)) bad_input_shape(c, 0, x.shape(), "[..., M, M]");
  const int64_t m = x.size(-1);
  const int64_t batch = m ? x.numel() / (m * m) : 0;
  std::vector<double> v = double_values(x);
  std::vector<double> out(static_cast<size_t>(batch));
  for (int64_t b = 0; b < batch; ++b) {
    double* a = v.data() + b * m * m;
    double det = 1.0;
    // LU with partial pivoting.
    for (int64_t k = 0; k < m; ++k) {
      int64_t p = k;
      for (int64_t i = k + 1; i < m; ++i)
        if (std::fabs(a[i * m + k]) > std::fabs(a[p * m + k])) p = i;
      if (a[p * m + k] == 0.0) {
        det = 0.0;
        break;
      }
      if (p != k) {
        for (int64_t j = 0; j < m; ++j) std::swap(a[k * m + j], a[p * m + j]);
        det = -det;
      }
      det *= a[k * m + k];
      for (int64_t i = k + 1; i < m; ++i) {
        const double f = a[i * m + k] / a[k * m + k];
        for (int64_t j = k; j < m; ++j) a[i * m + j] -= f * a[k * m + j];
      }
    }
    out[static_cast<size_t>(b)] = det;
  }
  Shape shape(x.shape().begin(), x.shape().end() - 2);
  c.set(0, to(tensor(out, IntList(shape)), x.dtype()));
}

enum class Norm { softmax, log_softmax, hardmax };

template <Norm N>
void op_softmax(OpContext& c) {
  const Tensor& x = c.input(0);
  const bool legacy = c.opset() < 13;
  int64_t axis = norm_axis(c, c.attr_int("axis", legacy ? 1 : -1), std::max<int64_t>(1, x.dim()));
  Tensor src = x;
  if (legacy && x.dim() > 0) {
    // Before opset 13 the input is flattened to 2-D at `axis` and normalised over the second dim.
    int64_t outer = 1;
    for (int64_t d = 0; d < axis; ++d) outer *= x.size(d);
    src = reshape(x, {outer, -1});
    axis = 1;
  }
  Tensor y;
  if (N == Norm::softmax) {
    y = softmax(src, axis);
  } else if (N == Norm::log_softmax) {
    y = log_softmax(src, axis);
  } else {
    Tensor idx = argmax(src, axis, true);
    y = zeros_like(src);
    y = scatter(y, axis, idx, Scalar(1));
  }
  c.set(0, reshape(y, IntList(x.shape())));
}

}  // namespace

void register_math_ops(OpTable& t) {
  t.add("MatMul", op_matmul);
  t.add("Gemm", op_gemm);
  t.add("Einsum", op_einsum);
  t.add("CumSum", op_cumsum);
  t.add("Det", op_det);
  t.add("Softmax", op_softmax<Norm::softmax>);
  t.add("LogSoftmax", op_softmax<Norm::log_softmax>);
  t.add("Hardmax", op_softmax<Norm::hardmax>);
}

void register_fused_ops(OpTable& t) {
  t.add(kHanguDomain, "FusedMatMul", op_fused_matmul);
  t.add(kHanguDomain, "FusedAdd", op_fused_add);
}

}  // namespace hangu::runtime
