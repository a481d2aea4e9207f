// Elementwise ONNX ops: arithmetic with multidirectional broadcasting, unary math, activations,
// comparisons, logical and bit ops, Where and Clip. Most map to hangu's elementwise ops; the rest
// are small maps (ops_common.h).
#include <cmath>

#include <algorithm>

#include "hangu/ops/elementwise.h"
#include "hangu/ops/views.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

// ---- arithmetic -----------------------------------------------------------------------------

void op_add(OpContext& c) { c.set(0, add(c.input(0), c.input(1))); }
void op_sub(OpContext& c) { c.set(0, sub(c.input(0), c.input(1))); }
void op_mul(OpContext& c) { c.set(0, mul(c.input(0), c.input(1))); }

void op_div(OpContext& c) {
  const Tensor &a = c.input(0), &b = c.input(1);
  // Integer division truncates toward zero, as C (and ONNX Runtime) do.
  c.set(0, is_integral(a.dtype(), true) ? div(a, b, "trunc") : div(a, b));
}

void op_pow(OpContext& c) {
  const Tensor &a = c.input(0), &b = c.input(1);
  Tensor y;
  if (is_integral(a.dtype()) && b.is_floating_point()) {
    y = pow(to(a, DType::f64), to(b, DType::f64));
  } else if (a.is_floating_point() && is_integral(b.dtype())) {
    y = pow(a, to(b, a.dtype()));
  } else {
    y = pow(a, b);
  }
  c.set(0, to(y, a.dtype()));  // the result has the base's type
}

void op_mod(OpContext& c) {
  const Tensor &a = c.input(0), &b = c.input(1);
  const int64_t fmod_flag = c.attr_int("fmod", 0);
  if (fmod_flag == 0 && a.is_floating_point()) bad_attr(c, "fmod", "0", "1 for floating inputs");
  c.set(0, fmod_flag ? fmod(a, b) : remainder(a, b));
}

template <Tensor (*F)(const Tensor&, const Tensor&)>
void op_variadic(OpContext& c) {
  Tensor acc = c.input(0);
  for (size_t i = 1; i < c.num_inputs(); ++i) acc = F(acc, c.input(i));
  c.set(0, c.num_inputs() == 1 ? clone(acc) : acc);
}

Tensor add2(const Tensor& a, const Tensor& b) { return add(a, b); }

void op_mean(OpContext& c) {
  Tensor acc = c.input(0);
  for (size_t i = 1; i < c.num_inputs(); ++i) acc = add(acc, c.input(i));
  c.set(0, div(acc, Scalar(static_cast<double>(c.num_inputs()))));
}

// ---- unary ----------------------------------------------------------------------------------

template <Tensor (*F)(const Tensor&)>
void op_unary(OpContext& c) {
  c.set(0, F(c.input(0)));
}

void op_reciprocal(OpContext& c) { c.set(0, reciprocal(c.input(0))); }
void op_asinh(OpContext& c) { c.set(0, map_float(c, c.input(0), [](double x) { return std::asinh(x); })); }
void op_acosh(OpContext& c) { c.set(0, map_float(c, c.input(0), [](double x) { return std::acosh(x); })); }
void op_atanh(OpContext& c) { c.set(0, map_float(c, c.input(0), [](double x) { return std::atanh(x); })); }

void op_relu(OpContext& c) {
  const Tensor& x = c.input(0);
  c.set(0, x.is_floating_point() ? relu(x) : clamp_min(x, Scalar(0)));
}

void op_leaky_relu(OpContext& c) {
  const double alpha = c.attr_float("alpha", 0.01f);
  c.set(0, map_float(c, c.input(0), [alpha](double x) { return x >= 0 ? x : alpha * x; }));
}

void op_elu(OpContext& c) {
  const double alpha = c.attr_float("alpha", 1.0f);
  c.set(0, map_float(c, c.input(0), [alpha](double x) { return x > 0 ? x : alpha * std::expm1(x); }));
}

void op_selu(OpContext& c) {
  const double alpha = c.attr_float("alpha", 1.67326319217681884765625f);
  const double gamma = c.attr_float("gamma", 1.05070102214813232421875f);
  c.set(0, map_float(c, c.input(0), [=](double x) { return x > 0 ? gamma * x : gamma * alpha * std::expm1(x); }));
}

void op_celu(OpContext& c) {
  const double alpha = c.attr_float("alpha", 1.0f);
  c.set(0, map_float(c, c.input(0), [=](double x) { return std::max(0.0, x) + std::min(0.0, alpha * std::expm1(x / alpha)); }));
}

void op_hard_sigmoid(OpContext& c) {
  const double alpha = c.attr_float("alpha", 0.2f), beta = c.attr_float("beta", 0.5f);
  c.set(0, map_float(c, c.input(0), [=](double x) { return std::max(0.0, std::min(1.0, alpha * x + beta)); }));
}

void op_hard_swish(OpContext& c) {
  c.set(0, map_float(c, c.input(0), [](double x) { return x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5)); }));
}

void op_softplus(OpContext& c) {
  c.set(0, map_float(c, c.input(0), [](double x) { return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x)); }));
}

void op_softsign(OpContext& c) {
  c.set(0, map_float(c, c.input(0), [](double x) { return x / (1.0 + std::fabs(x)); }));
}

void op_thresholded_relu(OpContext& c) {
  const double alpha = c.attr_float("alpha", 1.0f);
  c.set(0, map_float(c, c.input(0), [=](double x) { return x > alpha ? x : 0.0; }));
}

void op_shrink(OpContext& c) {
  const double lambd = c.attr_float("lambd", 0.5f), bias = c.attr_float("bias", 0.0f);
  const Tensor& x = c.input(0);
  if (x.is_floating_point()) {
    c.set(0, map_float(c, x, [=](double v) { return v < -lambd ? v + bias : v > lambd ? v - bias : 0.0; }));
    return;
  }
  Tensor xd = to(x, DType::f64);
  Tensor y = where(lt(xd, Scalar(-lambd)), add(xd, Scalar(bias)), where(gt(xd, Scalar(lambd)), sub(xd, Scalar(bias)), zeros_like(xd)));
  c.set(0, to(y, x.dtype()));
}

void op_gelu(OpContext& c) {
  const std::string approx = c.attr_string("approximate", "none");
  c.set(0, gelu(c.input(0), approx == "tanh" ? "tanh" : "none"));
}

void op_mish(OpContext& c) {
  c.set(0, map_float(c, c.input(0), [](double x) { return x * std::tanh(std::log1p(std::exp(x))); }));
}

void op_prelu(OpContext& c) {
  const Tensor& x = c.input(0);
  Tensor slope = c.input(1);
  // Before opset 7 a 1-D slope of C values applies along the channel dim (dim 1).
  if (c.opset() < 7 && slope.dim() == 1 && x.dim() >= 2 && slope.size(0) == x.size(1) && slope.size(0) != x.size(-1)) {
    Shape s(static_cast<size_t>(x.dim() - 1), 1);
    s[0] = slope.size(0);
    slope = reshape(slope, IntList(s));
  }
  c.set(0, where(lt(x, Scalar(0)), mul(x, slope), x));
}

void op_isinf(OpContext& c) {
  const Tensor& x = c.input(0);
  const bool pos = c.attr_int("detect_positive", 1) != 0, neg = c.attr_int("detect_negative", 1) != 0;
  Tensor inf = isinf(x);
  if (pos && neg) c.set(0, inf);
  else if (pos) c.set(0, logical_and(inf, gt(x, Scalar(0))));
  else if (neg) c.set(0, logical_and(inf, lt(x, Scalar(0))));
  else c.set(0, zeros_like(inf));
}

// ---- comparison, logic, bits ----------------------------------------------------------------

template <Tensor (*F)(const Tensor&, const Tensor&)>
void op_binary(OpContext& c) {
  c.set(0, F(c.input(0), c.input(1)));
}
Tensor eq2(const Tensor& a, const Tensor& b) { return eq(a, b); }
Tensor lt2(const Tensor& a, const Tensor& b) { return lt(a, b); }
Tensor le2(const Tensor& a, const Tensor& b) { return le(a, b); }
Tensor gt2(const Tensor& a, const Tensor& b) { return gt(a, b); }
Tensor ge2(const Tensor& a, const Tensor& b) { return ge(a, b); }
Tensor band2(const Tensor& a, const Tensor& b) { return bitwise_and(a, b); }
Tensor bor2(const Tensor& a, const Tensor& b) { return bitwise_or(a, b); }
Tensor bxor2(const Tensor& a, const Tensor& b) { return bitwise_xor(a, b); }

void op_bitshift(OpContext& c) {
  const Tensor &a = c.input(0), &b = c.input(1);
  const std::string dir = c.attr_string("direction");
  if (dir != "LEFT" && dir != "RIGHT") bad_attr(c, "direction", dir, "LEFT or RIGHT");
  const bool left = dir == "LEFT";
  const Shape shape = broadcast_shapes(a.shape(), b.shape(), "BitShift");
  Tensor x = contiguous(expand(a, shape)), s = contiguous(expand(to(b, a.dtype()), shape));
  Tensor y = empty(shape, a.dtype());
  dispatch_dtype(a.dtype(), [&]<typename T>() {
    if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
      using U = std::make_unsigned_t<T>;
      const T *xp = x.data_ptr<T>(), *sp = s.data_ptr<T>();
      T* yp = y.data_ptr<T>();
      constexpr uint64_t bits = sizeof(T) * 8;
      for (int64_t i = 0; i < y.numel(); ++i) {
        const uint64_t sh = static_cast<uint64_t>(static_cast<U>(sp[i]));
        const U v = static_cast<U>(xp[i]);
        yp[i] = sh >= bits ? T(0) : static_cast<T>(left ? static_cast<U>(v << sh) : static_cast<U>(v >> sh));
      }
    } else {
      bad_input_dtype(c, 0, a.dtype(), "an unsigned integer type");
    }
  });
  c.set(0, y);
}

void op_where(OpContext& c) {
  Tensor cond = c.input(0);
  if (cond.dtype() != DType::boolean) cond = to(cond, DType::boolean);
  c.set(0, where(cond, c.input(1), c.input(2)));
}

void op_clip(OpContext& c) {
  const Tensor& x = c.input(0);
  std::optional<Scalar> lo, hi;
  if (c.opset() < 11) {
    if (c.has_attr("min")) lo = Scalar(static_cast<double>(c.attr_float("min", 0)));
    if (c.has_attr("max")) hi = Scalar(static_cast<double>(c.attr_float("max", 0)));
  } else {
    if (c.has(1)) lo = c.input(1).item();
    if (c.has(2)) hi = c.input(2).item();
  }
  if (!lo && !hi) {
    c.set(0, clone(x));
    return;
  }
  // min > max: every element becomes max (numpy.clip's order: max applied last).
  Tensor y = lo ? clamp(x, lo, std::nullopt) : x;
  c.set(0, hi ? clamp(y, std::nullopt, hi) : y);
}

}  // namespace

void register_elementwise_ops(OpTable& t) {
  t.add("Add", op_add);
  t.add("Sub", op_sub);
  t.add("Mul", op_mul);
  t.add("Div", op_div);
  t.add("Pow", op_pow);
  t.add("Mod", op_mod);
  t.add("Max", op_variadic<maximum>);
  t.add("Min", op_variadic<minimum>);
  t.add("Sum", op_variadic<add2>);
  t.add("Mean", op_mean);
  t.add("Neg", op_unary<neg>);
  t.add("Abs", op_unary<abs>);
  t.add("Sign", op_unary<sign>);
  t.add("Reciprocal", op_reciprocal);
  t.add("Exp", op_unary<exp>);
  t.add("Log", op_unary<log>);
  t.add("Sqrt", op_unary<sqrt>);
  t.add("Sin", op_unary<sin>);
  t.add("Cos", op_unary<cos>);
  t.add("Tan", op_unary<tan>);
  t.add("Asin", op_unary<asin>);
  t.add("Acos", op_unary<acos>);
  t.add("Atan", op_unary<atan>);
  t.add("Sinh", op_unary<sinh>);
  t.add("Cosh", op_unary<cosh>);
  t.add("Tanh", op_unary<tanh>);
  t.add("Asinh", op_asinh);
  t.add("Acosh", op_acosh);
  t.add("Atanh", op_atanh);
  t.add("Erf", op_unary<erf>);
  t.add("Sigmoid", op_unary<sigmoid>);
  t.add("Floor", op_unary<floor>);
  t.add("Ceil", op_unary<ceil>);
  t.add("Round", op_unary<round>);
  t.add("IsNaN", op_unary<isnan>);
  t.add("IsInf", op_isinf);
  t.add("Relu", op_relu);
  t.add("LeakyRelu", op_leaky_relu);
  t.add("Elu", op_elu);
  t.add("Selu", op_selu);
  t.add("Celu", op_celu);
  t.add("HardSigmoid", op_hard_sigmoid);
  t.add("HardSwish", op_hard_swish);
  t.add("Softplus", op_softplus);
  t.add("Softsign", op_softsign);
  t.add("ThresholdedRelu", op_thresholded_relu);
  t.add("Shrink", op_shrink);
  t.add("Gelu", op_gelu);
  t.add("Mish", op_mish);
  t.add("PRelu", op_prelu);
  t.add("Equal", op_binary<eq2>);
  t.add("Less", op_binary<lt2>);
  t.add("LessOrEqual", op_binary<le2>);
  t.add("Greater", op_binary<gt2>);
  t.add("GreaterOrEqual", op_binary<ge2>);
  t.add("And", op_binary<logical_and>);
  t.add("Or", op_binary<logical_or>);
  t.add("Xor", op_binary<logical_xor>);
  t.add("Not", op_unary<logical_not>);
  t.add("BitwiseAnd", op_binary<band2>);
  t.add("BitwiseOr", op_binary<bor2>);
  t.add("BitwiseXor", op_binary<bxor2>);
  t.add("BitwiseNot", op_unary<bitwise_not>);
  t.add("BitShift", op_bitshift);
  t.add("Where", op_where);
  t.add("Clip", op_clip);
}

}  // namespace hangu::runtime
