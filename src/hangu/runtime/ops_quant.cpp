// Quantized ops: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, MatMulInteger,
// ConvInteger, QLinearMatMul, QLinearConv. Integer products are computed exactly (float64 holds
// every int8/uint8 product sum these shapes make); rounding is half to even, then saturation to
// the output type's range.
#include <cmath>

#include "hangu/ops/elementwise.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

// A per-tensor (scalar) or per-axis (1-D) parameter shaped to broadcast along `axis` of a rank-r tensor.
Tensor along_axis(const Tensor& p, int64_t axis, int64_t r) {
  if (p.numel() == 1 || p.dim() == 0) return reshape(p, {});
  Shape s(static_cast<size_t>(r), 1);
  s[static_cast<size_t>(axis)] = p.numel();
  return reshape(p, IntList(s));
}

// round-half-even(v) saturated to dtype's range, as dtype.
Tensor saturate(const Tensor& v, DType dt) {
  const double lo = dt == DType::u8 ? 0 : dt == DType::i8 ? -128 : dt == DType::i32 ? -2147483648.0 : -1e300;
  const double hi = dt == DType::u8 ? 255 : dt == DType::i8 ? 127 : dt == DType::i32 ? 2147483647.0 : 1e300;
  return to(clamp(round(v), Scalar(lo), Scalar(hi)), dt);
}

// The axis of per-axis parameters (0 when the scale is per tensor).
int64_t param_axis(const OpContext& c, const Tensor& x) {
  return c.input(1).numel() > 1 ? norm_axis(c, c.attr_int("axis", 1), x.dim()) : 0;
}

void op_quantize(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t axis = param_axis(c, x);
  // x / scale in the input's float type, as the reference computes it, then rounded.
  const Tensor scale = along_axis(to(c.input(1), x.dtype()), axis, x.dim());
  const DType out = c.has(2) ? c.input(2).dtype() : DType::u8;
  Tensor v = to(div(x, scale), DType::f64);
  if (c.has(2)) v = add(round(v), along_axis(to(c.input(2), DType::f64), axis, x.dim()));
  c.set(0, saturate(v, out));
}

void op_dequantize(OpContext& c) {
  const Tensor& x = c.input(0);
  const int64_t axis = param_axis(c, x);
  Tensor v = to(x, DType::f64);
  if (c.has(2)) v = sub(v, along_axis(to(c.input(2), DType::f64), axis, x.dim()));
  v = mul(v, along_axis(to(c.input(1), DType::f64), axis, x.dim()));
  c.set(0, to(v, c.input(1).dtype()));
}

void op_dynamic_quantize(OpContext& c) {
  const Tensor x = to(c.input(0), DType::f32);
  const float mx = std::max(0.0f, x.numel() ? amax(x).item<float>() : 0.0f);
  const float mn = std::min(0.0f, x.numel() ? amin(x).item<float>() : 0.0f);
  const float scale = (mx - mn) / 255.0f;  // float32 arithmetic, as the reference
  const double zp = scale == 0 ? 0.0 : std::clamp(std::nearbyint(static_cast<double>(-mn / scale)), 0.0, 255.0);
  Tensor q = scale == 0 ? zeros_like(x, DType::f64) : to(div(x, scalar_tensor(Scalar(scale), DType::f32)), DType::f64);
  c.set(0, saturate(add(round(q), Scalar(zp)), DType::u8));
  c.set(1, scalar_tensor(Scalar(scale), DType::f32));
  c.set(2, scalar_tensor(Scalar(zp), DType::u8));
}

// a - zero_point for a matrix operand: zp is a scalar, per row of a (axis -2) or per column of b (axis -1).
Tensor centered(const Tensor& t, const OpContext& c, size_t zp_input, bool per_row) {
  Tensor v = to(t, DType::f64);
  if (!c.has(zp_input)) return v;
  Tensor zp = to(c.input(zp_input), DType::f64);
  if (zp.numel() == 1) return sub(v, reshape(zp, {}));
  Shape s(static_cast<size_t>(std::max<int64_t>(t.dim(), 2)), 1);
  s[s.size() - (per_row ? 2 : 1)] = zp.numel();
  return sub(v, reshape(zp, IntList(s)));
}

void op_matmul_integer(OpContext& c) {
  Tensor y = matmul(centered(c.input(0), c, 2, true), centered(c.input(1), c, 3, false));
  c.set(0, to(y, DType::i32));
}

void op_conv_integer(OpContext& c) {
  Tensor x = to(c.input(0), DType::f64);
  if (c.has(2)) x = sub(x, reshape(to(c.input(2), DType::f64), {}));
  Tensor w = to(c.input(1), DType::f64);
  if (c.has(3)) w = sub(w, along_axis(to(c.input(3), DType::f64), 0, w.dim()));
  c.set(0, to(run_conv(c, x, w, Tensor()), DType::i32));
}

void op_qlinear_matmul(OpContext& c) {
  Tensor a = to(c.input(0), DType::f64), b = to(c.input(3), DType::f64);
  a = sub(a, reshape(to(c.input(2), DType::f64), {-1}).numel() == 1 ? reshape(to(c.input(2), DType::f64), {}) : to(c.input(2), DType::f64));
  b = sub(b, reshape(to(c.input(5), DType::f64), {-1}).numel() == 1 ? reshape(to(c.input(5), DType::f64), {}) : to(c.input(5), DType::f64));
  Tensor y = matmul(a, b);
  y = mul(y, div(mul(to(c.input(1), DType::f64), to(c.input(4), DType::f64)), to(c.input(6), DType::f64)));
  y = add(round(y), to(c.input(7), DType::f64));
  c.set(0, saturate(y, c.input(7).dtype()));
}

void op_qlinear_conv(OpContext& c) {
  Tensor x = sub(to(c.input(0), DType::f64), reshape(to(c.input(2), DType::f64), {}));
  Tensor w = to(c.input(3), DType::f64);
  w = sub(w, along_axis(to(c.input(5), DType::f64), 0, w.dim()));
  Tensor bias = c.has(8) ? to(c.input(8), DType::f64) : Tensor();
  Tensor y = run_conv(c, x, w, bias);
  // Scale per output channel: x_scale * w_scale / y_scale.
  Tensor ws = to(c.input(4), DType::f64);
  Tensor scale = div(mul(reshape(to(c.input(1), DType::f64), {}), ws), reshape(to(c.input(6), DType::f64), {}));
  y = mul(y, along_axis(scale, 1, y.dim()));
  y = add(round(y), reshape(to(c.input(7), DType::f64), {}));
  c.set(0, saturate(y, c.input(7).dtype()));
}

}  // namespace

void register_quant_ops(OpTable& t) {
  t.add("QuantizeLinear", op_quantize);
  t.add("DequantizeLinear", op_dequantize);
  t.add("DynamicQuantizeLinear", op_dynamic_quantize);
  t.add("MatMulInteger", op_matmul_integer);
  t.add("ConvInteger", op_conv_integer);
  t.add("QLinearMatMul", op_qlinear_matmul);
  t.add("QLinearConv", op_qlinear_conv);
}

}  // namespace hangu::runtime
