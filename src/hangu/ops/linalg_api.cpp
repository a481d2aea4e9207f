// Front-end functions of the matrix products (declared in linalg.h): shape rules and dtype
// checks; the arithmetic is kernels::gemm. Backward formulas are products again (so second
// derivatives work); matmul records nothing itself: it is built of mm, bmm, dot and views.
#include "hangu/core/error.h"
#include "hangu/kernels/cpu/gemm.h"
#include "hangu/kernels/cpu/reference/loops.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"

namespace hangu {
namespace {

using Grads = std::vector<Tensor>;

// The gradient wrt an operand, only when it wants one.
template <typename F>
Tensor if_needed(const Tensor& input, F f) {
  return input.requires_grad() ? f() : Tensor();
}

Tensor scaled(const Tensor& t, const Scalar& s) { return s.to_double() == 1.0 ? t : mul(t, s); }

void check_pair(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op);
  check_defined(b, op);
  if (a.dtype() != b.dtype()) throw DTypeError(MsgId::la_dtype_mismatch, op, a.dtype(), b.dtype());
  if (a.dtype() == DType::boolean) throw DTypeError(MsgId::dtype_not_supported, op, a.dtype());
}

void check_ranks(const Tensor& a, int64_t rank_a, const Tensor& b, int64_t rank_b, const char* op) {
  if (a.dim() != rank_a || b.dim() != rank_b)
    throw ShapeError(MsgId::la_bad_rank, op, rank_a, rank_b, a.shape(), b.shape());
}

// c3 = alpha * a3 @ b3 + beta * c3 for 3-D views [batch, m, k] x [batch, k, n] -> [batch, m, n].
void run_gemm(const Tensor& a3, const Tensor& b3, const Tensor& c3, const Scalar& alpha, const Scalar& beta) {
  kernels::GemmDesc d;
  d.batch = c3.size(0);
  d.m = c3.size(1);
  d.n = c3.size(2);
  d.k = a3.size(2);
  d.a_bs = a3.stride(0), d.a_rs = a3.stride(1), d.a_cs = a3.stride(2);
  d.b_bs = b3.stride(0), d.b_rs = b3.stride(1), d.b_cs = b3.stride(2);
  d.c_bs = c3.stride(0), d.c_rs = c3.stride(1), d.c_cs = c3.stride(2);
  kernels::gemm(c3.dtype(), d, alpha, a3.data(), b3.data(), beta, c3.data());
}

}  // namespace

Tensor mm(const Tensor& a, const Tensor& b) {
  check_pair(a, b, "mm");
  check_ranks(a, 2, b, 2, "mm");
  if (a.size(1) != b.size(0)) throw ShapeError(MsgId::la_shape_mismatch, "mm", a.shape(), b.shape());
  ops::GradRecorder rec("mm", {a, b});
  Tensor out = empty({a.size(0), b.size(1)}, a.dtype());
  run_gemm(unsqueeze(a, 0), unsqueeze(b, 0), unsqueeze(out, 0), 1, 0);
  if (rec.active())
    rec.record({out}, [a, b](const Grads& g) {
      return Grads{if_needed(a, [&] { return mm(g[0], transpose(b, 0, 1)); }),
                   if_needed(b, [&] { return mm(transpose(a, 0, 1), g[0]); })};
    });
  return out;
}

Tensor bmm(const Tensor& a, const Tensor& b) {
  check_pair(a, b, "bmm");
  check_ranks(a, 3, b, 3, "bmm");
  if (a.size(0) != b.size(0) || a.size(2) != b.size(1))
    throw ShapeError(MsgId::la_shape_mismatch, "bmm", a.shape(), b.shape());
  ops::GradRecorder rec("bmm", {a, b});
  Tensor out = empty({a.size(0), a.size(1), b.size(2)}, a.dtype());
  run_gemm(a, b, out, 1, 0);
  if (rec.active())
    rec.record({out}, [a, b](const Grads& g) {
      return Grads{if_needed(a, [&] { return bmm(g[0], transpose(b, 1, 2)); }),
                   if_needed(b, [&] { return bmm(transpose(a, 1, 2), g[0]); })};
    });
  return out;
}

Tensor mv(const Tensor& a, const Tensor& v) {
  check_pair(a, v, "mv");
  check_ranks(a, 2, v, 1, "mv");
  if (a.size(1) != v.size(0)) throw ShapeError(MsgId::la_shape_mismatch, "mv", a.shape(), v.shape());
  ops::GradRecorder rec("mv", {a, v});
  Tensor out = empty({a.size(0)}, a.dtype());
  run_gemm(unsqueeze(a, 0), unsqueeze(unsqueeze(v, 1), 0), unsqueeze(unsqueeze(out, 1), 0), 1, 0);
  if (rec.active())
    rec.record({out}, [a, v](const Grads& g) {
      return Grads{if_needed(a, [&] { return mm(unsqueeze(g[0], 1), unsqueeze(v, 0)); }),
                   if_needed(v, [&] { return mv(transpose(a, 0, 1), g[0]); })};
    });
  return out;
}

Tensor dot(const Tensor& a, const Tensor& b) {
  check_pair(a, b, "dot");
  check_ranks(a, 1, b, 1, "dot");
  if (a.size(0) != b.size(0)) throw ShapeError(MsgId::la_shape_mismatch, "dot", a.shape(), b.shape());
  ops::GradRecorder rec("dot", {a, b});
  Tensor out = empty({}, a.dtype());
  run_gemm(unsqueeze(unsqueeze(a, 0), 0), unsqueeze(unsqueeze(b, 1), 0), reshape(out, {1, 1, 1}), 1, 0);
  if (rec.active())
    rec.record({out}, [a, b](const Grads& g) {
      return Grads{if_needed(a, [&] { return mul(g[0], b); }), if_needed(b, [&] { return mul(g[0], a); })};
    });
  return out;
}

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_pair(a, b, "matmul");
  const int64_t da = a.dim(), db = b.dim();
  if (da == 0 || db == 0) throw ShapeError(MsgId::la_needs_1d, "matmul", a.shape(), b.shape());
  auto mismatch = [&] { return ShapeError(MsgId::la_shape_mismatch, "matmul", a.shape(), b.shape()); };
  if (da == 1 && db == 1) {
    if (a.size(0) != b.size(0)) throw mismatch();
    return dot(a, b);
  }
  if (da <= 2 && db <= 2) {
    Tensor a2 = da == 1 ? unsqueeze(a, 0) : a;
    Tensor b2 = db == 1 ? unsqueeze(b, 1) : b;
    if (a2.size(1) != b2.size(0)) throw mismatch();
    Tensor out = mm(a2, b2);
    if (da == 1) return squeeze(out, 0);
    if (db == 1) return squeeze(out, 1);
    return out;
  }
  if (db <= 2) {
    // A matrix (or vector) b against a batch of a: fold a's batch into its rows, one product
    // [.. * n, k] @ [k, m] (as PyTorch does). b is packed once instead of once per batch entry, and
    // its gradient is one product instead of a batch of them summed by expand's backward.
    Tensor b2 = db == 1 ? unsqueeze(b, 1) : b;
    const int64_t k = a.size(-1);
    if (b2.size(0) != k) throw mismatch();
    Shape out_shape(a.shape().begin(), a.shape().end() - 1);
    const int64_t rows = shape_numel(out_shape);  // explicit: -1 is ambiguous when k == 0
    if (db == 2) out_shape.push_back(b2.size(1));
    return reshape(mm(reshape(a, {rows, k}), b2), out_shape);
  }
  // Batched: a 1-D operand becomes [1, k] (a) or [k, 1] (b); batch dims broadcast.
  Tensor a2 = da == 1 ? unsqueeze(a, 0) : a;
  Tensor b2 = db == 1 ? unsqueeze(b, 1) : b;
  const int64_t n = a2.size(-2), k = a2.size(-1), m = b2.size(-1);
  if (b2.size(-2) != k) throw mismatch();
  Shape batch_a(a2.shape().begin(), a2.shape().end() - 2);
  Shape batch_b(b2.shape().begin(), b2.shape().end() - 2);
  Shape batch;
  try {
    batch = broadcast_shapes(batch_a, batch_b, "matmul");
  } catch (const ShapeError&) {
    throw mismatch();
  }
  const int64_t nb = shape_numel(batch);
  Shape ea = batch, eb = batch;
  ea.insert(ea.end(), {n, k});
  eb.insert(eb.end(), {k, m});
  // Every step is differentiable: expand's backward sums the gradient over broadcast batch dims.
  Tensor a3 = reshape(expand(a2, ea), {nb, n, k});
  Tensor b3 = reshape(expand(b2, eb), {nb, k, m});
  Tensor out = bmm(a3, b3);
  Shape out_shape = batch;
  if (da > 1) out_shape.push_back(n);
  if (db > 1) out_shape.push_back(m);
  return reshape(out, out_shape);
}

Tensor outer(const Tensor& a, const Tensor& b) {
  check_defined(a, "outer");
  check_defined(b, "outer");
  check_ranks(a, 1, b, 1, "outer");
  const DType t = promote_types(a.dtype(), b.dtype());
  ops::GradRecorder rec("outer", {a, b});
  Tensor ac = unsqueeze(to(a, t), 1), bc = to(b, t);
  Tensor out = empty({a.size(0), b.size(0)}, t);
  dispatch_dtype(t, [&]<typename T>() {
    kernels::map_elementwise<T, T, T>(out, {&ac, &bc}, [](T x, T y) -> T {
      if constexpr (std::is_same_v<T, bool>)
        return x && y;
      else if constexpr (std::is_integral_v<T>)  // wraps like PyTorch instead of signed overflow
        return static_cast<T>(static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y)));
      else
        return T(static_cast<opmath_t<T>>(x) * static_cast<opmath_t<T>>(y));
    });
  });
  if (rec.active())  // mul promotes mixed dtypes like the forward did
    rec.record({out}, [a, b](const Grads& g) {
      return Grads{if_needed(a, [&] { return sum(mul(g[0], unsqueeze(b, 0)), {1}); }),
                   if_needed(b, [&] { return sum(mul(g[0], unsqueeze(a, 1)), {0}); })};
    });
  return out;
}

Tensor addmm(const Tensor& input, const Tensor& m1, const Tensor& m2, const Scalar& beta, const Scalar& alpha) {
  check_pair(m1, m2, "addmm");
  check_pair(input, m1, "addmm");
  check_ranks(m1, 2, m2, 2, "addmm");
  if (m1.size(1) != m2.size(0)) throw ShapeError(MsgId::la_shape_mismatch, "addmm", m1.shape(), m2.shape());
  ops::GradRecorder rec("addmm", {input, m1, m2});
  Tensor out = empty({m1.size(0), m2.size(1)}, m1.dtype());
  Tensor in = expand(input, out.shape());  // checks that input broadcasts
  if (beta.to_bool()) copy_(out, in);
  run_gemm(unsqueeze(m1, 0), unsqueeze(m2, 0), unsqueeze(out, 0), alpha, beta);
  if (rec.active())
    rec.record({out}, [input, m1, m2, beta, alpha](const Grads& g) {
      return Grads{if_needed(input, [&] { return mul(g[0], beta); }),
                   if_needed(m1, [&] { return scaled(mm(g[0], transpose(m2, 0, 1)), alpha); }),
                   if_needed(m2, [&] { return scaled(mm(transpose(m1, 0, 1), g[0]), alpha); })};
    });
  return out;
}

Tensor baddbmm(const Tensor& input, const Tensor& b1, const Tensor& b2, const Scalar& beta, const Scalar& alpha) {
  check_pair(b1, b2, "baddbmm");
  check_pair(input, b1, "baddbmm");
  check_ranks(b1, 3, b2, 3, "baddbmm");
  if (b1.size(0) != b2.size(0) || b1.size(2) != b2.size(1))
    throw ShapeError(MsgId::la_shape_mismatch, "baddbmm", b1.shape(), b2.shape());
  ops::GradRecorder rec("baddbmm", {input, b1, b2});
  Tensor out = empty({b1.size(0), b1.size(1), b2.size(2)}, b1.dtype());
  Tensor in = expand(input, out.shape());
  if (beta.to_bool()) copy_(out, in);
  run_gemm(b1, b2, out, alpha, beta);
  if (rec.active())
    rec.record({out}, [input, b1, b2, beta, alpha](const Grads& g) {
      return Grads{if_needed(input, [&] { return mul(g[0], beta); }),
                   if_needed(b1, [&] { return scaled(bmm(g[0], transpose(b2, 1, 2)), alpha); }),
                   if_needed(b2, [&] { return scaled(bmm(transpose(b1, 1, 2), g[0]), alpha); })};
    });
  return out;
}

}  // namespace hangu
