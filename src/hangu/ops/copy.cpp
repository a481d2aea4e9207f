#include "hangu/ops/copy.h"

#include "hangu/core/error.h"
#include "hangu/kernels/cpu/reference/loops.h"

namespace hangu {

Tensor to(const Tensor& t, DType dtype) {
  check_defined(t, "to");
  if (t.dtype() == dtype) return t;
  Tensor out = empty(t.shape(), dtype);
  kernels::copy_cast(out, t);
  return out;
}

Tensor contiguous(const Tensor& t) {
  check_defined(t, "contiguous");
  return t.is_contiguous() ? t : clone(t);
}

Tensor clone(const Tensor& t) {
  check_defined(t, "clone");
  Tensor out = empty(t.shape(), t.dtype());
  kernels::copy_cast(out, t);
  return out;
}

Tensor copy_(const Tensor& dst, const Tensor& src) {
  check_defined(dst, "copy_");
  check_defined(src, "copy_");
  Shape b = broadcast_shapes(dst.shape(), src.shape(), "copy_");
  if (b != dst.shape()) throw ShapeError(MsgId::broadcast_mismatch, "copy_", dst.shape(), src.shape());
  // Copying from an overlapping view of the same storage must read everything before writing.
  Tensor from = src.shares_storage(dst) ? clone(src) : src;
  kernels::copy_cast(dst, from);
  return dst;
}

Tensor fill_(const Tensor& t, const Scalar& v) {
  check_defined(t, "fill_");
  kernels::fill(t, v);
  return t;
}

Tensor zero_(const Tensor& t) { return fill_(t, 0); }

}  // namespace hangu
