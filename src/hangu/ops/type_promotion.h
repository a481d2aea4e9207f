#pragma once
// torch.result_type: the dtype an elementwise op computes in. Operands fall in three classes:
// dimensioned tensors decide within their category (bool < integer < floating), 0-d tensors
// and Scalars (Python numbers) only raise the category. A float Scalar raises integers to the
// default float32; an integer Scalar raises bool to int64.
#include "hangu/core/dtype.h"
#include "hangu/core/scalar.h"
#include "hangu/core/tensor.h"

namespace hangu {

// Accumulates operands one at a time, like PyTorch's ResultTypeState.
class TypePromotion {
 public:
  TypePromotion& add(const Tensor& t);  // undefined tensors are skipped
  TypePromotion& add(const Scalar& s);
  DType result() const;  // throws DTypeError when no operand was added

 private:
  bool has_dim_ = false, has_zero_ = false, has_wrapped_ = false;
  DType dim_ = DType::boolean, zero_ = DType::boolean, wrapped_ = DType::boolean;
};

DType result_type(const Tensor& a, const Tensor& b);
DType result_type(const Tensor& a, const Scalar& b);
DType result_type(const Scalar& a, const Tensor& b);

// Integer and bool dtypes become the default float (true division, exp, sin, ...).
constexpr DType to_float_if_integral(DType t) { return is_floating(t) ? t : kDefaultFloat; }

// PyTorch's canCast: whether an op may write a `from` result into a `to` tensor
// (no floating into integer, nothing but bool into bool).
constexpr bool can_cast(DType from, DType to) {
  if (is_floating(from) && !is_floating(to)) return false;
  if (from != DType::boolean && to == DType::boolean) return false;
  return true;
}

}  // namespace hangu
