#include "hangu/core/autograd_meta.h"

#include <atomic>

#include "hangu/core/error.h"

namespace hangu {
namespace {
thread_local bool t_grad_enabled = true;
std::atomic<uint64_t> g_next_sequence_nr{0};
}  // namespace

Node::Node() : sequence_nr(g_next_sequence_nr.fetch_add(1, std::memory_order_relaxed)) {}

bool GradMode::is_enabled() { return t_grad_enabled; }
void GradMode::set_enabled(bool on) { t_grad_enabled = on; }

bool Tensor::requires_grad() const { return impl_ && impl_->autograd && impl_->autograd->requires_grad; }

Tensor& Tensor::set_requires_grad(bool on) {
  check_defined(*this, "requires_grad_");
  if (on && !is_floating(dtype())) throw DTypeError(MsgId::requires_grad_dtype, dtype());
  if (!on && impl_->autograd && impl_->autograd->grad_fn) throw ValueError(MsgId::requires_grad_non_leaf);
  if (!impl_->autograd) impl_->autograd = std::make_shared<AutogradMeta>();
  impl_->autograd->requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const { return impl_ && impl_->autograd ? impl_->autograd->grad : Tensor(); }

void Tensor::set_grad(const Tensor& g) {
  check_defined(*this, "grad");
  if (!impl_->autograd) impl_->autograd = std::make_shared<AutogradMeta>();
  impl_->autograd->grad = g;
}

const std::shared_ptr<Node>& Tensor::grad_fn() const {
  static const std::shared_ptr<Node> kNone;
  return impl_ && impl_->autograd ? impl_->autograd->grad_fn : kNone;
}

bool Tensor::is_leaf() const { return !grad_fn(); }

Tensor Tensor::detach() const {
  check_defined(*this, "detach");
  return Tensor::make(impl_->storage, impl_->shape, impl_->strides, impl_->offset, impl_->dtype);
}

}  // namespace hangu
