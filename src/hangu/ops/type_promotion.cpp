#include "hangu/ops/type_promotion.h"

#include "hangu/core/error.h"

namespace hangu {
namespace {

enum class Category : uint8_t { boolean, integer, floating };
Category category(DType t) {
  return t == DType::boolean ? Category::boolean : is_floating(t) ? Category::floating : Category::integer;
}

// `higher` (from higher-priority operands) wins unless `lower` is of a higher category.
DType combine(bool has_higher, DType higher, bool has_lower, DType lower) {
  if (!has_higher) return lower;
  if (!has_lower) return higher;
  if (category(lower) > category(higher)) return promote_types(higher, lower);
  return higher;
}

}  // namespace

TypePromotion& TypePromotion::add(const Tensor& t) {
  if (!t.defined()) return *this;
  if (t.dim() > 0) {
    dim_ = has_dim_ ? promote_types(dim_, t.dtype()) : t.dtype();
    has_dim_ = true;
  } else {
    zero_ = has_zero_ ? promote_types(zero_, t.dtype()) : t.dtype();
    has_zero_ = true;
  }
  return *this;
}

TypePromotion& TypePromotion::add(const Scalar& s) {
  // A Python float counts as the default dtype, an int as int64, a bool as bool.
  DType d = s.is_floating() ? kDefaultFloat : s.dtype();
  wrapped_ = has_wrapped_ ? promote_types(wrapped_, d) : d;
  has_wrapped_ = true;
  return *this;
}

DType TypePromotion::result() const {
  if (!has_dim_ && !has_zero_ && !has_wrapped_)
    throw ValueError(MsgId::arg_invalid, "result_type", "operands", "(none)");
  bool has_low = has_zero_ || has_wrapped_;
  DType low = combine(has_zero_, zero_, has_wrapped_, wrapped_);
  return combine(has_dim_, dim_, has_low, low);
}

DType result_type(const Tensor& a, const Tensor& b) { return TypePromotion().add(a).add(b).result(); }
DType result_type(const Tensor& a, const Scalar& b) { return TypePromotion().add(a).add(b).result(); }
DType result_type(const Scalar& a, const Tensor& b) { return TypePromotion().add(a).add(b).result(); }

}  // namespace hangu
