// Comparisons (bool result, compared in the promoted dtype), logical ops (inputs read as
// x != 0), bitwise ops (integers and bool only) and the isnan family.
#include <cmath>

#include "hangu/ops/elementwise_impl.h"

namespace hangu {

using namespace elementwise;

namespace {

template <typename F>
Tensor compare(const Tensor& a, const Tensor& b, DType common, const char* op, F f) {
  Binary p = prepare_binary(a, b, common, op);
  Tensor out = empty(p.shape, DType::boolean);
  dispatch_all<true>(common, op, [&]<typename T>() { run_binary<bool, T>(out, p, f); });
  return out;
}

}  // namespace

#define HANGU_COMPARE(name, expr)                                                          \
  Tensor name(const Tensor& a, const Tensor& b) {                                          \
    check_defined2(a, b, #name);                                                           \
    return compare(a, b, result_type(a, b), #name, [](auto x, auto y) { return expr; });   \
  }                                                                                        \
  Tensor name(const Tensor& a, const Scalar& b) {                                          \
    check_defined(a, #name);                                                               \
    DType d = result_type(a, b);                                                           \
    return compare(a, wrap(b, d), d, #name, [](auto x, auto y) { return expr; });          \
  }
HANGU_COMPARE(eq, x == y)
HANGU_COMPARE(ne, x != y)
HANGU_COMPARE(lt, x < y)
HANGU_COMPARE(le, x <= y)
HANGU_COMPARE(gt, x > y)
HANGU_COMPARE(ge, x >= y)
#undef HANGU_COMPARE

namespace {

template <typename F>
Tensor logical(const Tensor& a, const Tensor& b, const char* op, F f) {
  Binary p = prepare_binary(a, b, DType::boolean, op);
  Tensor out = empty(p.shape, DType::boolean);
  run_binary<bool, bool>(out, p, f);
  return out;
}

template <typename F>
Tensor bitwise(const Tensor& a, const Tensor& b, DType common, const char* op, F f) {
  check_defined2(a, b, op);
  if (is_floating(common)) unsupported_dtype(op, common);
  Binary p = prepare_binary(a, b, common, op);
  Tensor out = empty(p.shape, common);
  dispatch_integral<true>(common, op, [&]<typename T>() { run_binary<T, T>(out, p, f); });
  return out;
}

}  // namespace

Tensor logical_and(const Tensor& a, const Tensor& b) {
  return logical(a, b, "logical_and", [](bool x, bool y) { return x && y; });
}
Tensor logical_or(const Tensor& a, const Tensor& b) {
  return logical(a, b, "logical_or", [](bool x, bool y) { return x || y; });
}
Tensor logical_xor(const Tensor& a, const Tensor& b) {
  return logical(a, b, "logical_xor", [](bool x, bool y) { return x != y; });
}
Tensor logical_not(const Tensor& t) {
  check_defined(t, "logical_not");
  Tensor x = to(t, DType::boolean);
  Tensor out = empty(x.shape(), DType::boolean);
  kernels::map_elementwise<bool, bool>(out, {&x}, [](bool v) { return !v; });
  return out;
}

#define HANGU_BITWISE(name, expr)                                                               \
  Tensor name(const Tensor& a, const Tensor& b) {                                               \
    check_defined2(a, b, #name);                                                                \
    return bitwise(a, b, result_type(a, b), #name, []<typename V>(V x, V y) { return static_cast<V>(expr); }); \
  }                                                                                             \
  Tensor name(const Tensor& a, const Scalar& b) {                                               \
    check_defined(a, #name);                                                                    \
    DType d = result_type(a, b);                                                                \
    if (is_floating(d)) unsupported_dtype(#name, d);                                            \
    return bitwise(a, wrap(b, d), d, #name, []<typename V>(V x, V y) { return static_cast<V>(expr); }); \
  }
HANGU_BITWISE(bitwise_and, x & y)
HANGU_BITWISE(bitwise_or, x | y)
HANGU_BITWISE(bitwise_xor, x ^ y)
#undef HANGU_BITWISE

Tensor bitwise_not(const Tensor& t) {
  check_defined(t, "bitwise_not");
  if (is_floating(t.dtype())) unsupported_dtype("bitwise_not", t.dtype());
  Tensor out = empty(t.shape(), t.dtype());
  dispatch_integral<true>(t.dtype(), "bitwise_not", [&]<typename T>() {
    auto f = [](T v) -> T {
      if constexpr (std::is_same_v<T, bool>) return !v;
      else return static_cast<T>(~v);
    };
    run_unary<T, T>(out, t, f);
  });
  return out;
}

namespace {
// Float classification; integers and bool are never NaN or infinite.
template <typename F>
Tensor classify(const Tensor& t, const char* op, bool int_value, F f) {
  check_defined(t, op);
  if (!is_floating(t.dtype())) return full(t.shape(), int_value, DType::boolean);
  Tensor out = empty(t.shape(), DType::boolean);
  dispatch_floating(t.dtype(), op, [&]<typename T>() { run_unary<bool, T>(out, t, f); });
  return out;
}
}  // namespace

Tensor isnan(const Tensor& t) {
  return classify(t, "isnan", false, [](auto x) { return std::isnan(x); });
}
Tensor isinf(const Tensor& t) {
  return classify(t, "isinf", false, [](auto x) { return std::isinf(x); });
}
Tensor isfinite(const Tensor& t) {
  return classify(t, "isfinite", true, [](auto x) { return std::isfinite(x); });
}

}  // namespace hangu
