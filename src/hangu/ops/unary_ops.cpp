// Registry entries of the unary elementwise ops (front ends in elementwise_unary.cpp).
#include "hangu/ops/copy.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/elementwise_samples.h"
#include "hangu/ops/registry.h"

namespace hangu::ops {

namespace {

using namespace elem;
using UnaryFn = std::function<Tensor(const Tensor&, const OpArgs&)>;

constexpr DType f32 = DType::f32, f64 = DType::f64, f16 = DType::f16, bf16 = DType::bf16, i64 = DType::i64,
                i32 = DType::i32, i8 = DType::i8, u8 = DType::u8, b8 = DType::boolean;

// A one-input op whose front end returns one tensor.
OpInfo unary_info(std::string name, std::string onnx, bool differentiable, UnaryFn f, SampleFn samples,
                  ErrorCaseFn errors) {
  return make_op(
      std::move(name), "unary", 1, differentiable, std::move(onnx),
      [f](const std::vector<Tensor>& in, const OpArgs& a) { return std::vector<Tensor>{f(in.at(0), a)}; },
      std::move(samples), std::move(errors));
}

Errors only_undefined() { return {undefined_error(1)}; }

// Float math: integers and bool promote to float32.
struct FloatMath {
  const char* name;
  const char* onnx;
  Tensor (*fn)(const Tensor&);
  double lo, hi;    // domain for floats
  double ilo, ihi;  // domain for integers
};

void register_float_math(OpRegistry& r) {
  const FloatMath table[] = {
      {"reciprocal", "Reciprocal", &hangu::reciprocal, 0.25, 2, 1, 4},
      {"exp", "Exp", &hangu::exp, -2, 2, -2, 2},
      {"exp2", "", &hangu::exp2, -2, 2, -2, 2},
      {"log", "Log", &hangu::log, 0.1, 4, 1, 4},
      {"log2", "", &hangu::log2, 0.1, 4, 1, 4},
      {"log10", "", &hangu::log10, 0.1, 4, 1, 4},
      {"log1p", "", &hangu::log1p, -0.5, 4, 0, 4},
      {"expm1", "", &hangu::expm1, -2, 2, -2, 2},
      {"sqrt", "Sqrt", &hangu::sqrt, 0.1, 4, 0, 4},
      {"rsqrt", "", &hangu::rsqrt, 0.1, 4, 1, 4},
      {"sin", "Sin", &hangu::sin, -3, 3, -3, 3},
      {"cos", "Cos", &hangu::cos, -3, 3, -3, 3},
      {"tan", "Tan", &hangu::tan, -1.2, 1.2, -1, 1},
      {"asin", "Asin", &hangu::asin, -0.95, 0.95, -1, 1},
      {"acos", "Acos", &hangu::acos, -0.95, 0.95, -1, 1},
      {"atan", "Atan", &hangu::atan, -3, 3, -3, 3},
      {"sinh", "Sinh", &hangu::sinh, -2, 2, -2, 2},
      {"cosh", "Cosh", &hangu::cosh, -2, 2, -2, 2},
      {"tanh", "Tanh", &hangu::tanh, -2, 2, -2, 2},
      {"erf", "Erf", &hangu::erf, -2, 2, -2, 2},
      {"sigmoid", "Sigmoid", &hangu::sigmoid, -4, 4, -3, 3},
  };
  for (const FloatMath& m : table) {
    auto fn = m.fn;
    r.add(unary_info(
        m.name, m.onnx, true, [fn](const Tensor& t, const OpArgs&) { return fn(t); },
        [m] { return unary({f32, f64, f16, bf16}, m.lo, m.hi, {i64, i32, b8}, m.ilo, m.ihi); }, only_undefined));
  }
}

// Activations torch defines on floating dtypes only.
void register_activations(OpRegistry& r) {
  const std::vector<DType> fl = {f32, f64, f16, bf16};
  auto float_errors = [] { return Errors{undefined_error(1), dtype_error({i64}, i64)}; };
  r.add(unary_info(
      "leaky_relu", "LeakyRelu", true,
      [](const Tensor& t, const OpArgs& a) { return leaky_relu(t, a.get_double("negative_slope", 0.01)); },
      [fl] {
        Samples s = unary(fl, -3, 3);
        append(s, unary({f32}, -3, 3, {}, 0, 0, OpArgs{{"negative_slope", 0.2}}));
        return s;
      },
      float_errors));
  r.add(unary_info(
      "elu", "Elu", true, [](const Tensor& t, const OpArgs& a) { return elu(t, a.get_double("alpha", 1.0)); },
      [fl] {
        Samples s = unary(fl, -3, 3);
        append(s, unary({f32, f64}, -3, 3, {}, 0, 0, OpArgs{{"alpha", 1.5}}));
        return s;
      },
      float_errors));
  r.add(unary_info(
      "gelu", "Gelu", true,
      [](const Tensor& t, const OpArgs& a) { return gelu(t, a.get_str("approximate", "none")); },
      [fl] {
        Samples s = unary(fl, -3, 3);
        append(s, unary({f32, f64, bf16}, -3, 3, {}, 0, 0, OpArgs{{"approximate", "tanh"}}));
        return s;
      },
      [] {
        Errors e = {undefined_error(1), dtype_error({i64}, i64)};
        OpErrorCase bad = dtype_error({f32}, f32, OpArgs{{"approximate", "fast"}}, ErrorKind::value);
        bad.mentions = {"approximate", "fast"};
        e.push_back(bad);
        return e;
      }));
  r.add(unary_info(
      "softplus", "Softplus", true,
      [](const Tensor& t, const OpArgs& a) {
        return softplus(t, a.get_double("beta", 1.0), a.get_double("threshold", 20.0));
      },
      [fl] {
        Samples s = unary(fl, -3, 3);
        append(s, unary({f32, f64}, -3, 3, {}, 0, 0, OpArgs{{"beta", 2.0}, {"threshold", 1.0}}));
        return s;
      },
      float_errors));
  struct Act {
    const char* name;
    const char* onnx;
    Tensor (*fn)(const Tensor&);
  };
  const Act acts[] = {{"silu", "", &hangu::silu},
                      {"hardswish", "HardSwish", &hangu::hardswish},
                      {"hardsigmoid", "HardSigmoid", &hangu::hardsigmoid}};
  for (const Act& a : acts) {
    auto fn = a.fn;
    r.add(unary_info(
        a.name, a.onnx, true, [fn](const Tensor& t, const OpArgs&) { return fn(t); },
        [fl] { return unary(fl, -5, 5); }, float_errors));
  }
}

// Ops that keep the input's dtype.
void register_same_dtype(OpRegistry& r) {
  r.add(unary_info(
      "neg", "Neg", true, [](const Tensor& t, const OpArgs&) { return neg(t); },
      [] { return unary({f32, f64, f16, bf16}, -2, 2, {i64, i32, i8}, -5, 5); },
      [] { return Errors{undefined_error(1), dtype_error({b8}, b8)}; }));
  r.add(unary_info(
      "abs", "Abs", true, [](const Tensor& t, const OpArgs&) { return abs(t); },
      [] { return unary({f32, f64, f16, bf16}, -2, 2, {i64, i32, i8, u8}, -5, 5); },
      [] { return Errors{undefined_error(1), dtype_error({b8}, b8)}; }));
  r.add(unary_info(
      "sign", "Sign", false, [](const Tensor& t, const OpArgs&) { return sign(t); },
      [] { return unary({f32, f64, bf16}, -2, 2, {i64, i32, u8, b8}, -3, 3); }, only_undefined));
  r.add(unary_info(
      "square", "", true, [](const Tensor& t, const OpArgs&) { return square(t); },
      [] { return unary({f32, f64, f16, bf16}, -2, 2, {i64, i32, u8, b8}, -5, 5); }, only_undefined));
  r.add(unary_info(
      "relu", "Relu", true, [](const Tensor& t, const OpArgs&) { return relu(t); },
      [] { return unary({f32, f64, bf16}, -2, 2, {i64, i32, u8}, -3, 3); },
      [] { return Errors{undefined_error(1), dtype_error({b8}, b8)}; }));
  struct Rnd {
    const char* name;
    const char* onnx;
    Tensor (*fn)(const Tensor&);
  };
  const Rnd rnd[] = {{"floor", "Floor", &hangu::floor},
                     {"ceil", "Ceil", &hangu::ceil},
                     {"round", "Round", &hangu::round},
                     {"trunc", "", &hangu::trunc}};
  for (const Rnd& m : rnd) {
    auto fn = m.fn;
    r.add(unary_info(
        m.name, m.onnx, false, [fn](const Tensor& t, const OpArgs&) { return fn(t); },
        [] {
          Samples s = unary({f32, f64, f16, bf16}, -4, 4, {i64, i32}, -5, 5);
          s.push_back({{specials(f32)}, {}, "specials float32 (halves, inf, nan)"});
          s.push_back({{specials(f64)}, {}, "specials float64"});
          return s;
        },
        [] { return Errors{undefined_error(1), dtype_error({b8}, b8)}; }));
  }
  r.add(unary_info(
      "nan_to_num", "", true,
      [](const Tensor& t, const OpArgs& a) {
        auto opt = [&](const char* k) { return a.has(k) ? std::optional<double>(a.get_double(k)) : std::nullopt; };
        return nan_to_num(t, a.get_double("nan", 0.0), opt("posinf"), opt("neginf"));
      },
      [] {
        Samples s = unary({f32, f64}, -2, 2, {i64, b8});
        for (DType d : {f32, f64, f16, bf16}) s.push_back({{specials(d)}, {}, "specials " + std::string(dtype_name(d))});
        s.push_back({{specials(f32)}, OpArgs{{"nan", 1.5}, {"posinf", 100.0}, {"neginf", -100.0}}, "custom values"});
        s.push_back({{specials(f64)}, OpArgs{{"posinf", 7.0}}, "custom posinf only"});
        return s;
      },
      only_undefined));
}

OpInfo inplace_neg() {
  OpInfo info = unary_info(
      "neg_", "", true, [](const Tensor& t, const OpArgs&) { return neg_(hangu::clone(t)); },
      [] { return unary({f32, f64, bf16}, -2, 2, {i64, i32}, -5, 5); },
      [] { return Errors{undefined_error(1), dtype_error({b8}, b8)}; });
  return info;
}

}  // namespace

void register_unary_ops(OpRegistry& r) {
  register_float_math(r);
  register_activations(r);
  register_same_dtype(r);
  r.add(inplace_neg());
}

}  // namespace hangu::ops
