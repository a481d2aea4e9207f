// Reductions: ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceL1, ReduceL2,
// ReduceLogSum, ReduceLogSumExp, ReduceSumSquare. The axes come from an attribute before the
// opset where they became an input (13 for ReduceSum, 18 for the others); the result keeps the
// input's dtype.
#include "hangu/ops/elementwise.h"
#include "hangu/ops/reduction.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

enum class Red { sum, mean, max, min, prod, l1, l2, log_sum, log_sum_exp, sum_square };

template <Red R>
void op_reduce(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t axes_input_since = R == Red::sum ? 13 : 18;
  std::vector<int64_t> axes;
  if (c.opset() >= axes_input_since) {
    if (c.has(1)) axes = int_values(c.input(1));
  } else {
    axes = c.attr_ints("axes");
  }
  const bool keep = c.attr_int("keepdims", 1) != 0;
  if (axes.empty() && c.attr_int("noop_with_empty_axes", 0) != 0) {
    c.set(0, x);
    return;
  }
  axes = norm_axes(c, axes, x.dim());
  if (axes.empty())
    for (int64_t d = 0; d < x.dim(); ++d) axes.push_back(d);
  const IntList dims(axes);
  const DType dt = x.dtype();
  // Integer inputs are reduced in float64 where the op needs division or roots.
  const Tensor xf = x.is_floating_point() ? x : to(x, DType::f64);
  Tensor y;
  switch (R) {
    case Red::sum: y = sum(x, dims, keep); break;
    case Red::mean: y = mean(xf, dims, keep); break;
    case Red::max: y = x.numel() == 0 ? full_like(sum(xf, dims, keep), -INFINITY) : amax(x, dims, keep); break;
    case Red::min: y = x.numel() == 0 ? full_like(sum(xf, dims, keep), INFINITY) : amin(x, dims, keep); break;
    case Red::prod: y = prod(x, dims, keep); break;
    case Red::l1: y = sum(abs(x), dims, keep); break;
    case Red::l2: y = sqrt(sum(mul(xf, xf), dims, keep)); break;
    case Red::log_sum: y = log(sum(xf, dims, keep)); break;
    case Red::log_sum_exp: y = xf.numel() == 0 ? log(sum(xf, dims, keep)) : logsumexp(xf, dims, keep); break;
    case Red::sum_square: y = sum(mul(x, x), dims, keep); break;
  }
  c.set(0, y.dtype() == dt ? y : to(y, dt));
}

}  // namespace

void register_reduce_ops(OpTable& t) {
  t.add("ReduceSum", op_reduce<Red::sum>);
  t.add("ReduceMean", op_reduce<Red::mean>);
  t.add("ReduceMax", op_reduce<Red::max>);
  t.add("ReduceMin", op_reduce<Red::min>);
  t.add("ReduceProd", op_reduce<Red::prod>);
  t.add("ReduceL1", op_reduce<Red::l1>);
  t.add("ReduceL2", op_reduce<Red::l2>);
  t.add("ReduceLogSum", op_reduce<Red::log_sum>);
  t.add("ReduceLogSumExp", op_reduce<Red::log_sum_exp>);
  t.add("ReduceSumSquare", op_reduce<Red::sum_square>);
}

}  // namespace hangu::runtime
