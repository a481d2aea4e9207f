#pragma once
// Tensor: a shared handle to TensorImpl. Copying a Tensor copies the handle, not the data;
// views (reshape, transpose, slice, ...) make new TensorImpls over the same Storage.
#include <cstdint>
#include <functional>
#include <memory>
#include <ostream>
#include <string>

#include "hangu/core/device.h"
#include "hangu/core/dtype.h"
#include "hangu/core/scalar.h"
#include "hangu/core/shape.h"
#include "hangu/core/storage.h"

namespace hangu {

struct AutogradMeta;  // core/autograd_meta.h
class Node;

struct TensorImpl {
  Storage storage;
  Shape shape;
  Strides strides;      // in elements
  int64_t offset = 0;   // in elements, from the start of storage
  DType dtype = DType::f32;
  std::shared_ptr<AutogradMeta> autograd;  // null unless the autograd layer attaches one
};

class Tensor {
 public:
  Tensor() = default;  // an undefined tensor; every op rejects it with a clear error
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // A view over `storage`; throws when any element it can address lies outside the storage.
  static Tensor make(Storage storage, Shape shape, Strides strides, int64_t offset, DType dtype);

  bool defined() const { return impl_ != nullptr; }
  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }
  bool is_same(const Tensor& o) const { return impl_ == o.impl_; }

  const Shape& shape() const { return impl_->shape; }
  const Shape& sizes() const { return impl_->shape; }  // PyTorch spelling
  int64_t dim() const { return static_cast<int64_t>(impl_->shape.size()); }
  int64_t size(int64_t d) const;  // negative d counts from the end
  const Strides& strides() const { return impl_->strides; }
  int64_t stride(int64_t d) const;
  int64_t offset() const { return impl_->offset; }  // in elements
  int64_t numel() const;
  DType dtype() const { return impl_->dtype; }
  Device device() const { return impl_->storage.device(); }
  const Storage& storage() const { return impl_->storage; }
  int64_t element_size() const { return dtype_size(impl_->dtype); }
  int64_t nbytes() const { return numel() * element_size(); }
  bool is_contiguous() const;
  bool is_floating_point() const { return is_floating(dtype()); }
  bool shares_storage(const Tensor& o) const { return storage().is_same(o.storage()); }

  // Address of the first element (storage data + offset).
  void* data() const;
  // Typed address of the first element; throws DTypeError when T is not the tensor's type.
  template <typename T>
  T* data_ptr() const {
    check_dtype(dtype_of<T>, "data_ptr");
    return static_cast<T*>(data());
  }

  // The value of a one-element tensor.
  Scalar item() const;
  template <typename T>
  T item() const { return item().to<T>(); }

  std::string str() const;  // PyTorch-like repr, see print.h

  // ---- autograd (see core/autograd_meta.h; the engine is in autograd/) ----
  bool requires_grad() const;
  // Marks a leaf floating-point tensor as needing gradients (PyTorch's requires_grad_()).
  Tensor& set_requires_grad(bool on = true);
  Tensor grad() const;  // undefined until a backward pass reaches this tensor
  void set_grad(const Tensor& g);
  const std::shared_ptr<Node>& grad_fn() const;
  bool is_leaf() const;
  // Same storage and view, cut from the graph (requires_grad false).
  Tensor detach() const;
  // These three are defined by the autograd layer (autograd/engine.cpp): link Hangu::hangu.
  // Backpropagates from this tensor; `gradient` may be omitted for a one-element tensor.
  void backward(const Tensor& gradient = Tensor(), bool retain_graph = false, bool create_graph = false) const;
  void retain_grad() const;  // keep .grad for a non-leaf tensor too
  void register_hook(std::function<Tensor(const Tensor&)> hook) const;

 private:
  void check_dtype(DType expected, const char* op) const;
  std::shared_ptr<TensorImpl> impl_;
};

std::ostream& operator<<(std::ostream& os, const Tensor& t);

// Uninitialised contiguous tensor: the primitive every other constructor builds on.
Tensor empty(IntList shape, DType dtype = kDefaultFloat, Device device = kCPU);
inline Tensor empty(std::initializer_list<int64_t> shape, DType dtype = kDefaultFloat, Device device = kCPU) {
  return empty(IntList(shape.begin(), shape.size()), dtype, device);
}
// Uninitialised tensor with the given strides (in elements), storage sized to fit them.
Tensor empty_strided(IntList shape, IntList strides, DType dtype = kDefaultFloat, Device device = kCPU);
// Throws the "undefined tensor" error naming `op` when t is undefined.
void check_defined(const Tensor& t, const char* op);

}  // namespace hangu
