// Neural-network layers: Conv, ConvTranspose (1-D, 2-D, 3-D; asymmetric and automatic pads),
// BatchNormalization (inference and training mode), InstanceNormalization, LayerNormalization,
// GroupNormalization, LRN, MeanVarianceNormalization and Dropout.
#include <cmath>

#include "hangu/core/rng.h"
#include "hangu/kernels/cpu/conv.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"
#include "hangu/runtime/conv_nd.h"
#include "hangu/runtime/conv_prepack.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

std::vector<int64_t> spatial_of(const Tensor& t) { return std::vector<int64_t>(t.shape().begin() + 2, t.shape().end()); }

// Per-channel values [C] shaped to broadcast over [N, C, ...] of rank `rank`.
Tensor channel_view(const Tensor& v, int64_t rank) {
  Shape s(static_cast<size_t>(std::max<int64_t>(rank, 2)) - 1, 1);
  s[0] = v.numel();
  return reshape(v, IntList(s));
}

// hangu::pad's list for per-dim (begin, end) pads of the trailing spatial dims.
std::vector<int64_t> pad_list(const std::vector<int64_t>& begin, const std::vector<int64_t>& end) {
  std::vector<int64_t> p;
  for (size_t d = begin.size(); d-- > 0;) {
    p.push_back(begin[d]);
    p.push_back(end[d]);
  }
  return p;
}

void check_conv_inputs(const OpContext& c, const Tensor& x, const Tensor& w, int64_t groups, bool transposed) {
  if (x.dim() < 3) bad_input_shape(c, 0, x.shape(), "[N, C, spatial...]");
  if (w.dim() != x.dim()) bad_input_shape(c, 1, w.shape(), "rank " + std::to_string(x.dim()));
  if (groups < 1 || x.size(1) % groups != 0) bad_attr(c, "group", std::to_string(groups), "a divisor of the channels");
  const int64_t expect = transposed ? x.size(1) : x.size(1) / groups;
  if ((transposed ? w.size(0) : w.size(1)) != expect || (!transposed && w.size(0) % groups != 0))
    bad_input_shape(c, 1, w.shape(), "weights for " + std::to_string(x.size(1)) + " input channels in " + std::to_string(groups) + " groups");
}

}  // namespace

std::shared_ptr<const ConvPrepacked> prepack_conv(const Tensor& weight, const Tensor& bias, int64_t groups) {
  if (weight.dtype() != DType::f32 || weight.dim() != 4 || !weight.is_contiguous() || groups < 1 ||
      weight.size(0) % groups != 0)
    return nullptr;
  if (bias.defined() && (bias.dtype() != DType::f32 || bias.dim() != 1 || bias.size(0) != weight.size(0)))
    return nullptr;
  kernels::Conv2dShape s;
  s.c_out = weight.size(0), s.c_in = weight.size(1) * groups, s.kh = weight.size(2), s.kw = weight.size(3);
  s.groups = groups;
  const Tensor b = bias.defined() ? contiguous(bias) : Tensor();
  auto packed = kernels::conv2d_pack(s, weight.data_ptr<float>(), b.defined() ? b.data_ptr<float>() : nullptr);
  if (!packed) return nullptr;
  auto p = std::make_shared<ConvPrepacked>();
  p->packed = std::move(packed), p->weight = weight, p->bias = b;
  return p;
}

Tensor run_conv(const OpContext& c, const Tensor& x_in, const Tensor& w, const Tensor& bias_in) {
  Tensor x = x_in;
  const int64_t groups = c.attr_int("group", 1);
  check_conv_inputs(c, x, w, groups, false);
  if (!x.is_floating_point()) bad_input_dtype(c, 0, x.dtype(), "float");
  std::vector<int64_t> kernel = c.attr_ints("kernel_shape");
  if (kernel.empty()) kernel = spatial_of(w);
  if (kernel != spatial_of(w)) bad_attr(c, "kernel_shape", shape_str(kernel), shape_str(spatial_of(w)));
  Window win = forward_window(c, spatial_of(x), kernel, false);
  const size_t r = win.in.size();
  Tensor bias = bias_in;
  if (bias.defined() && bias.dtype() != x.dtype()) bias = to(bias, x.dtype());
  Tensor y;
  if ((r == 1 || r == 2) && (x.dtype() == DType::f32 || x.dtype() == DType::f64)) {
    // Straight to the conv kernel: it takes asymmetric pads (top/left pads and the output size).
    const bool one_d = r == 1;
    kernels::Conv2dShape s;
    s.n = x.size(0);
    s.c_in = x.size(1);
    s.h = one_d ? 1 : win.in[0];
    s.w = win.in[r - 1];
    s.c_out = w.size(0);
    s.kh = one_d ? 1 : win.kernel[0];
    s.kw = win.kernel[r - 1];
    s.oh = one_d ? 1 : win.out[0];
    s.ow = win.out[r - 1];
    s.sh = one_d ? 1 : win.stride[0];
    s.sw = win.stride[r - 1];
    s.ph = one_d ? 0 : win.pad_begin[0];
    s.pw = win.pad_begin[r - 1];
    s.dh = one_d ? 1 : win.dilation[0];
    s.dw = win.dilation[r - 1];
    s.groups = groups;
    const Tensor xc = contiguous(x), wc = contiguous(to(w, x.dtype()));
    const Tensor bc = bias.defined() ? contiguous(bias) : Tensor();
    Shape out{s.n, s.c_out};
    out.insert(out.end(), win.out.begin(), win.out.end());
    y = empty(IntList(out), x.dtype());
    // The node's packed weights, when they are these very tensors (passes.cpp packs constants).
    const kernels::Conv2dPacked* packed = nullptr;
    if (const auto* pre = static_cast<const ConvPrepacked*>(c.node().prepared.get()))
      if (pre->weight.data() == wc.data() && (pre->bias.defined() ? bc.defined() && pre->bias.data() == bc.data()
                                                                  : !bc.defined()))
        packed = pre->packed.get();
    if (y.numel() > 0)
      kernels::conv2d_forward(x.dtype(), s, xc.data(), wc.data(), bc.defined() ? bc.data() : nullptr, y.data(),
                              packed);
  } else if (r == 1 || r == 2) {
    bool symmetric = true;
    for (size_t d = 0; d < r; ++d) symmetric = symmetric && win.pad_begin[d] == win.pad_end[d];
    if (!symmetric) {
      x = pad(x, IntList(pad_list(win.pad_begin, win.pad_end)));
      for (size_t d = 0; d < r; ++d) win.pad_begin[d] = win.pad_end[d] = 0;
    }
    if (r == 1) {
      y = conv2d(unsqueeze(x, 2), unsqueeze(w, 2), bias, {1, win.stride[0]}, {0, win.pad_begin[0]},
                 {1, win.dilation[0]}, groups);
      y = squeeze(y, 2);
    } else {
      y = conv2d(x, w, bias, win.stride, win.pad_begin, win.dilation, groups);
    }
  } else {
    y = conv_nd(x, w, win, groups);
    if (bias.defined()) y = add(y, channel_view(bias, y.dim()));
  }
  return y;
}

namespace {

void op_conv(OpContext& c) {
  Tensor y = run_conv(c, c.input(0), c.input(1), c.has(2) ? c.input(2) : Tensor());
  apply_fused_activation(c, y);
  c.set(0, y);
}

void op_conv_transpose(OpContext& c) {
  const Tensor& x = c.input(0);
  const Tensor& w = c.input(1);
  const int64_t groups = c.attr_int("group", 1);
  check_conv_inputs(c, x, w, groups, true);
  if (!x.is_floating_point()) bad_input_dtype(c, 0, x.dtype(), "float");
  std::vector<int64_t> kernel = c.attr_ints("kernel_shape");
  if (kernel.empty()) kernel = spatial_of(w);
  const size_t r = static_cast<size_t>(x.dim() - 2);
  Window win;
  win.in = spatial_of(x);
  win.kernel = kernel;
  win.stride = c.attr_ints("strides");
  win.dilation = c.attr_ints("dilations");
  if (win.stride.empty()) win.stride.assign(r, 1);
  if (win.dilation.empty()) win.dilation.assign(r, 1);
  std::vector<int64_t> out_pad = c.attr_ints("output_padding"), pads = c.attr_ints("pads"),
                       out_shape = c.attr_ints("output_shape");
  if (out_pad.empty()) out_pad.assign(r, 0);
  if (pads.empty()) pads.assign(2 * r, 0);
  if (out_shape.size() == r + 2) out_shape.erase(out_shape.begin(), out_shape.begin() + 2);
  if (win.kernel.size() != r || win.stride.size() != r || win.dilation.size() != r || out_pad.size() != r ||
      pads.size() != 2 * r || (!out_shape.empty() && out_shape.size() != r))
    bad_attr(c, "kernel_shape/strides/dilations/pads", shape_str(win.kernel), std::to_string(r) + " spatial dims");
  for (size_t d = 0; d < r; ++d)
    if (win.stride[d] < 1 || win.dilation[d] < 1 || win.kernel[d] < 1) bad_attr(c, "strides", shape_str(win.stride), "positive sizes");
  const std::string auto_pad = c.attr_string("auto_pad", "NOTSET");
  std::vector<int64_t> begin(r), end(r), full(r);
  for (size_t d = 0; d < r; ++d) {
    full[d] = (win.in[d] - 1) * win.stride[d] + win.span(d);
    const int64_t natural = full[d] + out_pad[d];
    if (!out_shape.empty() || auto_pad == "SAME_UPPER" || auto_pad == "SAME_LOWER") {
      const int64_t target = out_shape.empty() ? win.in[d] * win.stride[d] : out_shape[d];
      const int64_t total = natural - target;
      const bool upper = auto_pad == "SAME_UPPER";
      // Floor division: a negative total (an output longer than natural) pads at the end.
      const int64_t half = total >= 0 ? total / 2 : -((-total + 1) / 2);
      begin[d] = upper ? half : total - half;
      end[d] = total - begin[d];
    } else if (auto_pad == "VALID") {
      begin[d] = end[d] = 0;
    } else {
      begin[d] = pads[d];
      end[d] = pads[d + r];
    }
  }
  Tensor y;
  if (r == 2) {
    y = conv_transpose2d(x, w, Tensor(), win.stride, {0, 0}, {0, 0}, groups, win.dilation);
  } else if (r == 1) {
    y = squeeze(conv_transpose2d(unsqueeze(x, 2), unsqueeze(w, 2), Tensor(), {1, win.stride[0]}, {0, 0}, {0, 0}, groups,
                                 {1, win.dilation[0]}),
                2);
  } else {
    y = conv_transpose_full_nd(x, w, win, groups);
  }
  // Crop the pads (negative pads of hangu::pad) and add the output padding at the end.
  std::vector<int64_t> nb(r), ne(r);
  for (size_t d = 0; d < r; ++d) {
    nb[d] = -begin[d];
    ne[d] = out_pad[d] - end[d];
  }
  bool any = false;
  for (size_t d = 0; d < r; ++d) any = any || nb[d] != 0 || ne[d] != 0;
  if (any) y = pad(y, IntList(pad_list(nb, ne)));
  if (c.has(2)) y = add(y, channel_view(to(c.input(2), y.dtype()), y.dim()));
  c.set(0, contiguous(y));
}

// Dims other than 1 (the channel), for per-channel statistics.
std::vector<int64_t> non_channel_dims(int64_t rank) {
  std::vector<int64_t> d{0};
  for (int64_t i = 2; i < rank; ++i) d.push_back(i);
  return d;
}

void op_batch_norm(OpContext& c) {
  const Tensor& x = c.input(0);
  const Tensor &scale = c.input(1), &b = c.input(2), &mean_in = c.input(3), &var_in = c.input(4);
  const double eps = c.attr_float("epsilon", 1e-5f);
  const double momentum = c.attr_float("momentum", 0.9f);
  const bool training = c.opset() >= 14 ? c.attr_int("training_mode", 0) != 0 : (c.opset() < 7 && c.attr_int("is_test", 0) == 0 && c.num_outputs() > 1);
  const int64_t r = x.dim();
  if (r < 2 || scale.numel() != x.size(1)) bad_input_shape(c, 1, scale.shape(), "[C] for an input " + shape_str(x.shape()));
  const DType dt = x.dtype();
  auto f = [&](const Tensor& t) { return to(t, DType::f64); };
  Tensor mean_used = f(mean_in), var_used = f(var_in);
  if (training) {
    const std::vector<int64_t> dims = non_channel_dims(r);
    Tensor xd = f(x);
    Tensor bm = mean(xd, IntList(dims));
    Tensor bv = var(xd, IntList(dims), 0.0);
    mean_used = bm;
    var_used = bv;
    c.set(1, to(add(mul(f(mean_in), Scalar(momentum)), mul(bm, Scalar(1.0 - momentum))), mean_in.dtype()));
    c.set(2, to(add(mul(f(var_in), Scalar(momentum)), mul(bv, Scalar(1.0 - momentum))), var_in.dtype()));
    if (c.num_outputs() > 3) {
      c.set(3, to(bm, mean_in.dtype()));
      c.set(4, to(bv, var_in.dtype()));
    }
  }
  // y = x * a + b' with a = scale / sqrt(var + eps), b' = B - mean * a (per channel).
  Tensor a = div(f(scale), sqrt(add(var_used, Scalar(eps))));
  Tensor shift = sub(f(b), mul(mean_used, a));
  Tensor y = add(mul(x, channel_view(to(a, dt), r)), channel_view(to(shift, dt), r));
  c.set(0, y);
}

void op_instance_norm(OpContext& c) {
  const Tensor& x = c.input(0);
  const double eps = c.attr_float("epsilon", 1e-5f);
  std::vector<int64_t> dims;
  for (int64_t d = 2; d < x.dim(); ++d) dims.push_back(d);
  Tensor xd = to(x, DType::f64);
  Tensor m = mean(xd, IntList(dims), true), v = var(xd, IntList(dims), 0.0, true);
  Tensor y = div(sub(xd, m), sqrt(add(v, Scalar(eps))));
  y = add(mul(y, channel_view(to(c.input(1), DType::f64), x.dim())), channel_view(to(c.input(2), DType::f64), x.dim()));
  c.set(0, to(y, x.dtype()));
}

void op_layer_norm(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t axis = norm_axis(c, c.attr_int("axis", -1), x.dim());
  const double eps = c.attr_float("epsilon", 1e-5f);
  std::vector<int64_t> dims;
  for (int64_t d = axis; d < x.dim(); ++d) dims.push_back(d);
  Tensor xd = to(x, DType::f64);
  Tensor m = mean(xd, IntList(dims), true);
  Tensor inv = rsqrt(add(var(xd, IntList(dims), 0.0, true), Scalar(eps)));
  Tensor y = mul(mul(sub(xd, m), inv), to(c.input(1), DType::f64));
  if (c.has(2)) y = add(y, to(c.input(2), DType::f64));
  c.set(0, to(y, x.dtype()));
  const DType stat = c.attr_int("stash_type", 1) == 1 ? DType::f32 : x.dtype();
  c.set(1, to(m, stat));
  c.set(2, to(inv, stat));
}

void op_group_norm(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t groups = c.require_int("num_groups");
  const double eps = c.attr_float("epsilon", 1e-5f);
  if (x.dim() < 2 || groups < 1 || x.size(1) % groups != 0) bad_attr(c, "num_groups", std::to_string(groups), "a divisor of the channels");
  Tensor xd = reshape(to(x, DType::f64), {x.size(0), groups, -1});
  Tensor m = mean(xd, {2}, true), v = var(xd, {2}, 0.0, true);
  Tensor y = reshape(div(sub(xd, m), sqrt(add(v, Scalar(eps)))), IntList(x.shape()));
  // Scale and bias are per group (opset 18) or per channel (opset 21).
  Tensor s = to(c.input(1), DType::f64), b = to(c.input(2), DType::f64);
  if (s.numel() == groups && groups != x.size(1)) {
    s = reshape(expand(reshape(s, {groups, 1}), {groups, x.size(1) / groups}), {-1});
    b = reshape(expand(reshape(b, {groups, 1}), {groups, x.size(1) / groups}), {-1});
  }
  y = add(mul(y, channel_view(s, x.dim())), channel_view(b, x.dim()));
  c.set(0, to(y, x.dtype()));
}

void op_lrn(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t size = c.require_int("size");
  const double alpha = c.attr_float("alpha", 1e-4f), beta = c.attr_float("beta", 0.75f), bias = c.attr_float("bias", 1.0f);
  if (x.dim() < 2 || size < 1) bad_attr(c, "size", std::to_string(size), "a positive size");
  Tensor xd = contiguous(to(x, DType::f64));
  const int64_t n = x.size(0), ch = x.size(1), inner = x.numel() / std::max<int64_t>(1, n * ch);
  const int64_t lo = (size - 1) / 2, hi = size - 1 - lo;  // floor and ceil halves
  Tensor y = empty_like(xd);
  const double* xp = xd.data_ptr<double>();
  double* yp = y.data_ptr<double>();
  for (int64_t b = 0; b < n; ++b)
    for (int64_t k = 0; k < ch; ++k)
      for (int64_t i = 0; i < inner; ++i) {
        double s = 0;
        for (int64_t j = std::max<int64_t>(0, k - lo); j <= std::min(ch - 1, k + hi); ++j) {
          const double v = xp[(b * ch + j) * inner + i];
          s += v * v;
        }
        const int64_t at = (b * ch + k) * inner + i;
        yp[at] = xp[at] / std::pow(bias + alpha / static_cast<double>(size) * s, beta);
      }
  c.set(0, to(y, x.dtype()));
}

void op_mvn(OpContext& c) {
  const Tensor& x = c.input(0);
  std::vector<int64_t> axes = c.attr_ints("axes");
  if (axes.empty()) axes = {0, 2, 3};
  axes = norm_axes(c, axes, x.dim());
  Tensor xd = to(x, DType::f64);
  Tensor m = mean(xd, IntList(axes), true);
  Tensor v = sub(mean(mul(xd, xd), IntList(axes), true), mul(m, m));
  c.set(0, to(div(sub(xd, m), add(sqrt(v), Scalar(1e-9))), x.dtype()));
}

void op_dropout(OpContext& c) {
  const Tensor& x = c.input(0);
  double ratio = c.opset() < 12 ? c.attr_float("ratio", 0.5f) : (c.has(1) ? c.input(1).item<double>() : 0.5);
  const bool training = c.opset() >= 12 ? (c.has(2) && c.input(2).item().to_bool()) : c.attr_int("is_test", 0) == 0 && c.opset() < 7;
  if (!training || ratio == 0.0) {
    c.set(0, x);
    if (c.wants(1)) c.set(1, ones(IntList(x.shape()), DType::boolean));
    return;
  }
  if (ratio < 0.0 || ratio >= 1.0) bad_attr(c, "ratio", std::to_string(ratio), "0 <= ratio < 1");
  Generator gen(static_cast<uint64_t>(c.attr_int("seed", 0)));
  Tensor keep = ge(rand(IntList(x.shape()), DType::f32, &gen), Scalar(ratio));
  c.set(0, to(mul(where(keep, x, zeros_like(x)), Scalar(1.0 / (1.0 - ratio))), x.dtype()));
  if (c.wants(1)) c.set(1, keep);
}

}  // namespace

void register_nn_ops(OpTable& t) {
  t.add("Conv", op_conv);
  t.add("ConvTranspose", op_conv_transpose);
  t.add("BatchNormalization", op_batch_norm);
  t.add("InstanceNormalization", op_instance_norm);
  t.add("LayerNormalization", op_layer_norm);
  t.add("GroupNormalization", op_group_norm);
  t.add("LRN", op_lrn);
  t.add("MeanVarianceNormalization", op_mvn);
  t.add("Dropout", op_dropout, false);
}

}  // namespace hangu::runtime
