#pragma once
// Private helpers of the elementwise op files: dtype families, checks, and the map templates
// that convert inputs, broadcast, allocate the output and run kernels::map_elementwise.
#include <cmath>
#include <cstdint>
#include <optional>
#include <type_traits>

#include "hangu/core/error.h"
#include "hangu/kernels/cpu/reference/loops.h"
#include "hangu/kernels/cpu/simd/elementwise.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"

namespace hangu::elementwise {

[[noreturn]] inline void unsupported_dtype(const char* op, DType d) {
  throw DTypeError(MsgId::dtype_not_supported, op, d);
}

// Calls f.template operator()<T>() for the floating dtypes only.
template <typename F>
void dispatch_floating(DType d, const char* op, F&& f) {
  switch (d) {
    case DType::f16: f.template operator()<Half>(); return;
    case DType::bf16: f.template operator()<BFloat16>(); return;
    case DType::f32: f.template operator()<float>(); return;
    case DType::f64: f.template operator()<double>(); return;
    default: unsupported_dtype(op, d);
  }
}

// Integers (and bool when WithBool; otherwise bool is never instantiated).
template <bool WithBool, typename F>
void dispatch_integral(DType d, const char* op, F&& f) {
  switch (d) {
    case DType::boolean:
      if constexpr (WithBool) f.template operator()<bool>();
      else unsupported_dtype(op, d);
      return;
    case DType::u8: f.template operator()<uint8_t>(); return;
    case DType::i8: f.template operator()<int8_t>(); return;
    case DType::i16: f.template operator()<int16_t>(); return;
    case DType::i32: f.template operator()<int32_t>(); return;
    case DType::i64: f.template operator()<int64_t>(); return;
    default: unsupported_dtype(op, d);
  }
}

// Every dtype except bool when !WithBool.
template <bool WithBool, typename F>
void dispatch_all(DType d, const char* op, F&& f) {
  if (is_floating(d)) dispatch_floating(d, op, f);
  else dispatch_integral<WithBool>(d, op, f);
}

// Which dtypes a kernel is instantiated for.
enum class Family : uint8_t { floating, numeric, numeric_bool, boolean };
template <Family Fam, typename F>
void dispatch_family(DType d, const char* op, F&& f) {
  if constexpr (Fam == Family::floating) dispatch_floating(d, op, f);
  else if constexpr (Fam == Family::numeric) dispatch_all<false>(d, op, f);
  else if constexpr (Fam == Family::numeric_bool) dispatch_all<true>(d, op, f);
  else if (d == DType::boolean) f.template operator()<bool>();
  else unsupported_dtype(op, d);
}

inline void check_defined2(const Tensor& a, const Tensor& b, const char* op) {
  check_defined(a, op);
  check_defined(b, op);
}

// Integer arithmetic that wraps like PyTorch's (two's complement) instead of overflowing.
template <typename T>
T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return static_cast<T>(static_cast<uint64_t>(a) + static_cast<uint64_t>(b));
  else
    return a + b;
}
template <typename T>
T wrap_sub(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return static_cast<T>(static_cast<uint64_t>(a) - static_cast<uint64_t>(b));
  else
    return a - b;
}
template <typename T>
T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
    return static_cast<T>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
  else
    return a * b;
}

// out = f(x) for x of C++ type T and out of type Out; f takes opmath_t<T> (float for the
// 16-bit floats), so they are computed in float and rounded once.
template <typename Out, typename T, typename F>
void run_unary(const Tensor& out, const Tensor& x, F& f) {
  kernels::map_elementwise<Out, T>(out, {&x}, [&](T v) { return static_cast<Out>(f(static_cast<opmath_t<T>>(v))); });
}

// The f32 fast kernel an op may name (kernels/cpu/simd): tried first, for f32 only; the
// reference loop runs when it does not apply.
using FastUnary = std::optional<kernels::simd::UnaryOp>;

// Float math: integer/bool inputs become float32; 16-bit floats computed in float.
template <typename F>
Tensor float_unary(const Tensor& t, const char* op, F f, FastUnary fast = std::nullopt) {
  check_defined(t, op);
  DType d = to_float_if_integral(t.dtype());
  Tensor x = to(t, d);
  Tensor out = empty(x.shape(), d);
  if (fast && kernels::simd::f32_unary(*fast, out, x)) return out;
  dispatch_floating(d, op, [&]<typename T>() { run_unary<T, T>(out, x, f); });
  return out;
}

// Same dtype in and out over floats and integers (bool too when with_bool).
template <bool WithBool, typename F>
Tensor same_unary(const Tensor& t, const char* op, F f, FastUnary fast = std::nullopt) {
  check_defined(t, op);
  Tensor out = empty(t.shape(), t.dtype());
  if (fast && kernels::simd::f32_unary(*fast, out, t)) return out;
  dispatch_all<WithBool>(t.dtype(), op, [&]<typename T>() { run_unary<T, T>(out, t, f); });
  return out;
}

// Floats only, same dtype (activations torch does not define on integers).
template <typename F>
Tensor floating_only_unary(const Tensor& t, const char* op, F f, FastUnary fast = std::nullopt) {
  check_defined(t, op);
  Tensor out = empty(t.shape(), t.dtype());
  if (fast && kernels::simd::f32_unary(*fast, out, t)) return out;
  dispatch_floating(t.dtype(), op, [&]<typename T>() { run_unary<T, T>(out, t, f); });
  return out;
}

// A binary f32 fast kernel and its alpha (a + alpha * b for add and sub).
struct FastBinary {
  kernels::simd::BinaryOp op;
  float alpha = 1.0f;
};

// Inputs converted to `compute`, broadcast; returns {a, b, shape}.
struct Binary {
  Tensor a, b;
  Shape shape;
};
inline Binary prepare_binary(const Tensor& a, const Tensor& b, DType compute, const char* op) {
  check_defined2(a, b, op);
  return {to(a, compute), to(b, compute), broadcast_shapes(a.shape(), b.shape(), op)};
}

// out[i] = f(a[i], b[i]) computed in opmath_t<T> for 16-bit floats; Out is the output type.
template <typename Out, typename T, typename F>
void run_binary(const Tensor& out, const Binary& p, F& f) {
  kernels::map_elementwise<Out, T, T>(out, {&p.a, &p.b}, [&](T x, T y) {
    if constexpr (std::is_same_v<opmath_t<T>, T>) return static_cast<Out>(f(x, y));
    else return static_cast<Out>(f(static_cast<opmath_t<T>>(x), static_cast<opmath_t<T>>(y)));
  });
}

// The Scalar as a 0-d tensor of dtype d (after promotion has been decided).
inline Tensor wrap(const Scalar& s, DType d) { return scalar_tensor(s, d); }

// For the in-place forms: writes `result` into self after the dtype and shape checks.
Tensor write_inplace(const Tensor& self, const Tensor& result, const char* op);

}  // namespace hangu::elementwise
