// Unary elementwise ops: float math (integers promote to float32), sign-like ops that keep
// the dtype, activations defined on floats only, and rounding.
#include <algorithm>
#include <cmath>
#include <limits>

#include "hangu/ops/elementwise_impl.h"

namespace hangu {

using namespace elementwise;

Tensor neg(const Tensor& t) {
  check_defined(t, "neg");
  if (t.dtype() == DType::boolean) throw DTypeError(MsgId::elem_bool_neg, "neg", t.dtype());
  return same_unary<false>(t, "neg", []<typename V>(V x) { return wrap_sub(V(0), x); });
}

Tensor abs(const Tensor& t) {
  return same_unary<false>(t, "abs", []<typename V>(V x) -> V {
    if constexpr (std::is_unsigned_v<V>) return x;
    else if constexpr (std::is_integral_v<V>) return x < 0 ? wrap_sub(V(0), x) : x;
    else return std::fabs(x);
  });
}

Tensor sign(const Tensor& t) {
  return same_unary<true>(t, "sign", []<typename V>(V x) -> V {
    if constexpr (std::is_same_v<V, bool>) return x;
    else return static_cast<V>((V(0) < x) - (x < V(0)));
  });
}

#define HANGU_FLOAT_UNARY(name, expr) \
  Tensor name(const Tensor& t) { return float_unary(t, #name, [](auto x) { return expr; }); }
HANGU_FLOAT_UNARY(reciprocal, decltype(x)(1) / x)
HANGU_FLOAT_UNARY(exp, std::exp(x))
HANGU_FLOAT_UNARY(exp2, std::exp2(x))
HANGU_FLOAT_UNARY(log, std::log(x))
HANGU_FLOAT_UNARY(log2, std::log2(x))
HANGU_FLOAT_UNARY(log10, std::log10(x))
HANGU_FLOAT_UNARY(log1p, std::log1p(x))
HANGU_FLOAT_UNARY(expm1, std::expm1(x))
HANGU_FLOAT_UNARY(sqrt, std::sqrt(x))
HANGU_FLOAT_UNARY(rsqrt, decltype(x)(1) / std::sqrt(x))
HANGU_FLOAT_UNARY(sin, std::sin(x))
HANGU_FLOAT_UNARY(cos, std::cos(x))
HANGU_FLOAT_UNARY(tan, std::tan(x))
HANGU_FLOAT_UNARY(asin, std::asin(x))
HANGU_FLOAT_UNARY(acos, std::acos(x))
HANGU_FLOAT_UNARY(atan, std::atan(x))
HANGU_FLOAT_UNARY(sinh, std::sinh(x))
HANGU_FLOAT_UNARY(cosh, std::cosh(x))
HANGU_FLOAT_UNARY(tanh, std::tanh(x))
HANGU_FLOAT_UNARY(erf, std::erf(x))
HANGU_FLOAT_UNARY(sigmoid, decltype(x)(1) / (decltype(x)(1) + std::exp(-x)))
#undef HANGU_FLOAT_UNARY

Tensor square(const Tensor& t) {
  check_defined(t, "square");
  return pow(t, 2);
}

Tensor relu(const Tensor& t) {
  check_defined(t, "relu");
  if (t.dtype() == DType::boolean) unsupported_dtype("relu", t.dtype());
  return same_unary<false>(t, "relu", []<typename V>(V x) -> V {
    if constexpr (is_floating_v<V>) {
      if (std::isnan(x)) return x;  // clamp_min propagates NaN
    }
    return x > V(0) ? x : V(0);
  });
}

Tensor leaky_relu(const Tensor& t, double negative_slope) {
  return floating_only_unary(t, "leaky_relu", [negative_slope](auto x) {
    using V = decltype(x);
    return x > V(0) ? x : x * static_cast<V>(negative_slope);
  });
}

Tensor elu(const Tensor& t, double alpha) {
  return floating_only_unary(t, "elu", [alpha](auto x) {
    using V = decltype(x);
    return x <= V(0) ? (std::exp(x) - V(1)) * static_cast<V>(alpha) : x;
  });
}

Tensor gelu(const Tensor& t, const std::string& approximate) {
  if (approximate == "tanh") {
    return floating_only_unary(t, "gelu", [](auto x) {
      using V = decltype(x);
      const V beta = static_cast<V>(M_SQRT2 * M_2_SQRTPI * 0.5), kappa = static_cast<V>(0.044715);
      V inner = beta * (x + kappa * x * x * x);
      return V(0.5) * x * (V(1) + std::tanh(inner));
    });
  }
  if (approximate != "none") throw ValueError(MsgId::arg_invalid, "gelu", "approximate", approximate);
  return floating_only_unary(t, "gelu", [](auto x) {
    using V = decltype(x);
    return x * V(0.5) * (V(1) + std::erf(x * static_cast<V>(M_SQRT1_2)));
  });
}

Tensor silu(const Tensor& t) {
  return floating_only_unary(t, "silu", [](auto x) {
    using V = decltype(x);
    return x / (V(1) + std::exp(-x));
  });
}

Tensor softplus(const Tensor& t, double beta, double threshold) {
  return floating_only_unary(t, "softplus", [beta, threshold](auto x) {
    using V = decltype(x);
    V b = static_cast<V>(beta);
    return x * b > static_cast<V>(threshold) ? x : std::log1p(std::exp(x * b)) / b;
  });
}

Tensor hardswish(const Tensor& t) {
  return floating_only_unary(t, "hardswish", [](auto x) {
    using V = decltype(x);
    return x * std::min(std::max(x + V(3), V(0)), V(6)) / V(6);
  });
}

Tensor hardsigmoid(const Tensor& t) {
  return floating_only_unary(t, "hardsigmoid", [](auto x) {
    using V = decltype(x);
    return std::min(std::max(x + V(3), V(0)), V(6)) / V(6);
  });
}

namespace {
// Rounding: integers come back unchanged (a copy), bool is rejected like torch.
template <typename F>
Tensor rounding(const Tensor& t, const char* op, F f) {
  check_defined(t, op);
  if (t.dtype() == DType::boolean) unsupported_dtype(op, t.dtype());
  if (!is_floating(t.dtype())) return clone(t);
  return floating_only_unary(t, op, f);
}
}  // namespace

Tensor floor(const Tensor& t) { return rounding(t, "floor", [](auto x) { return std::floor(x); }); }
Tensor ceil(const Tensor& t) { return rounding(t, "ceil", [](auto x) { return std::ceil(x); }); }
Tensor round(const Tensor& t) { return rounding(t, "round", [](auto x) { return std::nearbyint(x); }); }
Tensor trunc(const Tensor& t) { return rounding(t, "trunc", [](auto x) { return std::trunc(x); }); }

Tensor nan_to_num(const Tensor& t, std::optional<double> nan, std::optional<double> posinf,
                  std::optional<double> neginf) {
  check_defined(t, "nan_to_num");
  if (!is_floating(t.dtype())) return clone(t);
  Tensor out = empty(t.shape(), t.dtype());
  dispatch_floating(t.dtype(), "nan_to_num", [&]<typename T>() {
    using V = opmath_t<T>;
    double max = std::is_same_v<T, Half>       ? 65504.0
                 : std::is_same_v<T, BFloat16> ? static_cast<double>(static_cast<float>(BFloat16::from_bits(0x7f7f)))
                                               : static_cast<double>(std::numeric_limits<T>::max());
    V vn = static_cast<V>(nan.value_or(0.0));
    V vp = static_cast<V>(posinf.value_or(max));
    V vm = static_cast<V>(neginf.value_or(-max));
    auto f = [&](V x) { return std::isnan(x) ? vn : x == std::numeric_limits<V>::infinity() ? vp
                               : x == -std::numeric_limits<V>::infinity()               ? vm
                                                                                         : x; };
    run_unary<T, T>(out, t, f);
  });
  return out;
}

}  // namespace hangu
