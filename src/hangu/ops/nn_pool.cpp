// Front ends of the pooling ops (declared in nn_conv.h). Each pool is a pair of kernels that
// are adjoint to each other, and each records the other as its backward, so gradients of any
// order work: max_pool2d's backward scatters to the argmax indices kept from the forward; the
// scatter's backward gathers at those indices.
#include "hangu/kernels/cpu/pool.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/nn_conv_common.h"

namespace hangu {
namespace {

using kernels::Pool2dShape;
using namespace ops::conv_detail;

enum class PoolKind : uint8_t { avg, adaptive };

Tensor max_scatter(const Tensor& gy, const Tensor& idx, const Pool2dShape& s, const Shape& in_shape);

// y[p, o] = x[p, idx[p, o]] for x of the input's shape.
Tensor max_gather(const Tensor& x, const Tensor& idx, const Pool2dShape& s, const Shape& out_shape) {
  ops::GradRecorder rec("max_pool2d_gather", {x});
  Tensor xc = compute_copy(x);
  Tensor out = empty(out_shape, xc.dtype());
  kernels::max_pool2d_gather(xc.dtype(), s, xc.data(), idx.data_ptr<int64_t>(), out.data());
  out = to(out, x.dtype());
  if (rec.active())
    rec.record({out}, [idx, s, in_shape = x.shape()](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{max_scatter(g[0], idx, s, in_shape)};
    });
  return out;
}

// max_pool2d's backward: gy summed into the argmax positions of a zero tensor of in_shape.
Tensor max_scatter(const Tensor& gy, const Tensor& idx, const Pool2dShape& s, const Shape& in_shape) {
  ops::GradRecorder rec("max_pool2d_backward", {gy});
  Tensor gc = compute_copy(gy);
  Tensor out = empty(in_shape, gc.dtype());
  kernels::max_pool2d_scatter(gc.dtype(), s, gc.data(), idx.data_ptr<int64_t>(), out.data());
  out = to(out, gy.dtype());
  if (rec.active())
    rec.record({out}, [idx, s, out_shape = gy.shape()](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{max_gather(g[0], idx, s, out_shape)};
    });
  return out;
}

Tensor max_pool_forward(const Tensor& x, const Pool2dShape& s) {
  ops::GradRecorder rec("max_pool2d", {x});
  Tensor xc = compute_copy(x);
  Shape out_shape{x.size(0), x.size(1), s.oh, s.ow};
  Tensor out = empty(out_shape, xc.dtype()), idx = empty(out_shape, DType::i64);
  kernels::max_pool2d_forward(xc.dtype(), s, xc.data(), out.data(), idx.data_ptr<int64_t>());
  out = to(out, x.dtype());
  if (rec.active())
    rec.record({out}, [idx, s, in_shape = x.shape()](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{max_scatter(g[0], idx, s, in_shape)};
    });
  return out;
}

Tensor avg_backward(const Tensor& gy, const Pool2dShape& s, PoolKind kind, bool cip, const Shape& in_shape);

// Average pooling (or its adaptive form) of batched x; its backward is avg_backward.
Tensor avg_forward(const Tensor& x, const Pool2dShape& s, PoolKind kind, bool cip) {
  ops::GradRecorder rec(kind == PoolKind::avg ? "avg_pool2d" : "adaptive_avg_pool2d", {x});
  Tensor xc = compute_copy(x);
  Tensor out = empty({x.size(0), x.size(1), s.oh, s.ow}, xc.dtype());
  if (kind == PoolKind::avg)
    kernels::avg_pool2d_forward(xc.dtype(), s, cip, xc.data(), out.data());
  else
    kernels::adaptive_avg_pool2d_forward(xc.dtype(), s, xc.data(), out.data());
  out = to(out, x.dtype());
  if (rec.active())
    rec.record({out}, [s, kind, cip, in_shape = x.shape()](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{avg_backward(g[0], s, kind, cip, in_shape)};
    });
  return out;
}

// The adjoint of avg_forward; its backward is avg_forward.
Tensor avg_backward(const Tensor& gy, const Pool2dShape& s, PoolKind kind, bool cip, const Shape& in_shape) {
  ops::GradRecorder rec(kind == PoolKind::avg ? "avg_pool2d_backward" : "adaptive_avg_pool2d_backward", {gy});
  Tensor gc = compute_copy(gy);
  Tensor out = empty(in_shape, gc.dtype());
  if (kind == PoolKind::avg)
    kernels::avg_pool2d_backward(gc.dtype(), s, cip, gc.data(), out.data());
  else
    kernels::adaptive_avg_pool2d_backward(gc.dtype(), s, gc.data(), out.data());
  out = to(out, gy.dtype());
  if (rec.active())
    rec.record({out}, [s, kind, cip](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{avg_forward(g[0], s, kind, cip)};
    });
  return out;
}

// Checks the window arguments and fills s (planes, sizes, window) for batched x.
Pool2dShape pool_shape(const Tensor& x, const IntVec& kernel, const IntVec& stride, const IntVec& padding,
                       const IntVec& dilation, bool ceil_mode, const char* op) {
  IntVec k = expand_param(kernel, 2, op, "kernel_size");
  IntVec st = stride.empty() ? k : expand_param(stride, 2, op, "stride");
  IntVec pad = expand_param(padding, 2, op, "padding"), dil = expand_param(dilation, 2, op, "dilation");
  check_positive(k, op, "kernel_size");
  check_positive(st, op, "stride");
  check_positive(dil, op, "dilation");
  check_nonneg(pad, op, "padding");
  for (size_t d = 0; d < 2; ++d)
    if (pad[d] > k[d] / 2) throw ValueError(MsgId::pool_pad_too_big, op, IntList(pad), IntList(k));
  Pool2dShape s;
  s.planes = x.size(0) * x.size(1), s.h = x.size(2), s.w = x.size(3);
  s.kh = k[0], s.kw = k[1], s.sh = st[0], s.sw = st[1], s.ph = pad[0], s.pw = pad[1], s.dh = dil[0], s.dw = dil[1];
  s.oh = pool_out_size(s.h, s.kh, s.ph, s.sh, s.dh, ceil_mode);
  s.ow = pool_out_size(s.w, s.kw, s.pw, s.sw, s.dw, ceil_mode);
  if (s.oh <= 0 || s.ow <= 0)
    throw ShapeError(MsgId::conv_output_empty, op, Shape{s.h + 2 * s.ph, s.w + 2 * s.pw}, IntList(k), IntList(dil),
                     Shape{s.oh, s.ow});
  return s;
}

Tensor unbatch_like(const Tensor& out, const Tensor& input, int64_t spatial) {
  return input.dim() == spatial + 1 ? squeeze(out, 0) : out;
}

}  // namespace

Tensor max_pool2d(const Tensor& input, const IntVec& kernel_size, const IntVec& stride, const IntVec& padding,
                  const IntVec& dilation, bool ceil_mode) {
  const char* op = "max_pool2d";
  check_float(input, op);
  Tensor x = as_batched(input, 2, op);
  Pool2dShape s = pool_shape(x, kernel_size, stride, padding, dilation, ceil_mode, op);
  return unbatch_like(max_pool_forward(x, s), input, 2);
}

Tensor max_pool1d(const Tensor& input, int64_t kernel_size, int64_t stride, int64_t padding, int64_t dilation,
                  bool ceil_mode) {
  const char* op = "max_pool1d";
  check_float(input, op);
  if (input.dim() != 2 && input.dim() != 3) throw ShapeError(MsgId::conv_input_rank, op, 2, 3, input.shape());
  Tensor out = max_pool2d(unsqueeze(input, -2), {1, kernel_size}, {1, stride < 0 ? kernel_size : stride},
                          {0, padding}, {1, dilation}, ceil_mode);
  return squeeze(out, -2);
}

Tensor avg_pool2d(const Tensor& input, const IntVec& kernel_size, const IntVec& stride, const IntVec& padding,
                  bool ceil_mode, bool count_include_pad) {
  const char* op = "avg_pool2d";
  check_float(input, op);
  Tensor x = as_batched(input, 2, op);
  Pool2dShape s = pool_shape(x, kernel_size, stride, padding, {1, 1}, ceil_mode, op);
  return unbatch_like(avg_forward(x, s, PoolKind::avg, count_include_pad), input, 2);
}

Tensor adaptive_avg_pool2d(const Tensor& input, const IntVec& output_size) {
  const char* op = "adaptive_avg_pool2d";
  check_float(input, op);
  Tensor x = as_batched(input, 2, op);
  IntVec os = expand_param(output_size, 2, op, "output_size");
  check_nonneg(os, op, "output_size");
  if (x.size(2) <= 0 || x.size(3) <= 0)
    throw ShapeError(MsgId::conv_output_empty, op, Shape{x.size(2), x.size(3)}, IntList(os), 1, IntList(os));
  Pool2dShape s;
  s.planes = x.size(0) * x.size(1), s.h = x.size(2), s.w = x.size(3), s.oh = os[0], s.ow = os[1];
  return unbatch_like(avg_forward(x, s, PoolKind::adaptive, false), input, 2);
}

}  // namespace hangu
