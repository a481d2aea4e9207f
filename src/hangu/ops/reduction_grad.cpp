// Backward formulas of the reductions, scans and softmax, as compositions of differentiable ops
// (so create_graph gives second derivatives). They follow PyTorch 1.13's derivatives.yaml.
#include "hangu/ops/reduction_grad.h"

#include <cmath>
#include <limits>
#include <vector>

#include "hangu/kernels/cpu/simd/rows.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"

namespace hangu::ops {
namespace {

// Which dims of a tensor of `shape` a reduction over `dims` (empty = all) removes.
std::vector<bool> reduced_dims(IntList shape, IntList dims) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  std::vector<bool> r(shape.size(), dims.empty());
  if (rank == 0) return r;
  for (int64_t d : dims) r[static_cast<size_t>(wrap_dim(d, rank, "backward"))] = true;
  return r;
}

// The number of elements each output element of the reduction summarises.
int64_t reduced_count(IntList shape, IntList dims) {
  std::vector<bool> r = reduced_dims(shape, dims);
  int64_t n = 1;
  for (size_t d = 0; d < r.size(); ++d)
    if (r[d]) n *= shape[d];
  return n;
}

// A reduction's result (or its gradient) with the reduced dims kept as size 1, so that it
// broadcasts against the input.
Tensor restore(const Tensor& t, IntList shape, IntList dims, bool keepdim) {
  if (keepdim || shape.empty()) return t;
  std::vector<bool> r = reduced_dims(shape, dims);
  Shape s(shape.begin(), shape.end());
  for (size_t d = 0; d < r.size(); ++d)
    if (r[d]) s[d] = 1;
  return reshape(t, s);
}

Tensor as_float(const Tensor& mask, DType dtype) { return to(mask, dtype); }

bool has_zero(const Tensor& x) { return any(eq(x, 0)).item<bool>(); }

// For every element, the product of the OTHER elements of its reduction group: the reduced
// dims are flattened into a last dim of size n, copied n times with the own element replaced by
// 1 and multiplied out (O(n^2), used only when zeros rule out out / x).
Tensor prod_of_others(const Tensor& x, IntList dims) {
  std::vector<bool> r = reduced_dims(x.shape(), dims);
  Shape perm, flat;
  int64_t n = 1;
  for (size_t d = 0; d < r.size(); ++d)
    if (!r[d]) {
      perm.push_back(static_cast<int64_t>(d));
      flat.push_back(x.shape()[d]);
    }
  for (size_t d = 0; d < r.size(); ++d)
    if (r[d]) {
      perm.push_back(static_cast<int64_t>(d));
      n *= x.shape()[d];
    }
  flat.push_back(n);
  Tensor p = permute(x, perm);
  Tensor eye_n = eye(n, n, x.dtype());
  Tensor y = add(mul(unsqueeze(reshape(p, flat), -2), sub(1, eye_n)), eye_n);  // [..., n, n]
  const int64_t last = -1;
  Tensor others = reshape(prod(y, IntList(&last, 1)), p.shape());
  Shape inverse(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) inverse[static_cast<size_t>(perm[i])] = static_cast<int64_t>(i);
  return permute(others, inverse);
}

}  // namespace

Tensor wide(const Tensor& t) { return t.dtype() == DType::f16 || t.dtype() == DType::bf16 ? to(t, DType::f32) : t; }

Tensor mean_backward(const Tensor& g, IntList shape, IntList dims, bool keepdim) {
  const int64_t n = reduced_count(shape, dims);
  return mul(unreduce(g, shape, dims, keepdim), 1.0 / static_cast<double>(n));
}

Tensor evenly_distribute_backward(const Tensor& g, const Tensor& x, const Tensor& out, IntList dims, bool keepdim,
                                  bool nan_ties) {
  Tensor o = restore(out, x.shape(), dims, keepdim);
  Tensor hit = eq(x, o);
  if (nan_ties) hit = logical_or(hit, logical_and(isnan(x), isnan(o)));
  Tensor mask = as_float(hit, g.dtype());
  Tensor share = div(mask, sum(mask, dims, true));  // a constant: the result is piecewise linear
  return mul(restore(g, x.shape(), dims, keepdim), share);
}

Tensor index_backward(const Tensor& g, const Tensor& indices, IntList shape, int64_t dim, bool keepdim) {
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (rank == 0) return g;
  const int64_t d = wrap_dim(dim, rank, "max");
  Tensor idx = keepdim ? indices : unsqueeze(indices, d);
  Tensor gg = keepdim ? g : unsqueeze(g, d);
  Shape pos_shape(shape.size(), 1);
  pos_shape[static_cast<size_t>(d)] = shape[static_cast<size_t>(d)];
  Tensor pos = reshape(arange(Scalar(shape[static_cast<size_t>(d)])), pos_shape);
  return mul(gg, as_float(eq(pos, idx), g.dtype()));
}

Tensor prod_backward(const Tensor& g, const Tensor& x, const Tensor& out, IntList dims, bool keepdim) {
  if (x.dim() == 0) return g;
  if (x.numel() == 0) return zeros(x.shape(), g.dtype());
  Tensor gg = restore(g, x.shape(), dims, keepdim);
  if (!has_zero(x)) return mul(gg, div(restore(out, x.shape(), dims, keepdim), x));
  return mul(gg, prod_of_others(x, dims));
}

Tensor var_backward(const Tensor& g, const Tensor& x, IntList dims, double correction, bool keepdim) {
  const double n = static_cast<double>(reduced_count(x.shape(), dims));
  // torch 1.13 answers a full reduction with n == correction by inf * grad.
  if ((dims.empty() || x.dim() == 0) && n == correction)
    return mul(restore(g, x.shape(), dims, keepdim), std::numeric_limits<double>::infinity());
  Tensor centered = sub(x, mean(x, dims, true));
  return mul(restore(g, x.shape(), dims, keepdim), mul(centered, 2.0 / (n - correction)));
}

Tensor std_backward(const Tensor& g, const Tensor& x, const Tensor& out, IntList dims, double correction,
                    bool keepdim) {
  // d std = d var / (2 std); a zero std gives 0 (as torch), not inf.
  Tensor o = restore(out, x.shape(), dims, keepdim);
  Tensor zero = as_float(eq(o, 0), o.dtype());
  Tensor gv = mul(div(restore(g, x.shape(), dims, keepdim), mul(add(o, zero), 2.0)), sub(1, zero));
  return var_backward(gv, x, dims, correction, true);
}

Tensor logsumexp_backward(const Tensor& g, const Tensor& x, const Tensor& out, IntList dims, bool keepdim) {
  return mul(restore(g, x.shape(), dims, keepdim), exp(sub(x, restore(out, x.shape(), dims, keepdim))));
}

Tensor norm_backward(const Tensor& g, const Tensor& x, const Tensor& out, double p, IntList dims, bool keepdim) {
  if (p == 0.0) return zeros(x.shape(), x.dtype());
  Tensor gg = restore(g, x.shape(), dims, keepdim);
  Tensor o = restore(out, x.shape(), dims, keepdim);
  Tensor sgn = sign(x);
  if (p == 1.0) return mul(gg, sgn);
  // A zero norm means a group of zeros: dividing by (norm + 1) there gives the 0 torch gives.
  Tensor o_safe = add(o, as_float(eq(o, 0), o.dtype()));
  if (p == 2.0) return mul(gg, div(x, o_safe));
  if (std::isinf(p)) {
    Tensor ax = abs(x);
    Tensor mask = as_float(logical_or(eq(ax, o), isnan(ax)), x.dtype());
    Tensor share = mul(sgn, div(mask, sum(mask, dims, true)));  // ties share the gradient
    return mul(gg, share);
  }
  if (p < 1.0) {
    // |x| ** (p - 1) is infinite at 0, where sgn is 0: take 1 ** (p - 1) there instead.
    Tensor ax_safe = add(abs(x), as_float(eq(x, 0), x.dtype()));
    Tensor scaled = mul(sgn, pow(ax_safe, p - 1.0));
    return mul(mul(scaled, gg), pow(o, 1.0 - p));
  }
  Tensor scaled = p < 2.0 ? mul(sgn, pow(abs(x), p - 1.0)) : mul(x, pow(abs(x), p - 2.0));
  return mul(scaled, div(gg, pow(o_safe, p - 1.0)));
}

Tensor cumsum_backward(const Tensor& g, int64_t dim) {
  if (g.dim() == 0) return g;
  const int64_t d = wrap_dim(dim, g.dim(), "cumsum");
  return flip(cumsum(flip(g, IntList(&d, 1)), d), IntList(&d, 1));  // the reversed cumulative sum
}

Tensor cumprod_backward(const Tensor& g, const Tensor& x, const Tensor& out, int64_t dim) {
  if (x.dim() == 0 || x.numel() == 0) return g;
  if (!has_zero(x)) return div(cumsum_backward(mul(g, out), dim), x);
  // With zeros: d out_j / d x_i = prod_{k <= j, k != i} x_k for j >= i, built as an [n, n]
  // cumprod per position (O(n^2)).
  const int64_t d = wrap_dim(dim, x.dim(), "cumprod");
  const int64_t n = x.shape()[static_cast<size_t>(d)];
  Tensor xp = movedim(x, d, -1), gp = movedim(g, d, -1);
  Tensor eye_n = eye(n, n, g.dtype());
  Tensor y = add(mul(unsqueeze(xp, -2), sub(1, eye_n)), eye_n);  // [..., i, k]
  Tensor partial = cumprod(y, -1);                               // [..., i, j]
  Tensor upper = triu(ones({n, n}, g.dtype()));                  // j >= i
  const int64_t last = -1;
  Tensor gi = sum(mul(mul(unsqueeze(gp, -2), partial), upper), IntList(&last, 1));
  return movedim(gi, -1, d);
}

namespace {

// The fused f32 kernel for rows along the last dim when no graph is recorded (a plain
// backward); undefined otherwise, and the caller runs the differentiable formula.
Tensor fused_softmax_backward(const Tensor& g, const Tensor& out, int64_t dim, bool log) {
  if (GradMode::is_enabled() || out.dim() == 0 || g.shape() != out.shape() || !g.is_contiguous() ||
      !out.is_contiguous() || wrap_dim(dim, out.dim(), "softmax") != out.dim() - 1)
    return Tensor();
  const int64_t inner = out.shape().back(), outer = inner == 0 ? 0 : out.numel() / inner;
  Tensor dx = empty(out.shape(), out.dtype());
  return kernels::simd::f32_softmax_backward_rows(g, out, outer, inner, log, dx) ? dx : Tensor();
}

}  // namespace

Tensor softmax_backward(const Tensor& g, const Tensor& out, int64_t dim) {
  if (Tensor dx = fused_softmax_backward(g, out, dim, false); dx.defined()) return dx;
  return mul(out, sub(g, sum(mul(g, out), IntList(&dim, 1), true)));
}

Tensor log_softmax_backward(const Tensor& g, const Tensor& out, int64_t dim) {
  if (Tensor dx = fused_softmax_backward(g, out, dim, true); dx.defined()) return dx;
  return sub(g, mul(exp(out), sum(g, IntList(&dim, 1), true)));
}

}  // namespace hangu::ops
