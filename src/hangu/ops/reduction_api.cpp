// Front-end functions of the reductions, scans and softmax (declared in reduction.h): dims,
// result shapes and dtypes; the arithmetic is in kernels/cpu/reference/reduce.cpp.
#include <cmath>
#include <cstdlib>
#include <limits>
#include <numeric>

#include "hangu/core/error.h"
#include "hangu/kernels/cpu/reference/reduce.h"
#include "hangu/kernels/cpu/simd/rows.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/reduction_grad.h"
#include "hangu/ops/views.h"

namespace hangu {
namespace {

using Grads = std::vector<Tensor>;
using DimVec = std::vector<int64_t>;

// The input as `outer` contiguous rows of `inner` reduced elements, and the result shape.
struct ReducePlan {
  Tensor rows;
  int64_t outer = 1;
  int64_t inner = 1;
  Shape out_shape;
  std::vector<bool> reduced;  // per input dim
};

// The input with the kept dims first and the reduced ones last, contiguous.
void materialize_rows(const Tensor& x, ReducePlan& p) {
  Shape perm;
  for (int64_t d = 0; d < x.dim(); ++d)
    if (!p.reduced[static_cast<size_t>(d)]) perm.push_back(d);
  for (int64_t d = 0; d < x.dim(); ++d)
    if (p.reduced[static_cast<size_t>(d)]) perm.push_back(d);
  p.rows = contiguous(permute(x, perm));
}

// `materialize`: make `rows` now; a caller with a kernel for the original layout passes false
// and calls materialize_rows only when it needs them.
ReducePlan plan_reduce(const Tensor& x, IntList dims, bool keepdim, const char* op, bool materialize = true) {
  check_defined(x, op);
  const int64_t rank = x.dim();
  ReducePlan p;
  p.reduced.assign(static_cast<size_t>(rank), dims.empty());
  for (int64_t d : dims) {
    int64_t w = wrap_dim(d, rank, op);
    if (rank == 0) continue;  // a 0-d tensor reduces to itself
    if (p.reduced[static_cast<size_t>(w)])
      throw ValueError(MsgId::red_dim_repeated, op, d, Shape(dims.begin(), dims.end()));
    p.reduced[static_cast<size_t>(w)] = true;
  }
  for (int64_t d = 0; d < rank; ++d) {
    int64_t s = x.shape()[static_cast<size_t>(d)];
    if (p.reduced[static_cast<size_t>(d)]) {
      p.inner *= s;
      if (keepdim) p.out_shape.push_back(1);
    } else {
      p.outer *= s;
      p.out_shape.push_back(s);
    }
  }
  if (materialize) materialize_rows(x, p);
  return p;
}

// Max-like reductions have no identity: a reduced dim of size 0 is an error.
void check_nonempty(const Tensor& x, const ReducePlan& p, const char* op, bool full) {
  if (full && x.numel() == 0) throw IndexError(MsgId::red_no_identity_all, op, x.shape());
  for (size_t d = 0; d < p.reduced.size(); ++d)
    if (p.reduced[d] && x.shape()[d] == 0)
      throw IndexError(MsgId::red_no_identity_dim, op, static_cast<int64_t>(d), x.shape());
}

void check_floating(DType t, const char* op) {
  if (!is_floating(t)) throw DTypeError(MsgId::red_float_only, op, t);
}

// sum/prod/cumsum/cumprod: the dtype to accumulate and return in.
DType accumulate_dtype(DType t, std::optional<DType> dtype) {
  if (dtype) return *dtype;
  return is_integral(t, true) ? DType::i64 : t;
}

using RowKernel = void (*)(const Tensor&, int64_t, int64_t, const Tensor&);

Tensor reduce_simple(const Tensor& x, IntList dims, bool keepdim, const char* op, RowKernel k) {
  ReducePlan p = plan_reduce(x, dims, keepdim, op);
  Tensor out = empty(p.out_shape, x.dtype());
  k(p.rows, p.outer, p.inner, out);
  return out;
}

// sum or mean: the f32 fast kernel reads the input in place (no permuted copy) when its kept dims
// form one block, e.g. rows, columns, or a bias gradient over N, H, W.
Tensor sum_or_mean(const Tensor& x, IntList dims, bool keepdim, const char* op, bool mean) {
  ReducePlan p = plan_reduce(x, dims, keepdim, op, /*materialize=*/false);
  Tensor out = empty(p.out_shape, x.dtype());
  if (kernels::simd::f32_sum(x, p.reduced, mean, out)) return out;
  materialize_rows(x, p);
  (mean ? kernels::mean_rows__reference : kernels::sum_rows__reference)(p.rows, p.outer, p.inner, out);
  return out;
}

std::pair<Tensor, Tensor> minmax_dim(const Tensor& x, int64_t dim, bool keepdim, bool is_max, bool want_values,
                                     const char* op) {
  int64_t d = dim;
  ReducePlan p = plan_reduce(x, IntList(&d, 1), keepdim, op);
  check_nonempty(x, p, op, false);
  Tensor values = want_values ? empty(p.out_shape, x.dtype()) : Tensor();
  Tensor indices = empty(p.out_shape, DType::i64);
  kernels::minmax_rows__reference(p.rows, p.outer, p.inner, is_max, values, indices);
  return {values, indices};
}

Tensor minmax_all(const Tensor& x, IntList dims, bool keepdim, bool is_max, const char* op, bool full) {
  ReducePlan p = plan_reduce(x, dims, keepdim, op);
  check_nonempty(x, p, op, full);
  Tensor values = empty(p.out_shape, x.dtype());
  kernels::minmax_rows__reference(p.rows, p.outer, p.inner, is_max, values, Tensor());
  return values;
}

Tensor argminmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim, bool is_max, const char* op) {
  check_defined(x, op);
  if (dim) return minmax_dim(x, *dim, keepdim, is_max, false, op).second;
  if (x.numel() == 0) throw IndexError(MsgId::red_no_identity_all, op, x.shape());
  Tensor flat = reshape(x, {-1});
  Tensor idx = empty({}, DType::i64);
  kernels::minmax_rows__reference(contiguous(flat), 1, flat.numel(), is_max, Tensor(), idx);
  if (!keepdim) return idx;
  Shape ones(static_cast<size_t>(x.dim()), 1);
  return reshape(idx, ones);
}

// Moves `dim` last and makes the rows contiguous; `finish` puts the dim back.
struct DimRows {
  Tensor rows;
  int64_t outer = 1, inner = 1, dim = 0;
  Tensor finish(const Tensor& out_rows) const {
    if (rows.dim() == 0) return out_rows;
    return contiguous(movedim(out_rows, -1, dim));
  }
};

DimRows plan_dim(const Tensor& x, int64_t dim, const char* op) {
  check_defined(x, op);
  DimRows r;
  r.dim = wrap_dim(dim, x.dim(), op);
  if (x.dim() == 0) {
    r.rows = contiguous(x);
    return r;
  }
  r.rows = contiguous(movedim(x, r.dim, -1));
  r.inner = x.shape()[static_cast<size_t>(r.dim)];
  r.outer = r.inner == 0 ? 0 : x.numel() / r.inner;
  return r;
}

Tensor scan(const Tensor& x, int64_t dim, std::optional<DType> dtype, const char* op, RowKernel k) {
  DimRows r = plan_dim(to(x, accumulate_dtype(x.dtype(), dtype)), dim, op);
  Tensor out = empty(r.rows.shape(), r.rows.dtype());
  k(r.rows, r.outer, r.inner, out);
  return r.finish(out);
}

Tensor var_or_std(const Tensor& x, IntList dims, double correction, bool keepdim, bool take_sqrt, const char* op) {
  check_defined(x, op);
  check_floating(x.dtype(), op);
  ReducePlan p = plan_reduce(x, dims, keepdim, op);
  Tensor out = empty(p.out_shape, x.dtype());
  kernels::var_rows__reference(p.rows, p.outer, p.inner, correction, take_sqrt, out);
  return out;
}

Tensor softmax_impl(const Tensor& x, int64_t dim, std::optional<DType> dtype, bool log, const char* op) {
  check_defined(x, op);
  DType t = dtype ? *dtype : x.dtype();
  check_floating(t, op);
  DimRows r = plan_dim(to(x, t), dim, op);
  Tensor out = empty(r.rows.shape(), t);
  if (!kernels::simd::f32_softmax_rows(r.rows, r.outer, r.inner, log, out))
    kernels::softmax_rows__reference(r.rows, r.outer, r.inner, log, out);
  return r.finish(out);
}

}  // namespace

Tensor sum(const Tensor& x, IntList dims, bool keepdim, std::optional<DType> dtype) {
  check_defined(x, "sum");
  ops::GradRecorder rec("sum", {x});
  Tensor out = sum_or_mean(to(x, accumulate_dtype(x.dtype(), dtype)), dims, keepdim, "sum", false);
  if (rec.active())
    rec.record({out}, [shape = x.shape(), d = std::vector<int64_t>(dims.begin(), dims.end()),
                       keepdim](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{ops::unreduce(g[0], shape, d, keepdim)};
    });
  return out;
}

Tensor prod(const Tensor& x, IntList dims, bool keepdim, std::optional<DType> dtype) {
  check_defined(x, "prod");
  ops::GradRecorder rec("prod", {x});
  Tensor out =
      reduce_simple(to(x, accumulate_dtype(x.dtype(), dtype)), dims, keepdim, "prod", kernels::prod_rows__reference);
  if (rec.active())
    rec.record({out}, [x, r = ops::SavedTensor(out), d = DimVec(dims.begin(), dims.end()), keepdim](const Grads& g) {
      return Grads{ops::prod_backward(ops::wide(g[0]), ops::wide(x), ops::wide(r.get()), d, keepdim)};
    });
  return out;
}

Tensor mean(const Tensor& x, IntList dims, bool keepdim, std::optional<DType> dtype) {
  check_defined(x, "mean");
  DType t = dtype ? *dtype : x.dtype();
  if (!is_floating(t)) throw DTypeError(MsgId::red_float_only, "mean", t);
  ops::GradRecorder rec("mean", {x});
  Tensor out = sum_or_mean(to(x, t), dims, keepdim, "mean", true);
  if (rec.active())
    rec.record({out}, [shape = x.shape(), d = DimVec(dims.begin(), dims.end()), keepdim](const Grads& g) {
      return Grads{ops::mean_backward(ops::wide(g[0]), shape, d, keepdim)};
    });
  return out;
}

namespace {

// amax/amin and the full max/min: ties share the gradient.
Tensor minmax_all_grad(const Tensor& x, IntList dims, bool keepdim, bool is_max, const char* op, bool full) {
  ops::GradRecorder rec(op, {x});
  Tensor out = minmax_all(x, dims, keepdim, is_max, op, full);
  if (rec.active())
    rec.record(
        {out}, [x, r = ops::SavedTensor(out), d = DimVec(dims.begin(), dims.end()), keepdim, full](const Grads& g) {
          return Grads{
              ops::evenly_distribute_backward(ops::wide(g[0]), ops::wide(x), ops::wide(r.get()), d, keepdim, full)};
        });
  return out;
}

// max/min along a dim: the gradient goes to the returned index.
std::pair<Tensor, Tensor> minmax_dim_grad(const Tensor& x, int64_t dim, bool keepdim, bool is_max, const char* op) {
  ops::GradRecorder rec(op, {x});
  auto [values, indices] = minmax_dim(x, dim, keepdim, is_max, true, op);
  if (rec.active())
    rec.record({values, indices}, [shape = x.shape(), indices = indices, dim, keepdim](const Grads& g) {
      return Grads{ops::index_backward(g[0], indices, shape, dim, keepdim)};
    });
  return {values, indices};
}

}  // namespace

Tensor max(const Tensor& x) { return minmax_all_grad(x, {}, false, true, "max", true); }
Tensor min(const Tensor& x) { return minmax_all_grad(x, {}, false, false, "min", true); }
std::pair<Tensor, Tensor> max(const Tensor& x, int64_t dim, bool keepdim) {
  return minmax_dim_grad(x, dim, keepdim, true, "max");
}
std::pair<Tensor, Tensor> min(const Tensor& x, int64_t dim, bool keepdim) {
  return minmax_dim_grad(x, dim, keepdim, false, "min");
}
Tensor amax(const Tensor& x, IntList dims, bool keepdim) {
  return minmax_all_grad(x, dims, keepdim, true, "amax", false);
}
Tensor amin(const Tensor& x, IntList dims, bool keepdim) {
  return minmax_all_grad(x, dims, keepdim, false, "amin", false);
}
Tensor argmax(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return argminmax(x, dim, keepdim, true, "argmax");
}
Tensor argmin(const Tensor& x, std::optional<int64_t> dim, bool keepdim) {
  return argminmax(x, dim, keepdim, false, "argmin");
}

Tensor var(const Tensor& x, IntList dims, double correction, bool keepdim) {
  ops::GradRecorder rec("var", {x});
  Tensor out = var_or_std(x, dims, correction, keepdim, false, "var");
  if (rec.active())
    rec.record({out}, [x, d = DimVec(dims.begin(), dims.end()), correction, keepdim](const Grads& g) {
      return Grads{ops::var_backward(ops::wide(g[0]), ops::wide(x), d, correction, keepdim)};
    });
  return out;
}
Tensor std(const Tensor& x, IntList dims, double correction, bool keepdim) {
  ops::GradRecorder rec("std", {x});
  Tensor out = var_or_std(x, dims, correction, keepdim, true, "std");
  if (rec.active())
    rec.record({out}, [x, r = ops::SavedTensor(out), d = DimVec(dims.begin(), dims.end()), correction,
                       keepdim](const Grads& g) {
      return Grads{ops::std_backward(ops::wide(g[0]), ops::wide(x), ops::wide(r.get()), d, correction, keepdim)};
    });
  return out;
}

Tensor logsumexp(const Tensor& x, IntList dims, bool keepdim) {
  check_defined(x, "logsumexp");
  ops::GradRecorder rec("logsumexp", {x});
  Tensor xf = is_floating(x.dtype()) ? x : to(x, kDefaultFloat);
  Tensor out = reduce_simple(xf, dims, keepdim, "logsumexp", kernels::logsumexp_rows__reference);
  if (rec.active())
    rec.record({out}, [x, r = ops::SavedTensor(out), d = DimVec(dims.begin(), dims.end()), keepdim](const Grads& g) {
      // float16 (no torch kernel: PyTorch's answer is float32's) recomputes the output in float:
      // exp(x - out) would magnify the rounding of a float16 out near 20 to almost 1%.
      Tensor o = x.dtype() == DType::f16 ? logsumexp(ops::wide(x), d, keepdim) : ops::wide(r.get());
      return Grads{ops::logsumexp_backward(ops::wide(g[0]), ops::wide(x), o, d, keepdim)};
    });
  return out;
}

Tensor norm(const Tensor& x, double p, IntList dims, bool keepdim) {
  check_defined(x, "norm");
  check_floating(x.dtype(), "norm");
  if (std::isnan(p)) throw ValueError(MsgId::red_bad_norm, "norm", "nan");
  ops::GradRecorder rec("norm", {x});
  ReducePlan plan = plan_reduce(x, dims, keepdim, "norm");
  if (p < 0 || std::isinf(p)) check_nonempty(x, plan, "norm", false);  // no identity
  Tensor out = empty(plan.out_shape, x.dtype());
  kernels::norm_rows__reference(plan.rows, plan.outer, plan.inner, p, out);
  if (rec.active())
    rec.record({out}, [x, r = ops::SavedTensor(out), p, d = DimVec(dims.begin(), dims.end()), keepdim](const Grads& g) {
      return Grads{ops::norm_backward(ops::wide(g[0]), ops::wide(x), ops::wide(r.get()), p, d, keepdim)};
    });
  return out;
}

Tensor norm(const Tensor& x, const std::string& p, IntList dims, bool keepdim) {
  if (p == "fro") return norm(x, 2.0, dims, keepdim);
  if (p == "inf") return norm(x, std::numeric_limits<double>::infinity(), dims, keepdim);
  if (p == "-inf") return norm(x, -std::numeric_limits<double>::infinity(), dims, keepdim);
  char* end = nullptr;
  double v = std::strtod(p.c_str(), &end);
  if (p.empty() || *end != '\0') throw ValueError(MsgId::red_bad_norm, "norm", p);
  return norm(x, v, dims, keepdim);
}

Tensor all(const Tensor& x, IntList dims, bool keepdim) {
  ReducePlan p = plan_reduce(x, dims, keepdim, "all");
  Tensor out = empty(p.out_shape, x.dtype() == DType::u8 ? DType::u8 : DType::boolean);
  kernels::all_any_rows__reference(p.rows, p.outer, p.inner, true, out);
  return out;
}

Tensor any(const Tensor& x, IntList dims, bool keepdim) {
  ReducePlan p = plan_reduce(x, dims, keepdim, "any");
  Tensor out = empty(p.out_shape, x.dtype() == DType::u8 ? DType::u8 : DType::boolean);
  kernels::all_any_rows__reference(p.rows, p.outer, p.inner, false, out);
  return out;
}

Tensor cumsum(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  check_defined(x, "cumsum");
  ops::GradRecorder rec("cumsum", {x});
  Tensor out = scan(x, dim, dtype, "cumsum", kernels::cumsum_rows__reference);
  if (rec.active())
    rec.record({out}, [dim](const Grads& g) { return Grads{ops::cumsum_backward(ops::wide(g[0]), dim)}; });
  return out;
}
Tensor cumprod(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  check_defined(x, "cumprod");
  ops::GradRecorder rec("cumprod", {x});
  Tensor out = scan(x, dim, dtype, "cumprod", kernels::cumprod_rows__reference);
  if (rec.active())
    rec.record({out}, [x, r = ops::SavedTensor(out), dim](const Grads& g) {
      return Grads{ops::cumprod_backward(ops::wide(g[0]), ops::wide(x), ops::wide(r.get()), dim)};
    });
  return out;
}

Tensor softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  ops::GradRecorder rec("softmax", {x});
  Tensor out = softmax_impl(x, dim, dtype, false, "softmax");
  if (rec.active())
    rec.record({out}, [r = ops::SavedTensor(out), dim](const Grads& g) {
      return Grads{ops::softmax_backward(ops::wide(g[0]), ops::wide(r.get()), dim)};
    });
  return out;
}
Tensor log_softmax(const Tensor& x, int64_t dim, std::optional<DType> dtype) {
  ops::GradRecorder rec("log_softmax", {x});
  Tensor out = softmax_impl(x, dim, dtype, true, "log_softmax");
  if (rec.active())
    rec.record({out}, [r = ops::SavedTensor(out), dim](const Grads& g) {
      return Grads{ops::log_softmax_backward(ops::wide(g[0]), ops::wide(r.get()), dim)};
    });
  return out;
}

}  // namespace hangu
