// Ops that pick or blend between operands (clamp, where, lerp) and the in-place forms.
#include <cmath>

#include "hangu/ops/elementwise_impl.h"

namespace hangu {

using namespace elementwise;

Tensor clamp(const Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max) {
  check_defined(t, "clamp");
  if (!min && !max) throw ValueError(MsgId::elem_clamp_no_bound, "clamp", t.shape());
  TypePromotion tp;
  tp.add(t);
  if (min) tp.add(*min);
  if (max) tp.add(*max);
  DType d = tp.result();
  Tensor x = to(t, d);
  Tensor out = empty(x.shape(), d);
  dispatch_all<false>(d, "clamp", [&]<typename T>() {
    using V = opmath_t<T>;
    const bool has_lo = min.has_value(), has_hi = max.has_value();
    const V lo = has_lo ? min->to<V>() : V(0), hi = has_hi ? max->to<V>() : V(0);
    auto f = [&](V v) -> V {
      if constexpr (is_floating_v<V>) {
        if (std::isnan(v)) return v;
      }
      if (has_lo && v < lo) v = lo;
      if (has_hi && v > hi) v = hi;
      return v;
    };
    run_unary<T, T>(out, x, f);
  });
  return out;
}

Tensor clamp(const Tensor& t, const Tensor& min, const Tensor& max) {
  check_defined(t, "clamp");
  if (!min.defined() && !max.defined()) throw ValueError(MsgId::elem_clamp_no_bound, "clamp", t.shape());
  DType d = TypePromotion().add(t).add(min).add(max).result();
  if (d == DType::boolean) unsupported_dtype("clamp", d);
  Tensor r = to(t, d);
  if (min.defined()) r = maximum(r, to(min, d));
  if (max.defined()) r = minimum(r, to(max, d));
  return r.is_same(t) ? clone(r) : r;
}

Tensor clamp_min(const Tensor& t, const Scalar& min) { return clamp(t, min, std::nullopt); }
Tensor clamp_min(const Tensor& t, const Tensor& min) { return clamp(t, min, Tensor()); }
Tensor clamp_max(const Tensor& t, const Scalar& max) { return clamp(t, std::nullopt, max); }
Tensor clamp_max(const Tensor& t, const Tensor& max) { return clamp(t, Tensor(), max); }

namespace {

Tensor where_impl(const Tensor& cond, const Tensor& a, const Tensor& b, DType d) {
  if (cond.dtype() != DType::boolean && cond.dtype() != DType::u8)
    throw DTypeError(MsgId::elem_where_cond, "where", cond.dtype());
  Tensor c = to(cond, DType::boolean), x = to(a, d), y = to(b, d);
  Shape shape = broadcast_shapes(broadcast_shapes(c.shape(), x.shape(), "where"), y.shape(), "where");
  Tensor out = empty(shape, d);
  dispatch_all<true>(d, "where", [&]<typename T>() {
    kernels::map_elementwise<T, bool, T, T>(out, {&c, &x, &y}, [](bool k, T u, T v) { return k ? u : v; });
  });
  return out;
}

}  // namespace

Tensor where(const Tensor& cond, const Tensor& a, const Tensor& b) {
  check_defined(cond, "where");
  check_defined2(a, b, "where");
  return where_impl(cond, a, b, result_type(a, b));
}
Tensor where(const Tensor& cond, const Tensor& a, const Scalar& b) {
  check_defined(cond, "where");
  check_defined(a, "where");
  DType d = result_type(a, b);
  return where_impl(cond, a, wrap(b, d), d);
}
Tensor where(const Tensor& cond, const Scalar& a, const Tensor& b) {
  check_defined(cond, "where");
  check_defined(b, "where");
  DType d = result_type(a, b);
  return where_impl(cond, wrap(a, d), b, d);
}

namespace {

// PyTorch's lerp: two formulas, so both ends are exact.
template <typename V>
V lerp_value(V s, V e, V w) {
  return std::fabs(w) < V(0.5) ? s + w * (e - s) : e - (e - s) * (V(1) - w);
}

// torch.lerp does not promote: end and a tensor weight must have start's dtype.
void check_lerp(const Tensor& start, const char* what, const Tensor& other) {
  check_defined2(start, other, "lerp");
  if (other.dtype() != start.dtype())
    throw DTypeError(MsgId::dtype_mismatch, std::string("lerp (") + what + ")", start.dtype(), other.dtype());
}

}  // namespace

Tensor lerp(const Tensor& start, const Tensor& end, const Scalar& weight) {
  check_lerp(start, "end", end);
  Shape shape = broadcast_shapes(start.shape(), end.shape(), "lerp");
  Tensor out = empty(shape, start.dtype());
  dispatch_floating(start.dtype(), "lerp", [&]<typename T>() {
    using V = opmath_t<T>;
    const V w = weight.to<V>();
    kernels::map_elementwise<T, T, T>(out, {&start, &end}, [w](T s, T e) {
      return static_cast<T>(lerp_value(static_cast<V>(s), static_cast<V>(e), w));
    });
  });
  return out;
}

Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  check_lerp(start, "end", end);
  check_lerp(start, "weight", weight);
  Shape shape = broadcast_shapes(broadcast_shapes(start.shape(), end.shape(), "lerp"), weight.shape(), "lerp");
  Tensor out = empty(shape, start.dtype());
  dispatch_floating(start.dtype(), "lerp", [&]<typename T>() {
    using V = opmath_t<T>;
    kernels::map_elementwise<T, T, T, T>(out, {&start, &end, &weight}, [](T s, T e, T w) {
      return static_cast<T>(lerp_value(static_cast<V>(s), static_cast<V>(e), static_cast<V>(w)));
    });
  });
  return out;
}

// ---- in place ----------------------------------------------------------------------------

namespace elementwise {
Tensor write_inplace(const Tensor& self, const Tensor& result, const char* op) {
  if (!can_cast(result.dtype(), self.dtype()))
    throw DTypeError(MsgId::elem_inplace_cast, op, result.dtype(), self.dtype());
  if (result.shape() != self.shape()) throw ShapeError(MsgId::elem_inplace_shape, op, self.shape(), result.shape());
  copy_(self, result);
  return self;
}
}  // namespace elementwise

Tensor add_(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  return write_inplace(self, add(self, other, alpha), "add_");
}
Tensor add_(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  return write_inplace(self, add(self, other, alpha), "add_");
}
Tensor sub_(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  return write_inplace(self, sub(self, other, alpha), "sub_");
}
Tensor sub_(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  return write_inplace(self, sub(self, other, alpha), "sub_");
}
Tensor mul_(const Tensor& self, const Tensor& other) { return write_inplace(self, mul(self, other), "mul_"); }
Tensor mul_(const Tensor& self, const Scalar& other) { return write_inplace(self, mul(self, other), "mul_"); }
Tensor div_(const Tensor& self, const Tensor& other, const std::string& rounding_mode) {
  return write_inplace(self, div(self, other, rounding_mode), "div_");
}
Tensor div_(const Tensor& self, const Scalar& other, const std::string& rounding_mode) {
  return write_inplace(self, div(self, other, rounding_mode), "div_");
}
Tensor clamp_(const Tensor& self, std::optional<Scalar> min, std::optional<Scalar> max) {
  return write_inplace(self, clamp(self, min, max), "clamp_");
}
Tensor neg_(const Tensor& self) { return write_inplace(self, neg(self), "neg_"); }

}  // namespace hangu
