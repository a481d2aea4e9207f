#include "hangu/core/tensor.h"

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"

namespace hangu {

Tensor Tensor::make(Storage storage, Shape shape, Strides strides, int64_t offset, DType dtype) {
  if (shape.size() != strides.size())
    throw ShapeError(MsgId::shape_mismatch, "Tensor::make", shape_str(shape), shape_str(strides));
  int64_t n = checked_numel(shape, "Tensor::make");
  int64_t capacity = storage.nbytes() / dtype_size(dtype);  // in elements
  if (n > 0) {
    // The lowest and highest element the view can address must both lie in the storage.
    int64_t lo = offset, hi = offset;
    for (size_t i = 0; i < shape.size(); ++i) {
      int64_t span = checked_mul(shape[i] - 1, strides[i], "Tensor::make");
      (span < 0 ? lo : hi) = checked_add(span < 0 ? lo : hi, span, "Tensor::make");
    }
    if (lo < 0 || hi >= capacity)
      throw IndexError(MsgId::storage_out_of_bounds, "Tensor::make", shape_str(shape), shape_str(strides), offset,
                       capacity);
  } else if (offset < 0 || offset > capacity) {
    throw IndexError(MsgId::storage_out_of_bounds, "Tensor::make", shape_str(shape), shape_str(strides), offset,
                     capacity);
  }
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = std::move(storage);
  impl->shape = std::move(shape);
  impl->strides = std::move(strides);
  impl->offset = offset;
  impl->dtype = dtype;
  return Tensor(std::move(impl));
}

int64_t Tensor::size(int64_t d) const { return impl_->shape[wrap_dim(d, dim(), "size")]; }
int64_t Tensor::stride(int64_t d) const { return impl_->strides[wrap_dim(d, dim(), "stride")]; }

int64_t Tensor::numel() const {
  int64_t n = 1;
  for (int64_t s : impl_->shape) n *= s;  // checked when the tensor was made
  return n;
}

bool Tensor::is_contiguous() const {
  int64_t expected = 1;
  for (size_t i = impl_->shape.size(); i-- > 0;) {
    int64_t s = impl_->shape[i];
    if (s == 0) return true;
    if (s != 1 && impl_->strides[i] != expected) return false;
    expected *= s;
  }
  return true;
}

void* Tensor::data() const {
  return static_cast<char*>(impl_->storage.data()) + impl_->offset * dtype_size(impl_->dtype);
}

void Tensor::check_dtype(DType expected, const char* op) const {
  if (dtype() != expected) throw DTypeError(MsgId::dtype_mismatch, op, expected, dtype());
}

Scalar Tensor::item() const {
  check_defined(*this, "item");
  if (numel() != 1) throw ValueError(MsgId::item_not_scalar, numel());
  return dispatch_dtype(dtype(), [&]<typename T>() { return Scalar(*static_cast<const T*>(data())); });
}

Tensor empty(IntList shape, DType dtype, Device device) {
  int64_t nbytes = checked_nbytes(shape, dtype_size(dtype), "empty");
  return Tensor::make(Storage::allocate(nbytes, device), Shape(shape.begin(), shape.end()), contiguous_strides(shape),
                      0, dtype);
}

Tensor empty_strided(IntList shape, IntList strides, DType dtype, Device device) {
  if (shape.size() != strides.size()) throw ShapeError(MsgId::shape_mismatch, "empty_strided", shape, strides);
  int64_t n = checked_numel(shape, "empty_strided");
  int64_t extent = n > 0 ? 1 : 0;  // elements the strides reach
  for (size_t i = 0; i < shape.size() && n > 0; ++i) {
    if (strides[i] < 0) throw ValueError(MsgId::arg_invalid, "empty_strided", "strides", shape_str(strides));
    extent = checked_add(extent, checked_mul(shape[i] - 1, strides[i], "empty_strided"), "empty_strided");
  }
  Storage st = Storage::allocate(checked_mul(extent, dtype_size(dtype), "empty_strided"), device);
  return Tensor::make(std::move(st), Shape(shape.begin(), shape.end()), Strides(strides.begin(), strides.end()), 0,
                      dtype);
}

void check_defined(const Tensor& t, const char* op) {
  if (!t.defined()) throw ValueError(MsgId::undefined_tensor, op);
}

}  // namespace hangu
