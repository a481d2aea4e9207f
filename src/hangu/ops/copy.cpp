#include "hangu/ops/copy.h"

#include "hangu/core/error.h"
#include "hangu/kernels/cpu/reference/loops.h"
#include "hangu/ops/autograd_record.h"

namespace hangu {
namespace {
using Grads = std::vector<Tensor>;
}  // namespace

Tensor to(const Tensor& t, DType dtype) {
  check_defined(t, "to");
  if (t.dtype() == dtype) return t;
  ops::GradRecorder rec("to", {t});
  Tensor out = empty(t.shape(), dtype);
  kernels::copy_cast(out, t);
  // Only a floating output records (the recorder skips others); the recorder casts g back.
  if (rec.active()) rec.record({out}, [](const Grads& g) { return Grads{g[0]}; });
  return out;
}

Tensor contiguous(const Tensor& t) {
  check_defined(t, "contiguous");
  return t.is_contiguous() ? t : clone(t);
}

Tensor clone(const Tensor& t) {
  check_defined(t, "clone");
  ops::GradRecorder rec("clone", {t});
  Tensor out = empty(t.shape(), t.dtype());
  kernels::copy_cast(out, t);
  if (rec.active()) rec.record({out}, [](const Grads& g) { return Grads{g[0]}; });
  return out;
}

// dst gets a new history (the copy from src); dst's old value is overwritten, so it gets no
// gradient. A view's base is not rebased: in-place writes into views of graph tensors are refused
// by check_inplace instead.
Tensor copy_(const Tensor& dst, const Tensor& src) {
  check_defined(dst, "copy_");
  check_defined(src, "copy_");
  ops::check_inplace(dst, "copy_");
  Shape b = broadcast_shapes(dst.shape(), src.shape(), "copy_");
  if (b != dst.shape()) throw ShapeError(MsgId::broadcast_mismatch, "copy_", dst.shape(), src.shape());
  ops::GradRecorder rec("copy_", {dst, src});
  // Copying from an overlapping view of the same storage must read everything before writing.
  Tensor from = src.shares_storage(dst) ? clone(src) : src;
  kernels::copy_cast(dst, from);
  if (rec.active()) rec.record({dst}, [](const Grads& g) { return Grads{Tensor(), g[0]}; });
  return dst;
}

Tensor fill_(const Tensor& t, const Scalar& v) {
  check_defined(t, "fill_");
  ops::check_inplace(t, "fill_");
  kernels::fill(t, v);
  return t;
}

Tensor zero_(const Tensor& t) { return fill_(t, 0); }

}  // namespace hangu
