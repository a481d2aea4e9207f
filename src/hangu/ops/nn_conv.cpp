// Front ends of linear, conv1d/conv2d and conv_transpose2d (declared in nn_conv.h). A
// convolution is three linear maps, each a kernel in kernels/cpu/conv.h and each
// differentiable with the other two, so gradients of any order are convolutions again:
//   conv(x, w)                 backward: x <- conv_input_grad(g, w), w <- conv_weight_grad(g, x)
//   conv_input_grad(gy, w)     backward: gy <- conv(G, w),           w <- conv_weight_grad(gy, G)
//   conv_weight_grad(gy, x)    backward: gy <- conv(x, H),           x <- conv_input_grad(gy, H)
#include "hangu/ops/nn_conv.h"

#include "hangu/kernels/cpu/conv.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/nn_conv_common.h"
#include "hangu/ops/reduction.h"

namespace hangu {
namespace {

using kernels::Conv2dShape;
using namespace ops::conv_detail;

Tensor conv_input_grad(const Tensor& gy, const Tensor& w, const Conv2dShape& s);
Tensor conv_weight_grad(const Tensor& gy, const Tensor& x, const Conv2dShape& s);

// y = conv(x, w) + b for batched x; s describes the sizes.
Tensor conv_forward(const Tensor& x, const Tensor& w, const Tensor& b, const Conv2dShape& s) {
  ops::GradRecorder rec("conv2d", {x, w, b});
  Tensor xc = compute_copy(x), wc = compute_copy(w), bc = compute_copy(b);
  Tensor out = empty({s.n, s.c_out, s.oh, s.ow}, xc.dtype());
  kernels::conv2d_forward(xc.dtype(), s, xc.data(), wc.data(), bc.defined() ? bc.data() : nullptr, out.data());
  out = to(out, x.dtype());
  if (rec.active()) {
    const bool nx = x.requires_grad(), nw = w.requires_grad(), nb = b.defined() && b.requires_grad();
    rec.record({out}, [x, w, s, nx, nw, nb](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{nx ? conv_input_grad(g[0], w, s) : Tensor(),
                                 nw ? conv_weight_grad(g[0], x, s) : Tensor(),
                                 nb ? sum(g[0], {0, 2, 3}) : Tensor()};
    });
  }
  return out;
}

// The adjoint of conv_forward in x: [n, c_in, h, w] from gy [n, c_out, oh, ow].
Tensor conv_input_grad(const Tensor& gy, const Tensor& w, const Conv2dShape& s) {
  ops::GradRecorder rec("conv_transpose2d", {gy, w});
  Tensor gc = compute_copy(gy), wc = compute_copy(w);
  Tensor out = empty({s.n, s.c_in, s.h, s.w}, gc.dtype());
  kernels::conv2d_input_grad(gc.dtype(), s, gc.data(), wc.data(), out.data());
  out = to(out, gy.dtype());
  if (rec.active()) {
    const bool ng = gy.requires_grad(), nw = w.requires_grad();
    rec.record({out}, [gy, w, s, ng, nw](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{ng ? conv_forward(g[0], w, Tensor(), s) : Tensor(),
                                 nw ? conv_weight_grad(gy, g[0], s) : Tensor()};
    });
  }
  return out;
}

// The adjoint of conv_forward in w: [c_out, c_in / groups, kh, kw].
Tensor conv_weight_grad(const Tensor& gy, const Tensor& x, const Conv2dShape& s) {
  ops::GradRecorder rec("conv2d_weight_grad", {gy, x});
  Tensor gc = compute_copy(gy), xc = compute_copy(x);
  Tensor out = empty({s.c_out, s.c_in / s.groups, s.kh, s.kw}, gc.dtype());
  kernels::conv2d_weight_grad(gc.dtype(), s, gc.data(), xc.data(), out.data());
  out = to(out, gy.dtype());
  if (rec.active()) {
    const bool ng = gy.requires_grad(), nx = x.requires_grad();
    rec.record({out}, [gy, x, s, ng, nx](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{ng ? conv_forward(x, g[0], Tensor(), s) : Tensor(),
                                 nx ? conv_input_grad(gy, g[0], s) : Tensor()};
    });
  }
  return out;
}

void check_same_dtype(const Tensor& x, const Tensor& w, const Tensor& b, const char* op) {
  check_float(x, op);
  check_float(w, op);
  if (w.dtype() != x.dtype()) throw DTypeError(MsgId::conv_dtype_mismatch, op, x.dtype(), w.dtype());
  if (b.defined() && b.dtype() != x.dtype()) throw DTypeError(MsgId::conv_dtype_mismatch, op, x.dtype(), b.dtype());
}

// Checks a convolution weight against the (batched or not) input; the channel dim of the
// input is dim 0 when unbatched.
void check_conv_weight(const Tensor& input, const Tensor& w, const Tensor& b, int64_t spatial, int64_t groups,
                       const char* op) {
  if (w.dim() != spatial + 2) throw ShapeError(MsgId::conv_weight_rank, op, spatial + 2, w.shape());
  if (input.dim() != spatial + 1 && input.dim() != spatial + 2)
    throw ShapeError(MsgId::conv_input_rank, op, spatial + 1, spatial + 2, input.shape());
  if (groups <= 0) throw ValueError(MsgId::conv_param_positive, op, "groups", groups);
  const int64_t c_in = input.size(input.dim() == spatial + 2 ? 1 : 0);
  if (w.size(0) % groups != 0) throw ShapeError(MsgId::conv_groups, op, groups, w.shape(), input.shape());
  if (c_in != w.size(1) * groups)
    throw ShapeError(MsgId::conv_channels, op, w.shape(), groups, w.size(1) * groups, input.shape(), c_in);
  if (b.defined() && (b.dim() != 1 || b.size(0) != w.size(0)))
    throw ShapeError(MsgId::conv_bias_shape, op, b.shape(), w.size(0), w.shape());
}

// conv2d with explicit top/left (lo) and bottom/right (hi) padding.
Tensor conv2d_padded(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntVec& stride,
                     const IntVec& lo, const IntVec& hi, const IntVec& dilation, int64_t groups) {
  const char* op = "conv2d";
  Tensor x = as_batched(input, 2, op);
  Conv2dShape s;
  s.n = x.size(0), s.c_in = x.size(1), s.h = x.size(2), s.w = x.size(3);
  s.c_out = weight.size(0), s.kh = weight.size(2), s.kw = weight.size(3);
  s.sh = stride[0], s.sw = stride[1], s.ph = lo[0], s.pw = lo[1], s.dh = dilation[0], s.dw = dilation[1];
  s.groups = groups;
  const int64_t nh = checked_add(s.h, checked_add(lo[0], hi[0])) - checked_mul(s.dh, s.kh - 1) - 1;
  const int64_t nw = checked_add(s.w, checked_add(lo[1], hi[1])) - checked_mul(s.dw, s.kw - 1) - 1;
  if (nh < 0 || nw < 0)
    throw ShapeError(MsgId::conv_output_empty, op, Shape{s.h + lo[0] + hi[0], s.w + lo[1] + hi[1]},
                     Shape{s.kh, s.kw}, IntList(dilation), Shape{nh < 0 ? 0 : nh / s.sh + 1, nw < 0 ? 0 : nw / s.sw + 1});
  s.oh = nh / s.sh + 1, s.ow = nw / s.sw + 1;
  Tensor out = conv_forward(x, weight, bias, s);
  return input.dim() == 3 ? squeeze(out, 0) : out;
}

}  // namespace

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntVec& stride,
              const IntVec& padding, const IntVec& dilation, int64_t groups) {
  const char* op = "conv2d";
  check_same_dtype(input, weight, bias, op);
  check_conv_weight(input, weight, bias, 2, groups, op);
  IntVec st = expand_param(stride, 2, op, "stride"), pad = expand_param(padding, 2, op, "padding"),
         dil = expand_param(dilation, 2, op, "dilation");
  check_positive(st, op, "stride");
  check_positive(dil, op, "dilation");
  check_nonneg(pad, op, "padding");
  return conv2d_padded(input, weight, bias, st, pad, pad, dil, groups);
}

Tensor conv2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntVec& stride, const char* padding,
              const IntVec& dilation, int64_t groups) {
  const char* op = "conv2d";
  const std::string mode = padding ? padding : "";
  if (mode == "valid") return conv2d(input, weight, bias, stride, IntVec{0, 0}, dilation, groups);
  if (mode != "same") throw ValueError(MsgId::arg_invalid, op, "padding", "'" + mode + "'");
  check_same_dtype(input, weight, bias, op);
  check_conv_weight(input, weight, bias, 2, groups, op);
  IntVec st = expand_param(stride, 2, op, "stride"), dil = expand_param(dilation, 2, op, "dilation");
  check_positive(st, op, "stride");
  check_positive(dil, op, "dilation");
  if (st[0] != 1 || st[1] != 1) throw ValueError(MsgId::conv_same_stride, op, IntList(st));
  IntVec lo(2), hi(2);
  for (size_t d = 0; d < 2; ++d) {
    const int64_t total = checked_mul(dil[d], weight.size(static_cast<int64_t>(d) + 2) - 1);
    lo[d] = total / 2;
    hi[d] = total - lo[d];
  }
  return conv2d_padded(input, weight, bias, st, lo, hi, dil, groups);
}

Tensor conv1d(const Tensor& input, const Tensor& weight, const Tensor& bias, int64_t stride, int64_t padding,
              int64_t dilation, int64_t groups) {
  const char* op = "conv1d";
  check_same_dtype(input, weight, bias, op);
  check_conv_weight(input, weight, bias, 1, groups, op);
  Tensor out = conv2d(unsqueeze(input, -2), unsqueeze(weight, 2), bias, {1, stride}, {0, padding}, {1, dilation},
                      groups);
  return squeeze(out, -2);
}

Tensor conv_transpose2d(const Tensor& input, const Tensor& weight, const Tensor& bias, const IntVec& stride,
                        const IntVec& padding, const IntVec& output_padding, int64_t groups,
                        const IntVec& dilation) {
  const char* op = "conv_transpose2d";
  check_same_dtype(input, weight, bias, op);
  if (weight.dim() != 4) throw ShapeError(MsgId::conv_weight_rank, op, 4, weight.shape());
  Tensor x = as_batched(input, 2, op);
  if (groups <= 0) throw ValueError(MsgId::conv_param_positive, op, "groups", groups);
  if (weight.size(0) != x.size(1))
    throw ShapeError(MsgId::conv_channels, op, weight.shape(), groups, weight.size(0), input.shape(), x.size(1));
  if (weight.size(0) % groups != 0) throw ShapeError(MsgId::conv_groups, op, groups, weight.shape(), input.shape());
  const int64_t c_out = weight.size(1) * groups;
  if (bias.defined() && (bias.dim() != 1 || bias.size(0) != c_out))
    throw ShapeError(MsgId::conv_bias_shape, op, bias.shape(), c_out, weight.shape());
  IntVec st = expand_param(stride, 2, op, "stride"), pad = expand_param(padding, 2, op, "padding"),
         opad = expand_param(output_padding, 2, op, "output_padding"), dil = expand_param(dilation, 2, op, "dilation");
  check_positive(st, op, "stride");
  check_positive(dil, op, "dilation");
  check_nonneg(pad, op, "padding");
  check_nonneg(opad, op, "output_padding");
  for (size_t d = 0; d < 2; ++d)
    if (opad[d] >= st[d] && opad[d] >= dil[d])
      throw ValueError(MsgId::conv_output_padding, op, IntList(opad), IntList(st), IntList(dil));
  Conv2dShape s;  // the convolution this is the adjoint of: from the output back to the input
  s.n = x.size(0), s.c_in = c_out, s.c_out = weight.size(0), s.kh = weight.size(2), s.kw = weight.size(3);
  s.oh = x.size(2), s.ow = x.size(3);
  s.sh = st[0], s.sw = st[1], s.ph = pad[0], s.pw = pad[1], s.dh = dil[0], s.dw = dil[1], s.groups = groups;
  s.h = checked_mul(s.oh - 1, s.sh) - 2 * s.ph + checked_mul(s.dh, s.kh - 1) + opad[0] + 1;
  s.w = checked_mul(s.ow - 1, s.sw) - 2 * s.pw + checked_mul(s.dw, s.kw - 1) + opad[1] + 1;
  if (s.h <= 0 || s.w <= 0)
    throw ShapeError(MsgId::conv_output_empty, op, Shape{s.oh, s.ow}, Shape{s.kh, s.kw}, IntList(dil),
                     Shape{s.h, s.w});
  Tensor out = conv_input_grad(x, weight, s);
  if (bias.defined()) out = add(out, reshape(bias, {1, c_out, 1, 1}));
  return input.dim() == 3 ? squeeze(out, 0) : out;
}

Tensor linear(const Tensor& input, const Tensor& weight, const Tensor& bias) {
  const char* op = "linear";
  check_same_dtype(input, weight, bias, op);
  if (weight.dim() != 2) throw ShapeError(MsgId::conv_weight_rank, op, 2, weight.shape());
  if (input.dim() < 1 || input.size(-1) != weight.size(1))
    throw ShapeError(MsgId::linear_shape, op, input.shape(), weight.shape(), weight.size(1));
  if (bias.defined() && (bias.dim() > 1 || (bias.dim() == 1 && bias.size(0) != weight.size(0) && bias.size(0) != 1)))
    throw ShapeError(MsgId::conv_bias_shape, op, bias.shape(), weight.size(0), weight.shape());
  ops::GradRecorder rec("linear", {input, weight, bias});
  Tensor out = matmul(input, t(weight));
  if (bias.defined()) out = add(out, bias);
  if (rec.active()) {
    const bool nx = input.requires_grad(), nw = weight.requires_grad(), nb = bias.defined() && bias.requires_grad();
    rec.record({out}, [input, weight, nx, nw, nb](const std::vector<Tensor>& g) {
      Tensor gw;
      if (nw) {
        Tensor g2 = reshape(g[0], {-1, weight.size(0)}), x2 = reshape(input, {-1, weight.size(1)});
        gw = linear(t(g2), t(x2));  // g2^T @ x2
      }
      return std::vector<Tensor>{nx ? linear(g[0], t(weight)) : Tensor(), gw, nb ? g[0] : Tensor()};
    });
  }
  return out;
}

}  // namespace hangu
