// Unary elementwise ops: float math (integers promote to float32), sign-like ops that keep
// the dtype, activations defined on floats only, and rounding.
#include <algorithm>
#include <cmath>
#include <limits>

#include "hangu/ops/autograd_record.h"
#include "hangu/ops/elementwise_impl.h"

namespace hangu {

using namespace elementwise;

namespace {

// What a backward reads, so the graph keeps only that alive.
enum class Keep : uint8_t { none, input, output };

// Runs `forward` with recording off and, when some input requires grad, records
// grad = backward(g, t, r): g the output's gradient, t the input, r the saved output (each
// undefined unless kept).
template <typename Fwd, typename Bwd>
Tensor unary_ad(const char* op, const Tensor& t, Keep keep, Fwd forward, Bwd backward) {
  ops::GradRecorder rec(op, {t});
  Tensor out = forward(t);
  if (rec.active())
    rec.record({out}, [x = keep == Keep::input ? t : Tensor(),
                       r = keep == Keep::output ? ops::SavedTensor(out) : ops::SavedTensor(),
                       backward](const std::vector<Tensor>& g) { return std::vector<Tensor>{backward(g[0], x, r)}; });
  return out;
}

using Saved = ops::SavedTensor;
using Fast = kernels::simd::UnaryOp;
using FastGrad = kernels::simd::BinaryOp;

// A backward formula through its fused f32 kernel (one pass instead of several ops) when no
// graph is being recorded, as in a plain backward(); with create_graph the formula itself runs,
// so that second derivatives still exist.
template <typename Formula>
Tensor fused_backward(FastGrad op, const Tensor& g, const Tensor& saved, Formula formula) {
  if (!GradMode::is_enabled() && g.dtype() == DType::f32 && saved.dtype() == DType::f32 &&
      g.shape() == saved.shape()) {
    Tensor out = empty(g.shape(), DType::f32);
    if (kernels::simd::f32_binary(op, out, g, saved)) return out;
  }
  return formula();
}

}  // namespace

Tensor neg(const Tensor& t) {
  check_defined(t, "neg");
  if (t.dtype() == DType::boolean) throw DTypeError(MsgId::elem_bool_neg, "neg", t.dtype());
  return unary_ad(
      "neg", t, Keep::none,
      [](const Tensor& x) {
        return same_unary<false>(x, "neg", []<typename V>(V v) { return wrap_sub(V(0), v); }, Fast::neg);
      },
      [](const Tensor& g, const Tensor&, const Saved&) { return neg(g); });
}

Tensor abs(const Tensor& t) {
  return unary_ad(
      "abs", t, Keep::input,
      [](const Tensor& x) {
        return same_unary<false>(x, "abs", []<typename V>(V v) -> V {
          if constexpr (std::is_unsigned_v<V>) return v;
          else if constexpr (std::is_integral_v<V>) return v < 0 ? wrap_sub(V(0), v) : v;
          else return std::fabs(v);
        }, Fast::abs);
      },
      [](const Tensor& g, const Tensor& x, const Saved&) { return mul(g, sign(x)); });  // 0 at 0, like torch
}

Tensor sign(const Tensor& t) {
  return same_unary<true>(t, "sign", []<typename V>(V x) -> V {
    if constexpr (std::is_same_v<V, bool>) return x;
    else return static_cast<V>((V(0) < x) - (x < V(0)));
  });
}

// name(t) = expr of v (integers promote to float32); grad is an expression of g, x (the input)
// and r() (the output), written with differentiable ops so that double backward works, in the
// order of torch's derivatives.yaml (so 16-bit results round alike). `fast`: the f32 kernel.
#define HANGU_FLOAT_UNARY(name, keep, expr, grad, fast)                                                 \
  Tensor name(const Tensor& t) {                                                                        \
    return unary_ad(                                                                                    \
        #name, t, Keep::keep,                                                                           \
        [](const Tensor& in) { return float_unary(in, #name, [](auto v) { return expr; }, fast); },     \
        [](const Tensor& g, [[maybe_unused]] const Tensor& x, [[maybe_unused]] const Saved& saved) {     \
          [[maybe_unused]] auto r = [&saved] { return saved.get(); };                                   \
          return grad;                                                                                  \
        });                                                                                             \
  }
HANGU_FLOAT_UNARY(reciprocal, output, decltype(v)(1) / v, neg(mul(g, mul(r(), r()))), FastUnary{})
HANGU_FLOAT_UNARY(exp, output, std::exp(v), mul(g, r()), Fast::exp)
HANGU_FLOAT_UNARY(exp2, output, std::exp2(v), mul(mul(g, r()), M_LN2), FastUnary{})
HANGU_FLOAT_UNARY(log, input, std::log(v), div(g, x), Fast::log)
HANGU_FLOAT_UNARY(log2, input, std::log2(v), div(g, mul(x, M_LN2)), FastUnary{})
HANGU_FLOAT_UNARY(log10, input, std::log10(v), div(g, mul(x, M_LN10)), FastUnary{})
HANGU_FLOAT_UNARY(log1p, input, std::log1p(v), div(g, add(x, 1)), FastUnary{})
HANGU_FLOAT_UNARY(expm1, output, std::expm1(v), mul(g, add(r(), 1)), FastUnary{})
HANGU_FLOAT_UNARY(sqrt, output, std::sqrt(v), div(g, mul(r(), 2)), Fast::sqrt)
HANGU_FLOAT_UNARY(rsqrt, output, decltype(v)(1) / std::sqrt(v), mul(mul(g, -0.5), mul(mul(r(), r()), r())), Fast::rsqrt)
HANGU_FLOAT_UNARY(sin, input, std::sin(v), mul(g, cos(x)), FastUnary{})
HANGU_FLOAT_UNARY(cos, input, std::cos(v), mul(g, neg(sin(x))), FastUnary{})
HANGU_FLOAT_UNARY(tan, output, std::tan(v), mul(g, add(mul(r(), r()), 1)), FastUnary{})
HANGU_FLOAT_UNARY(asin, input, std::asin(v), mul(g, rsqrt(add(mul(neg(x), x), 1))), FastUnary{})
HANGU_FLOAT_UNARY(acos, input, std::acos(v), mul(g, neg(rsqrt(add(mul(neg(x), x), 1)))), FastUnary{})
HANGU_FLOAT_UNARY(atan, input, std::atan(v), div(g, add(mul(x, x), 1)), FastUnary{})
HANGU_FLOAT_UNARY(sinh, input, std::sinh(v), mul(g, cosh(x)), FastUnary{})
HANGU_FLOAT_UNARY(cosh, input, std::cosh(v), mul(g, sinh(x)), FastUnary{})
HANGU_FLOAT_UNARY(tanh, output, std::tanh(v),
                  fused_backward(FastGrad::tanh_backward, g, r(), [&] { return mul(g, sub(1, mul(r(), r()))); }),
                  Fast::tanh)
HANGU_FLOAT_UNARY(erf, input, std::erf(v), mul(g, mul(exp(neg(mul(x, x))), M_2_SQRTPI)), Fast::erf)
HANGU_FLOAT_UNARY(sigmoid, output, decltype(v)(1) / (decltype(v)(1) + std::exp(-v)),
                  fused_backward(FastGrad::sigmoid_backward, g, r(), [&] { return mul(g, mul(r(), sub(1, r()))); }),
                  Fast::sigmoid)
#undef HANGU_FLOAT_UNARY

Tensor square(const Tensor& t) {
  check_defined(t, "square");
  return pow(t, 2);  // pow records the gradient
}

Tensor relu(const Tensor& t) {
  check_defined(t, "relu");
  if (t.dtype() == DType::boolean) unsupported_dtype("relu", t.dtype());
  return unary_ad(
      "relu", t, Keep::output,
      [](const Tensor& x) {
        return same_unary<false>(x, "relu", []<typename V>(V v) -> V {
          if constexpr (is_floating_v<V>) {
            if (std::isnan(v)) return v;  // clamp_min propagates NaN
          }
          return v > V(0) ? v : V(0);
        }, Fast::relu);
      },
      // torch's threshold_backward on the result: no gradient where the output is <= 0.
      [](const Tensor& g, const Tensor&, const Saved& r) {
        Tensor out = r.get();
        return fused_backward(FastGrad::relu_backward, g, out, [&] { return where(gt(out, 0), g, 0); });
      });
}

Tensor leaky_relu(const Tensor& t, double negative_slope) {
  return unary_ad(
      "leaky_relu", t, Keep::input,
      [negative_slope](const Tensor& x) {
        return floating_only_unary(x, "leaky_relu", [negative_slope](auto v) {
          using V = decltype(v);
          return v > V(0) ? v : v * static_cast<V>(negative_slope);
        });
      },
      [negative_slope](const Tensor& g, const Tensor& x, const Saved&) {
        return where(gt(x, 0), g, mul(g, negative_slope));
      });
}

Tensor elu(const Tensor& t, double alpha) {
  return unary_ad(
      "elu", t, Keep::input,
      [alpha](const Tensor& x) {
        return floating_only_unary(x, "elu", [alpha](auto v) {
          using V = decltype(v);
          return v <= V(0) ? (std::exp(v) - V(1)) * static_cast<V>(alpha) : v;
        });
      },
      [alpha](const Tensor& g, const Tensor& x, const Saved&) {
        return where(le(x, 0), mul(g, mul(exp(x), alpha)), g);
      });
}

Tensor gelu(const Tensor& t, const std::string& approximate) {
  if (approximate == "tanh") {
    constexpr double kBeta = M_SQRT2 * M_2_SQRTPI * 0.5, kKappa = 0.044715;
    return unary_ad(
        "gelu", t, Keep::input,
        [](const Tensor& in) {
          return floating_only_unary(in, "gelu", [](auto x) {
            using V = decltype(x);
            const V beta = static_cast<V>(kBeta), kappa = static_cast<V>(kKappa);
            V inner = beta * (x + kappa * x * x * x);
            return V(0.5) * x * (V(1) + std::tanh(inner));
          }, Fast::gelu_tanh);
        },
        [](const Tensor& g, const Tensor& x, const Saved&) {  // torch's gelu_backward, tanh form
          return fused_backward(FastGrad::gelu_tanh_backward, g, x, [&] {
            Tensor x_sq = mul(x, x);
            Tensor th = tanh(mul(add(x, mul(mul(x_sq, x), kKappa)), kBeta));
            Tensor left_d = mul(add(th, 1), 0.5);
            Tensor right_d = mul(mul(mul(x, 0.5), sub(1, mul(th, th))), mul(add(mul(x_sq, 3 * kKappa), 1), kBeta));
            return mul(g, add(left_d, right_d));
          });
        });
  }
  if (approximate != "none") throw ValueError(MsgId::arg_invalid, "gelu", "approximate", approximate);
  return unary_ad(
      "gelu", t, Keep::input,
      [](const Tensor& in) {
        return floating_only_unary(in, "gelu", [](auto x) {
          using V = decltype(x);
          return x * V(0.5) * (V(1) + std::erf(x * static_cast<V>(M_SQRT1_2)));
        }, Fast::gelu);
      },
      [](const Tensor& g, const Tensor& x, const Saved&) {  // cdf + x * pdf
        return fused_backward(FastGrad::gelu_backward, g, x, [&] {
          Tensor cdf = mul(add(erf(mul(x, M_SQRT1_2)), 1), 0.5);
          Tensor pdf = mul(exp(mul(mul(x, x), -0.5)), M_2_SQRTPI * M_SQRT1_2 * 0.5);
          return mul(g, add(cdf, mul(x, pdf)));
        });
      });
}

Tensor silu(const Tensor& t) {
  return unary_ad(
      "silu", t, Keep::input,
      [](const Tensor& in) {
        return floating_only_unary(in, "silu", [](auto x) {
          using V = decltype(x);
          return x / (V(1) + std::exp(-x));
        }, Fast::silu);
      },
      [](const Tensor& g, const Tensor& x, const Saved&) {
        return fused_backward(FastGrad::silu_backward, g, x, [&] {
          Tensor s = sigmoid(x);
          return mul(g, mul(s, add(mul(x, sub(1, s)), 1)));
        });
      });
}

Tensor softplus(const Tensor& t, double beta, double threshold) {
  return unary_ad(
      "softplus", t, Keep::input,
      [beta, threshold](const Tensor& in) {
        return floating_only_unary(in, "softplus", [beta, threshold](auto x) {
          using V = decltype(x);
          V b = static_cast<V>(beta);
          return x * b > static_cast<V>(threshold) ? x : std::log1p(std::exp(x * b)) / b;
        });
      },
      [beta, threshold](const Tensor& g, const Tensor& x, const Saved&) {
        Tensor bx = mul(x, beta);
        return where(gt(bx, threshold), g, mul(g, sigmoid(bx)));
      });
}

Tensor hardswish(const Tensor& t) {
  return unary_ad(
      "hardswish", t, Keep::input,
      [](const Tensor& in) {
        return floating_only_unary(in, "hardswish", [](auto x) {
          using V = decltype(x);
          return x * std::min(std::max(x + V(3), V(0)), V(6)) / V(6);
        });
      },
      [](const Tensor& g, const Tensor& x, const Saved&) {  // torch: 0 below -3, x/3 + 1/2 up to 3, 1 above
        return where(lt(x, -3), 0, where(le(x, 3), mul(g, add(div(x, 3), 0.5)), g));
      });
}

Tensor hardsigmoid(const Tensor& t) {
  return unary_ad(
      "hardsigmoid", t, Keep::input,
      [](const Tensor& in) {
        return floating_only_unary(in, "hardsigmoid", [](auto x) {
          using V = decltype(x);
          return std::min(std::max(x + V(3), V(0)), V(6)) / V(6);
        });
      },
      [](const Tensor& g, const Tensor& x, const Saved&) {
        // torch multiplies by 1/6 rounded to float, in every dtype
        return where(logical_and(gt(x, -3), lt(x, 3)), mul(g, static_cast<double>(1.0f / 6.0f)), 0);
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
  ops::GradRecorder rec("nan_to_num", {t});
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
  if (rec.active())  // passes through where the input is finite
    rec.record({out}, [t](const std::vector<Tensor>& g) { return std::vector<Tensor>{where(isfinite(t), g[0], 0)}; });
  return out;
}

}  // namespace hangu
