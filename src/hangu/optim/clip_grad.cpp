#include "hangu/optim/clip_grad.h"

#include <cmath>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/error.h"
#include "hangu/ops/copy.h"
#include "hangu/optim/update_loop.h"

namespace hangu::optim {

namespace {

// The norm of one gradient, accumulated in double and rounded to the gradient's dtype once.
template <typename T>
T grad_norm(const T* g, int64_t n, double p) {
  double acc = 0;
  if (std::isinf(p)) {
    for (int64_t i = 0; i < n; ++i) acc = std::max(acc, std::fabs(static_cast<double>(g[i])));
    return static_cast<T>(acc);
  }
  for (int64_t i = 0; i < n; ++i) acc += std::pow(std::fabs(static_cast<double>(g[i])), p);
  return static_cast<T>(p == 2.0 ? std::sqrt(acc) : std::pow(acc, 1.0 / p));
}

}  // namespace

double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type) {
  if (!(norm_type > 0)) throw ValueError(MsgId::train_bad_option, "clip_grad_norm_", "norm_type", norm_type, "> 0");
  NoGradGuard no_grad;
  std::vector<Tensor> grads;
  for (const auto& p : params)
    if (p.defined() && p.grad().defined()) grads.push_back(p.grad());
  if (grads.empty()) return 0.0;
  DType t = grads[0].dtype();
  double total = 0;
  detail::dispatch_float(grads[0], "clip_grad_norm_", [&]<typename T>() {
    // Per-gradient norms in T, then the norm of those norms, as PyTorch stacks them.
    std::vector<T> norms;
    for (const auto& g : grads) {
      if (g.dtype() != t)
        throw DTypeError(MsgId::train_param_dtype, "clip_grad_norm_", static_cast<int64_t>(norms.size()), g.dtype());
      Tensor c = contiguous(g);
      norms.push_back(grad_norm(c.data_ptr<T>(), c.numel(), norm_type));
    }
    T total_t = grad_norm(norms.data(), static_cast<int64_t>(norms.size()), norm_type);
    T coef = static_cast<T>(max_norm) / (total_t + static_cast<T>(1e-6));
    if (coef > T(1)) coef = T(1);
    for (const auto& g : grads) {
      if (g.is_contiguous()) {
        T* d = g.data_ptr<T>();
        for (int64_t i = 0, n = g.numel(); i < n; ++i) d[i] *= coef;
      } else {
        Tensor c = contiguous(g);
        T* d = c.data_ptr<T>();
        for (int64_t i = 0, n = c.numel(); i < n; ++i) d[i] *= coef;
        copy_(g, c);
      }
    }
    total = static_cast<double>(total_t);
  });
  return total;
}

void clip_grad_value_(const std::vector<Tensor>& params, double clip_value) {
  NoGradGuard no_grad;
  for (const auto& p : params) {
    if (!p.defined() || !p.grad().defined()) continue;
    Tensor g = p.grad();
    Tensor c = g.is_contiguous() ? g : contiguous(g);
    detail::dispatch_float(c, "clip_grad_value_", [&]<typename T>() {
      T* d = c.data_ptr<T>();
      const T lo = static_cast<T>(-clip_value), hi = static_cast<T>(clip_value);
      for (int64_t i = 0, n = c.numel(); i < n; ++i) d[i] = d[i] < lo ? lo : (d[i] > hi ? hi : d[i]);
    });
    if (!c.is_same(g)) copy_(g, c);
  }
}

}  // namespace hangu::optim
