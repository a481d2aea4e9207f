#include "hangu/optim/ema.h"

#include "hangu/core/autograd_meta.h"
#include "hangu/core/error.h"
#include "hangu/ops/copy.h"
#include "hangu/optim/update_loop.h"

namespace hangu::optim {

EMA::EMA(std::vector<Tensor> params, double decay) : params_(std::move(params)), decay_(decay) {
  if (!(decay >= 0 && decay <= 1)) throw ValueError(MsgId::train_bad_option, "EMA", "decay", decay, "0 <= decay <= 1");
  NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    check_defined(params_[i], "EMA");
    DType t = params_[i].dtype();
    if (t != DType::f32 && t != DType::f64)
      throw DTypeError(MsgId::train_param_dtype, "EMA", static_cast<int64_t>(i), t);
    shadow_.push_back(contiguous(clone(params_[i].detach())));
  }
}

void EMA::set_decay(double decay) {
  if (!(decay >= 0 && decay <= 1)) throw ValueError(MsgId::train_bad_option, "EMA", "decay", decay, "0 <= decay <= 1");
  decay_ = decay;
}

void EMA::update() {
  NoGradGuard no_grad;
  for (size_t i = 0; i < params_.size(); ++i) {
    Tensor p = contiguous(params_[i].detach());
    detail::dispatch_float(p, "EMA", [&]<typename T>() {
      T* s = shadow_[i].data_ptr<T>();
      const T* w = p.data_ptr<T>();
      const T d = static_cast<T>(decay_), one_d = static_cast<T>(1 - decay_);
      // A plain multiply-add that the compiler vectorises (std::fma is a libm call where the
      // library is built without FMA): the EMA runs every step and must stay cheap next to it.
      // Elementwise in fixed chunks, so the result does not depend on the thread count.
      parallel_for(0, p.numel(), detail::kGrain, [&](int64_t lo, int64_t hi) {
        for (int64_t k = lo; k < hi; ++k) s[k] = d * s[k] + one_d * w[k];
      });
    });
  }
}

void EMA::copy_to(const std::vector<Tensor>& params) const {
  if (params.size() != shadow_.size())
    throw ValueError(MsgId::train_state_bad, "EMA::copy_to", "params", std::to_string(shadow_.size()) + " tensors",
                     std::to_string(params.size()));
  NoGradGuard no_grad;
  for (size_t i = 0; i < params.size(); ++i) copy_(params[i].detach(), shadow_[i]);
}

NamedTensors EMA::state_dict() const {
  NamedTensors out;
  for (size_t i = 0; i < shadow_.size(); ++i) out.emplace_back("ema." + std::to_string(i), shadow_[i]);
  return out;
}

void EMA::load_state_dict(const NamedTensors& s) {
  if (s.size() != shadow_.size())
    throw ValueError(MsgId::train_state_bad, "EMA::load_state_dict", "ema", std::to_string(shadow_.size()) + " tensors",
                     std::to_string(s.size()));
  for (size_t i = 0; i < s.size(); ++i) {
    const Tensor& t = s[i].second;
    if (!t.defined() || t.shape() != shadow_[i].shape() || t.dtype() != shadow_[i].dtype())
      throw ValueError(MsgId::train_state_bad, "EMA::load_state_dict", s[i].first,
                       "shape " + shape_str(shadow_[i].shape()), t.defined() ? shape_str(t.shape()) : "undefined");
  }
  for (size_t i = 0; i < s.size(); ++i) shadow_[i] = contiguous(clone(s[i].second));
}

}  // namespace hangu::optim
