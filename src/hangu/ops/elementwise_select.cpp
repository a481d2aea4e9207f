// Ops that pick or blend between operands (clamp, where, lerp) and the in-place forms.
// The in-place forms are not recorded by autograd: they refuse (check_inplace) when grad mode is
// on and self or the other operand requires grad; use the out-of-place ops to differentiate.
#include <cmath>

#include "hangu/ops/autograd_record.h"
#include "hangu/ops/elementwise_impl.h"

namespace hangu {

using namespace elementwise;

Tensor clamp(const Tensor& t, std::optional<Scalar> min, std::optional<Scalar> max) {
  check_defined(t, "clamp");
  if (!min && !max) throw ValueError(MsgId::elem_clamp_no_bound, "clamp", t.shape());
  ops::GradRecorder rec("clamp", {t});
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
  if (rec.active())  // torch's clamp_backward: gradient where min <= t <= max (NaN gets none)
    rec.record({out}, [t, min, max](const std::vector<Tensor>& g) {
      Tensor keep;
      if (min) keep = ge(t, *min);
      if (max) keep = keep.defined() ? logical_and(keep, le(t, *max)) : le(t, *max);
      return std::vector<Tensor>{where(keep, g[0], 0)};
    });
  return out;
}

Tensor clamp(const Tensor& t, const Tensor& min, const Tensor& max) {
  check_defined(t, "clamp");
  if (!min.defined() && !max.defined()) throw ValueError(MsgId::elem_clamp_no_bound, "clamp", t.shape());
  DType d = TypePromotion().add(t).add(min).add(max).result();
  if (d == DType::boolean) unsupported_dtype("clamp", d);
  ops::GradRecorder rec("clamp", {t, min, max});
  Tensor r = to(t, d);
  if (min.defined()) r = maximum(r, to(min, d));
  if (max.defined()) r = minimum(r, to(max, d));
  Tensor out = r.is_same(t) ? clone(r) : r;
  if (rec.active())  // torch's clamp_backward and clamp_backward_min_max
    rec.record({out}, [t, min, max](const std::vector<Tensor>& g) {
      const Tensor& gr = g[0];
      Tensor gt_, gmin, gmax;
      if (min.defined() && max.defined()) {
        gt_ = where(logical_and(ge(t, min), le(t, max)), gr, 0);
        if (min.requires_grad()) gmin = where(logical_and(lt(t, min), lt(min, max)), gr, 0);
        if (max.requires_grad()) gmax = where(logical_or(gt(t, max), lt(max, min)), gr, 0);
      } else if (min.defined()) {
        gt_ = where(ge(t, min), gr, 0);
        if (min.requires_grad()) gmin = where(lt(t, min), gr, 0);
      } else {
        gt_ = where(le(t, max), gr, 0);
        if (max.requires_grad()) gmax = where(gt(t, max), gr, 0);
      }
      return std::vector<Tensor>{t.requires_grad() ? gt_ : Tensor(), gmin, gmax};
    });
  return out;
}

Tensor clamp_min(const Tensor& t, const Scalar& min) { return clamp(t, min, std::nullopt); }
Tensor clamp_min(const Tensor& t, const Tensor& min) { return clamp(t, min, Tensor()); }
Tensor clamp_max(const Tensor& t, const Scalar& max) { return clamp(t, std::nullopt, max); }
Tensor clamp_max(const Tensor& t, const Tensor& max) { return clamp(t, Tensor(), max); }

namespace {

Tensor where_impl(const Tensor& cond, const Tensor& a, const Tensor& b, DType d) {
  if (cond.dtype() != DType::boolean && cond.dtype() != DType::u8)
    throw DTypeError(MsgId::elem_where_cond, "where", cond.dtype());
  ops::GradRecorder rec("where", {a, b});
  Tensor c = to(cond, DType::boolean), x = to(a, d), y = to(b, d);
  Shape shape = broadcast_shapes(broadcast_shapes(c.shape(), x.shape(), "where"), y.shape(), "where");
  Tensor out = empty(shape, d);
  dispatch_all<true>(d, "where", [&]<typename T>() {
    kernels::map_elementwise<T, bool, T, T>(out, {&c, &x, &y}, [](bool k, T u, T v) { return k ? u : v; });
  });
  if (rec.active())
    rec.record({out}, [c, a, b](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{a.requires_grad() ? where(c, g[0], 0) : Tensor(),
                                 b.requires_grad() ? where(c, 0, g[0]) : Tensor()};
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
  ops::GradRecorder rec("lerp", {start, end});
  Shape shape = broadcast_shapes(start.shape(), end.shape(), "lerp");
  Tensor out = empty(shape, start.dtype());
  dispatch_floating(start.dtype(), "lerp", [&]<typename T>() {
    using V = opmath_t<T>;
    const V w = weight.to<V>();
    kernels::map_elementwise<T, T, T>(out, {&start, &end}, [w](T s, T e) {
      return static_cast<T>(lerp_value(static_cast<V>(s), static_cast<V>(e), w));
    });
  });
  if (rec.active())
    rec.record({out}, [weight](const std::vector<Tensor>& g) {
      const double w = weight.to_double();
      return std::vector<Tensor>{mul(g[0], 1.0 - w), mul(g[0], w)};
    });
  return out;
}

Tensor lerp(const Tensor& start, const Tensor& end, const Tensor& weight) {
  check_lerp(start, "end", end);
  check_lerp(start, "weight", weight);
  ops::GradRecorder rec("lerp", {start, end, weight});
  Shape shape = broadcast_shapes(broadcast_shapes(start.shape(), end.shape(), "lerp"), weight.shape(), "lerp");
  Tensor out = empty(shape, start.dtype());
  dispatch_floating(start.dtype(), "lerp", [&]<typename T>() {
    using V = opmath_t<T>;
    kernels::map_elementwise<T, T, T, T>(out, {&start, &end, &weight}, [](T s, T e, T w) {
      return static_cast<T>(lerp_value(static_cast<V>(s), static_cast<V>(e), static_cast<V>(w)));
    });
  });
  if (rec.active())
    rec.record({out}, [start, end, weight](const std::vector<Tensor>& g) {
      return std::vector<Tensor>{start.requires_grad() ? mul(g[0], sub(1, weight)) : Tensor(),
                                 end.requires_grad() ? mul(g[0], weight) : Tensor(),
                                 weight.requires_grad() ? mul(g[0], sub(end, start)) : Tensor()};
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

namespace {
// In-place forms are not recorded: refuse operands that would need a gradient.
void check_inplace2(const Tensor& self, const Tensor& other, const char* op) {
  ops::check_inplace(self, op);
  if (other.defined()) ops::check_inplace(other, op);
}
}  // namespace

Tensor add_(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  check_inplace2(self, other, "add_");
  return write_inplace(self, add(self, other, alpha), "add_");
}
Tensor add_(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  ops::check_inplace(self, "add_");
  return write_inplace(self, add(self, other, alpha), "add_");
}
Tensor sub_(const Tensor& self, const Tensor& other, const Scalar& alpha) {
  check_inplace2(self, other, "sub_");
  return write_inplace(self, sub(self, other, alpha), "sub_");
}
Tensor sub_(const Tensor& self, const Scalar& other, const Scalar& alpha) {
  ops::check_inplace(self, "sub_");
  return write_inplace(self, sub(self, other, alpha), "sub_");
}
Tensor mul_(const Tensor& self, const Tensor& other) {
  check_inplace2(self, other, "mul_");
  return write_inplace(self, mul(self, other), "mul_");
}
Tensor mul_(const Tensor& self, const Scalar& other) {
  ops::check_inplace(self, "mul_");
  return write_inplace(self, mul(self, other), "mul_");
}
Tensor div_(const Tensor& self, const Tensor& other, const std::string& rounding_mode) {
  check_inplace2(self, other, "div_");
  return write_inplace(self, div(self, other, rounding_mode), "div_");
}
Tensor div_(const Tensor& self, const Scalar& other, const std::string& rounding_mode) {
  ops::check_inplace(self, "div_");
  return write_inplace(self, div(self, other, rounding_mode), "div_");
}
Tensor clamp_(const Tensor& self, std::optional<Scalar> min, std::optional<Scalar> max) {
  ops::check_inplace(self, "clamp_");
  return write_inplace(self, clamp(self, min, max), "clamp_");
}
Tensor neg_(const Tensor& self) {
  ops::check_inplace(self, "neg_");
  return write_inplace(self, neg(self), "neg_");
}

}  // namespace hangu
