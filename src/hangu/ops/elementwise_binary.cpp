// Binary arithmetic: add, sub, mul, div (true, floor, trunc), remainder, pow, maximum, minimum,
// atan2. Inputs are promoted with result_type, broadcast, and computed in the common dtype
// (opmath float for 16-bit floats). Integer arithmetic wraps like PyTorch's.
#include <cmath>
#include <limits>

#include "hangu/ops/elementwise_impl.h"

namespace hangu {

using namespace elementwise;

namespace {

// out = f(a, b) in the common dtype; f is a generic lambda over opmath types.
template <Family Fam, typename F>
Tensor binary_same(const Tensor& a, const Tensor& b, DType common, const char* op, F f) {
  Binary p = prepare_binary(a, b, common, op);
  Tensor out = empty(p.shape, common);
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
  return binary_same<Family::numeric>(a, b, common, op, [&]<typename V>(V x, V y) -> V {
    V k = alpha.to<V>();
    if (subtract) return wrap_sub(x, wrap_mul(k, y));
    return wrap_add(x, wrap_mul(k, y));
  });
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
    return binary_same<Family::floating>(a, b, d, "div", []<typename V>(V x, V y) { return x / y; });
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

}  // namespace

Tensor add(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  check_defined2(a, b, "add");
  return add_impl(a, b, result_type(a, b), alpha, false);
}
Tensor add(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  check_defined(a, "add");
  DType d = result_type(a, b);
  return add_impl(a, wrap(b, d), d, alpha, false);
}
Tensor sub(const Tensor& a, const Tensor& b, const Scalar& alpha) {
  check_defined2(a, b, "sub");
  return add_impl(a, b, result_type(a, b), alpha, true);
}
Tensor sub(const Tensor& a, const Scalar& b, const Scalar& alpha) {
  check_defined(a, "sub");
  DType d = result_type(a, b);
  return add_impl(a, wrap(b, d), d, alpha, true);
}
Tensor sub(const Scalar& a, const Tensor& b) {
  check_defined(b, "sub");
  DType d = result_type(a, b);
  return add_impl(wrap(a, d), b, d, 1, true);
}

Tensor rsub(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  check_defined2(self, other, "rsub");
  return add_impl(other, self, result_type(self, other), alpha, true);
}
Tensor rsub(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  check_defined(self, "rsub");
  DType d = result_type(self, other);
  return add_impl(wrap(other, d), self, d, alpha, true);
}

Tensor mul(const Tensor& a, const Tensor& b) {
  check_defined2(a, b, "mul");
  DType d = result_type(a, b);
  if (d == DType::boolean) return binary_same<Family::boolean>(a, b, d, "mul", [](bool x, bool y) { return x && y; });
  return binary_same<Family::numeric>(a, b, d, "mul", []<typename V>(V x, V y) { return wrap_mul(x, y); });
}
Tensor mul(const Tensor& a, const Scalar& b) {
  check_defined(a, "mul");
  return mul(a, wrap(b, result_type(a, b)));
}

Tensor div(const Tensor& a, const Tensor& b, const std::string& mode) {
  check_defined2(a, b, "div");
  return div_impl(a, b, result_type(a, b), mode);
}
Tensor div(const Tensor& a, const Scalar& b, const std::string& mode) {
  check_defined(a, "div");
  DType d = result_type(a, b);
  return div_impl(a, wrap(b, d), d, mode);
}
Tensor div(const Scalar& a, const Tensor& b, const std::string& mode) {
  check_defined(b, "div");
  DType d = result_type(a, b);
  return div_impl(wrap(a, d), b, d, mode);
}

Tensor remainder(const Tensor& a, const Tensor& b) {
  check_defined2(a, b, "remainder");
  return remainder_impl(a, b, result_type(a, b));
}
Tensor remainder(const Tensor& a, const Scalar& b) {
  check_defined(a, "remainder");
  DType d = result_type(a, b);
  return remainder_impl(a, wrap(b, d), d);
}
Tensor remainder(const Scalar& a, const Tensor& b) {
  check_defined(b, "remainder");
  DType d = result_type(a, b);
  return remainder_impl(wrap(a, d), b, d);
}

Tensor fmod(const Tensor& a, const Tensor& b) {
  check_defined2(a, b, "fmod");
  return fmod_impl(a, b, result_type(a, b));
}
Tensor fmod(const Tensor& a, const Scalar& b) {
  check_defined(a, "fmod");
  DType d = result_type(a, b);
  return fmod_impl(a, wrap(b, d), d);
}

Tensor floor_divide(const Tensor& a, const Tensor& b) { return div(a, b, "floor"); }
Tensor floor_divide(const Tensor& a, const Scalar& b) { return div(a, b, "floor"); }

Tensor pow(const Tensor& a, const Tensor& b) {
  check_defined2(a, b, "pow");
  return pow_impl(a, b, result_type(a, b));
}
Tensor pow(const Tensor& a, const Scalar& b) {
  check_defined(a, "pow");
  DType d = result_type(a, b);
  if (is_integral(d, true) && b.is_integral() && b.to_int() < 0)
    throw ValueError(MsgId::elem_neg_int_pow, "pow", d, b.to_int());
  return pow_impl(a, wrap(b, d), d);
}
Tensor pow(const Scalar& a, const Tensor& b) {
  check_defined(b, "pow");
  DType d = result_type(a, b);
  return pow_impl(wrap(a, d), b, d);
}

Tensor maximum(const Tensor& a, const Tensor& b) { return extremum<true>(a, b, "maximum"); }
Tensor minimum(const Tensor& a, const Tensor& b) { return extremum<false>(a, b, "minimum"); }

Tensor atan2(const Tensor& a, const Tensor& b) {
  check_defined2(a, b, "atan2");
  DType d = to_float_if_integral(result_type(a, b));
  return binary_same<Family::floating>(a, b, d, "atan2", []<typename V>(V x, V y) { return std::atan2(x, y); });
}

}  // namespace hangu
