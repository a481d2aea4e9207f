// Binary arithmetic: add, sub, mul, div (true, floor, trunc), remainder, pow, maximum, minimum,
// atan2. Inputs are promoted with result_type, broadcast, and computed in the common dtype
// (opmath float for 16-bit floats). Integer arithmetic wraps like PyTorch's.
#include <cmath>
#include <limits>

#include "hangu/ops/autograd_record.h"
#include "hangu/ops/elementwise_impl.h"

namespace hangu {

using namespace elementwise;

namespace {

// out = f(a, b) in the common dtype; f is a generic lambda over opmath types. `fast`: the f32
// kernel (kernels/cpu/simd) tried first.
template <Family Fam, typename F>
Tensor binary_same(const Tensor& a, const Tensor& b, DType common, const char* op, F f,
                   std::optional<FastBinary> fast = std::nullopt) {
  Binary p = prepare_binary(a, b, common, op);
  Tensor out = empty(p.shape, common);
  if (fast && kernels::simd::f32_binary(fast->op, out, p.a, p.b, fast->alpha)) return out;
  dispatch_family<Fam>(common, op, [&]<typename T>() { run_binary<T, T>(out, p, f); });
  return out;
}

// Integer division and remainder by zero raise like PyTorch (ZeroDivisionError).
void check_no_int_zero(const Tensor& divisor, DType common, const char* op) {
  if (is_floating(common) || !divisor.defined()) return;
  Tensor z = contiguous(eq(divisor, 0));
  const bool* p = z.data_ptr<bool>();
  for (int64_t i = 0; i < z.numel(); ++i)
    if (p[i]) throw ValueError(MsgId::elem_int_div_zero, op, common);
}

Tensor add_impl(const Tensor& a, const Tensor& b, DType common, const Scalar& alpha, bool subtract) {
  const char* op = subtract ? "sub" : "add";
  check_defined2(a, b, op);
  if (subtract && (a.dtype() == DType::boolean || b.dtype() == DType::boolean))
    throw DTypeError(MsgId::elem_bool_sub, op, DType::boolean);
  if (is_integral(common) && alpha.is_floating()) throw ValueError(MsgId::elem_alpha_float, op, common, alpha.str());
  if (common != DType::boolean && alpha.is_bool()) throw ValueError(MsgId::elem_alpha_bool, op, common);
  if (common == DType::boolean) {
    const int64_t k = alpha.to_int();
    return binary_same<Family::boolean>(a, b, common, op, [k](bool x, bool y) { return (int64_t{x} + k * int64_t{y}) != 0; });
  }
  const FastBinary fast{subtract ? kernels::simd::BinaryOp::sub : kernels::simd::BinaryOp::add,
                        common == DType::f32 ? alpha.to<float>() : 1.0f};
  return binary_same<Family::numeric>(
      a, b, common, op,
      [&]<typename V>(V x, V y) -> V {
        V k = alpha.to<V>();
        if (subtract) return wrap_sub(x, wrap_mul(k, y));
        return wrap_add(x, wrap_mul(k, y));
      },
      fast);
}

template <typename V>
V floor_divide(V a, V b) {
  if constexpr (std::is_integral_v<V>) {
    if (b == V(-1)) return wrap_sub(V(0), a);  // avoids the INT_MIN / -1 trap
    V q = static_cast<V>(a / b);
    if (static_cast<V>(a % b) != 0 && ((a < 0) != (b < 0))) --q;
    return q;
  } else {  // PyTorch's div_floor_floating: exact for the fmod-based quotient
    if (b == V(0)) return a / b;
    V mod = std::fmod(a, b);
    V d = (a - mod) / b;
    if (mod != V(0) && ((b < V(0)) != (mod < V(0)))) d -= V(1);
    if (d == V(0)) return std::copysign(V(0), a / b);
    V fd = std::floor(d);
    if (d - fd > V(0.5)) fd += V(1);
    return fd;
  }
}

template <typename V>
V python_remainder(V a, V b) {
  if constexpr (std::is_integral_v<V>) {
    if (b == V(-1)) return V(0);
    V r = static_cast<V>(a % b);
    if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<V>(r + b);
    return r;
  } else {
    V mod = std::fmod(a, b);
    if (mod != V(0) && ((b < V(0)) != (mod < V(0)))) mod += b;
    return mod;
  }
}

Tensor div_impl(const Tensor& a, const Tensor& b, DType common, const std::string& mode) {
  check_defined2(a, b, "div");
  if (mode.empty()) {
    DType d = to_float_if_integral(common);
    return binary_same<Family::floating>(a, b, d, "div", []<typename V>(V x, V y) { return x / y; },
                                         FastBinary{kernels::simd::BinaryOp::div});
  }
  if (mode != "floor" && mode != "trunc") throw ValueError(MsgId::arg_invalid, "div", "rounding_mode", mode);
  if (common == DType::boolean) unsupported_dtype("div", common);
  check_no_int_zero(b, common, "div");
  if (mode == "floor") return binary_same<Family::numeric>(a, b, common, "div", []<typename V>(V x, V y) { return floor_divide(x, y); });
  return binary_same<Family::numeric>(a, b, common, "div", []<typename V>(V x, V y) -> V {
    if constexpr (std::is_integral_v<V>) return y == V(-1) ? wrap_sub(V(0), x) : static_cast<V>(x / y);
    else return std::trunc(x / y);
  });
}

Tensor remainder_impl(const Tensor& a, const Tensor& b, DType common) {
  check_defined2(a, b, "remainder");
  if (common == DType::boolean) unsupported_dtype("remainder", common);
  check_no_int_zero(b, common, "remainder");
  return binary_same<Family::numeric>(a, b, common, "remainder", []<typename V>(V x, V y) { return python_remainder(x, y); });
}

Tensor fmod_impl(const Tensor& a, const Tensor& b, DType common) {
  check_defined2(a, b, "fmod");
  if (common == DType::boolean) unsupported_dtype("fmod", common);
  check_no_int_zero(b, common, "fmod");
  return binary_same<Family::numeric>(a, b, common, "fmod", []<typename V>(V x, V y) -> V {
    if constexpr (std::is_integral_v<V>) return y == V(-1) ? V(0) : static_cast<V>(x % y);
    else return std::fmod(x, y);
  });
}

template <typename V>
V int_pow(V base, V exp) {
  if (exp < 0) {  // PyTorch's powi for tensor exponents
    if (base == V(1)) return V(1);
    if (base == V(-1)) return (-static_cast<int64_t>(exp)) % 2 ? V(-1) : V(1);
    return V(0);
  }
  V result = V(1);
  uint64_t e = static_cast<uint64_t>(exp);
  while (e) {
    if (e & 1) result = wrap_mul(result, base);
    base = wrap_mul(base, base);
    e >>= 1;
  }
  return result;
}

Tensor pow_impl(const Tensor& a, const Tensor& b, DType common) {
  check_defined2(a, b, "pow");
  if (common == DType::boolean) unsupported_dtype("pow", common);
  return binary_same<Family::numeric>(a, b, common, "pow", []<typename V>(V x, V y) -> V {
    if constexpr (std::is_integral_v<V>) return int_pow(x, y);
    else return std::pow(x, y);
  });
}

template <bool IsMax>
Tensor extremum(const Tensor& a, const Tensor& b, const char* op) {
  check_defined2(a, b, op);
  DType common = result_type(a, b);
  return binary_same<Family::numeric_bool>(a, b, common, op, []<typename V>(V x, V y) -> V {
    if constexpr (is_floating_v<V>) {
      if (std::isnan(x) || std::isnan(y)) return std::numeric_limits<V>::quiet_NaN();
    }
    if constexpr (IsMax) return x < y ? y : x;
    else return y < x ? y : x;
  });
}

using Grads = std::vector<Tensor>;

// a + alpha * b (or a - alpha * b), recorded. A Scalar operand arrives wrapped as a 0-d tensor
// that never requires grad.
Tensor add_ad(const char* op, const Tensor& a, const Tensor& b, DType common, const Scalar& alpha, bool subtract) {
  ops::GradRecorder rec(op, {a, b});
  Tensor out = add_impl(a, b, common, alpha, subtract);
  if (rec.active())
    rec.record({out}, [a, b, alpha, subtract](const Grads& g) {
      Tensor gb;
      if (b.requires_grad()) {
        if (alpha.to_double() == 1.0) gb = subtract ? neg(g[0]) : g[0];
        else gb = mul(g[0], subtract ? -alpha.to_double() : alpha.to_double());
      }
      return Grads{a.requires_grad() ? g[0] : Tensor(), gb};
    });
  return out;
}

Tensor div_ad(const Tensor& a, const Tensor& b, DType common, const std::string& mode) {
  ops::GradRecorder rec("div", {a, b});
  Tensor out = div_impl(a, b, common, mode);
  if (rec.active())
    rec.record({out}, [a, b, mode](const Grads& g) {
      if (!mode.empty()) {  // rounding is piecewise constant: zeros, like torch
        Tensor z = zeros_like(g[0]);
        return Grads{a.requires_grad() ? z : Tensor(), b.requires_grad() ? z : Tensor()};
      }
      return Grads{a.requires_grad() ? div(g[0], b) : Tensor(),
                   b.requires_grad() ? mul(neg(g[0]), div(div(a, b), b)) : Tensor()};
    });
  return out;
}

// remainder (floor) and fmod (trunc): d/da = 1, d/db = -rounded(a / b).
Tensor mod_ad(const char* op, const Tensor& a, const Tensor& b, DType common, bool floor_mode) {
  ops::GradRecorder rec(op, {a, b});
  Tensor out = floor_mode ? remainder_impl(a, b, common) : fmod_impl(a, b, common);
  if (rec.active())
    rec.record({out}, [a, b, floor_mode](const Grads& g) {
      return Grads{a.requires_grad() ? g[0] : Tensor(),
                   b.requires_grad() ? neg(mul(g[0], div(a, b, floor_mode ? "floor" : "trunc"))) : Tensor()};
    });
  return out;
}

// pow with a tensor (or wrapped Scalar base) on both sides; torch's pow_backward_self/_exponent.
Tensor pow_ad(const Tensor& a, const Tensor& b, DType common) {
  ops::GradRecorder rec("pow", {a, b});
  Tensor out = pow_impl(a, b, common);
  if (rec.active())
    rec.record({out}, [a, b, r = ops::SavedTensor(out)](const Grads& g) {
      Tensor ga, gb;
      if (a.requires_grad()) ga = where(eq(b, 0), 0, mul(g[0], mul(b, pow(a, sub(b, 1)))));
      if (b.requires_grad()) {  // zero where a == 0 <= b; log(1) there keeps double backward finite
        Tensor zero = logical_and(eq(a, 0), ge(b, 0));
        gb = mul(g[0], where(zero, 0, mul(r.get(), log(where(zero, 1, a)))));  // log in a's dtype, as torch
      }
      return Grads{ga, gb};
    });
  return out;
}

template <bool IsMax>
Tensor extremum_ad(const Tensor& a, const Tensor& b, const char* op) {
  ops::GradRecorder rec(op, {a, b});
  Tensor out = extremum<IsMax>(a, b, op);
  if (rec.active())  // ties split the gradient in halves, like torch 1.13
    rec.record({out}, [a, b](const Grads& g) {
      Tensor h = where(eq(a, b), div(g[0], 2), g[0]);
      return Grads{a.requires_grad() ? where(IsMax ? lt(a, b) : gt(a, b), 0, h) : Tensor(),
                   b.requires_grad() ? where(IsMax ? gt(a, b) : lt(a, b), 0, h) : Tensor()};
    });
  return out;
}

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  check_defined2(a, b, "add");
  return add_ad("add", a, b, result_type(a, b), alpha, false);
}
Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  check_defined(a, "add");
  DType d = result_type(a, b);
  return add_ad("add", a, wrap(b, d), d, alpha, false);
}
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  check_defined2(a, b, "sub");
  return add_ad("sub", a, b, result_type(a, b), alpha, true);
}
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  check_defined(a, "sub");
  DType d = result_type(a, b);
  return add_ad("sub", a, wrap(b, d), d, alpha, true);
}
Tensor sub(const Scalar& a, const Tensor& b) {
  check_defined(b, "sub");
  DType d = result_type(a, b);
  return add_ad("sub", wrap(a, d), b, d, 1, true);
}

Tensor rsub(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  check_defined2(self, other, "rsub");
  return add_ad("rsub", other, self, result_type(self, other), alpha, true);
}
Tensor rsub(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  check_defined(self, "rsub");
  DType d = result_type(self, other);
  return add_ad("rsub", wrap(other, d), self, d, alpha, true);
}

Tensor mul(const Tensor& a, const Tensor& b) {
  check_defined2(a, b, "mul");
  DType d = result_type(a, b);
  if (d == DType::boolean) return binary_same<Family::boolean>(a, b, d, "mul", [](bool x, bool y) { return x && y; });
  ops::GradRecorder rec("mul", {a, b});
  Tensor out = binary_same<Family::numeric>(a, b, d, "mul", []<typename V>(V x, V y) { return wrap_mul(x, y); },
                                            FastBinary{kernels::simd::BinaryOp::mul});
  if (rec.active())
    rec.record({out}, [a, b](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{a.requires_grad() ? mul(g[0], b) : Tensor(), b.requires_grad() ? mul(g[0], a) : Tensor()};
    });
  return out;
}
Tensor mul(const Tensor& a, const Scalar& b) {
  check_defined(a, "mul");
  return mul(a, wrap(b, result_type(a, b)));
}

Tensor div(const Tensor& a, const Tensor& b, const std::string& mode) {
  check_defined2(a, b, "div");
  return div_ad(a, b, result_type(a, b), mode);
}
Tensor div(const Tensor& a, const Scalar& b, const std::string& mode) {
  check_defined(a, "div");
  DType d = result_type(a, b);
  return div_ad(a, wrap(b, d), d, mode);
}
Tensor div(const Scalar& a, const Tensor& b, const std::string& mode) {
  check_defined(b, "div");
  DType d = result_type(a, b);
  return div_ad(wrap(a, d), b, d, mode);
}

Tensor remainder(const Tensor& a, const Tensor& b) {
  check_defined2(a, b, "remainder");
  return mod_ad("remainder", a, b, result_type(a, b), true);
}
Tensor remainder(const Tensor& a, const Scalar& b) {
  check_defined(a, "remainder");
  DType d = result_type(a, b);
  return mod_ad("remainder", a, wrap(b, d), d, true);
}
Tensor remainder(const Scalar& a, const Tensor& b) {
  check_defined(b, "remainder");
  DType d = result_type(a, b);
  return mod_ad("remainder", wrap(a, d), b, d, true);
}

Tensor fmod(const Tensor& a, const Tensor& b) {
  check_defined2(a, b, "fmod");
  return mod_ad("fmod", a, b, result_type(a, b), false);
}
Tensor fmod(const Tensor& a, const Scalar& b) {
  check_defined(a, "fmod");
  DType d = result_type(a, b);
  return mod_ad("fmod", a, wrap(b, d), d, false);
}

Tensor floor_divide(const Tensor& a, const Tensor& b) { return div(a, b, "floor"); }
Tensor floor_divide(const Tensor& a, const Scalar& b) { return div(a, b, "floor"); }

Tensor pow(const Tensor& a, const Tensor& b) {
  check_defined2(a, b, "pow");
  return pow_ad(a, b, result_type(a, b));
}
Tensor pow(const Tensor& a, const Scalar& b) {
  check_defined(a, "pow");
  DType d = result_type(a, b);
  if (is_integral(d, true) && b.is_integral() && b.to_int() < 0)
    throw ValueError(MsgId::elem_neg_int_pow, "pow", d, b.to_int());
  ops::GradRecorder rec("pow", {a});
  // x^2 (square, the norms' and losses' composites) as x * x: the correctly rounded square, like
  // pow, through the vector mul instead of a libm call per element.
  const bool squared = is_floating(d) && b.to_double() == 2.0;
  Tensor out = squared ? mul(to(a, d), to(a, d)) : pow_impl(a, wrap(b, d), d);
  if (rec.active())  // torch's pow_backward: zero for exponent 0, else g * b * a^(b-1)
    rec.record({out}, [a, b](const Grads& g) {
      const double e = b.to_double();
      if (e == 0.0) return Grads{zeros_like(g[0])};
      return Grads{mul(g[0], mul(e == 2.0 ? a : pow(a, e - 1.0), e))};
    });
  return out;
}
Tensor pow(const Scalar& a, const Tensor& b) {
  check_defined(b, "pow");
  DType d = result_type(a, b);
  return pow_ad(wrap(a, d), b, d);
}

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum_ad<true>(a, b, "maximum"); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum_ad<false>(a, b, "minimum"); }

Tensor atan2(const Tensor& a, const Tensor& b) {
  check_defined2(a, b, "atan2");
  DType d = to_float_if_integral(result_type(a, b));
  ops::GradRecorder rec("atan2", {a, b});
  Tensor out = binary_same<Family::floating>(a, b, d, "atan2", []<typename V>(V x, V y) { return std::atan2(x, y); });
  if (rec.active())
    rec.record({out}, [a, b](const Grads& g) {
      Tensor recip = reciprocal(add(mul(a, a), mul(b, b)));
      return Grads{a.requires_grad() ? mul(mul(g[0], b), recip) : Tensor(),
                   b.requires_grad() ? mul(mul(g[0], neg(a)), recip) : Tensor()};
    });
  return out;
}

}  // namespace hangu
