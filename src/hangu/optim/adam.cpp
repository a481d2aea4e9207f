#include "hangu/optim/adam.h"

#include <cmath>
#include <type_traits>

#include "hangu/kernels/cpu/simd/f32_kernels.h"
#include "hangu/ops/creation.h"
#include "hangu/optim/update_loop.h"

namespace hangu::optim {

Options AdamOptions::to_map() const {
  return {{"lr", lr},
          {"beta1", beta1},
          {"beta2", beta2},
          {"eps", eps},
          {"weight_decay", weight_decay},
          {"amsgrad", amsgrad ? 1.0 : 0.0},
          {"maximize", maximize ? 1.0 : 0.0}};
}

Adam::Adam(std::vector<Tensor> params, AdamOptions o)
    : Adam(std::vector<ParamGroup>{ParamGroup{std::move(params), {}}}, o, false) {}
Adam::Adam(std::vector<ParamGroup> groups, AdamOptions o) : Adam(std::move(groups), o, false) {}
Adam::Adam(std::vector<ParamGroup> groups, AdamOptions o, bool decoupled)
    : Optimizer(o.to_map()), decoupled_(decoupled) {
  add_param_groups(std::move(groups));
}
AdamW::AdamW(std::vector<Tensor> params, AdamWOptions o)
    : Adam(std::vector<ParamGroup>{ParamGroup{std::move(params), {}}}, o, true) {}
AdamW::AdamW(std::vector<ParamGroup> groups, AdamWOptions o) : Adam(std::move(groups), o, true) {}

void Adam::validate(const Options& o) const {
  Optimizer::validate(o);
  for (const char* b : {"beta1", "beta2"})
    if (o.at(b) < 0 || o.at(b) >= 1) throw ValueError(MsgId::train_bad_option, name(), b, o.at(b), "0 <= beta < 1");
  if (o.at("eps") < 0) throw ValueError(MsgId::train_bad_option, name(), "eps", o.at("eps"), ">= 0");
}

void Adam::update(const Tensor& p, const Tensor& grad, const ParamGroup& group, ParamState& state) {
  const double lr = group.get("lr"), beta1 = group.get("beta1"), beta2 = group.get("beta2");
  const double eps = group.get("eps"), wd = group.get("weight_decay");
  const bool amsgrad = group.flag("amsgrad"), maximize = group.flag("maximize");
  if (!state.count("step")) {
    state["step"] = scalar_tensor(0.0, DType::f32);
    state["exp_avg"] = zeros_like(p);
    state["exp_avg_sq"] = zeros_like(p);
    if (amsgrad) state["max_exp_avg_sq"] = zeros_like(p);
  }
  if (amsgrad && !state.count("max_exp_avg_sq")) state["max_exp_avg_sq"] = zeros_like(p);
  float& step_t = *state["step"].data_ptr<float>();
  step_t += 1.0f;  // a float32 tensor in PyTorch
  const double step = step_t;
  const double bias_correction1 = 1 - std::pow(beta1, step);
  const double bias_correction2 = 1 - std::pow(beta2, step);
  const double step_size = lr / bias_correction1;
  const double bias_correction2_sqrt = std::sqrt(bias_correction2);
  const int64_t n = p.numel();
  detail::dispatch_float(p, name(), [&]<typename T>() {
    T* w = p.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* m = state["exp_avg"].data_ptr<T>();
    T* v = state["exp_avg_sq"].data_ptr<T>();
    T* vmax = amsgrad ? state["max_exp_avg_sq"].data_ptr<T>() : nullptr;
    const T b1 = static_cast<T>(beta1), b2 = static_cast<T>(beta2);
    const T one_b1 = static_cast<T>(1 - beta1), one_b2 = static_cast<T>(1 - beta2);
    const T bc2s = static_cast<T>(bias_correction2_sqrt), e = static_cast<T>(eps);
    const T neg_step = static_cast<T>(-step_size), decay = static_cast<T>(1 - lr * wd);
    if constexpr (std::is_same_v<T, float>) {
      if (const kernels::simd::F32Kernels* k = kernels::simd::f32_kernels()) {  // the same update, vectorised
        kernels::simd::AdamArgs a;
        a.beta1 = b1;
        a.beta2 = b2;
        a.one_minus_beta1 = one_b1;
        a.one_minus_beta2 = one_b2;
        a.bias_correction2_sqrt = bc2s;
        a.eps = e;
        a.neg_step = neg_step;
        a.decay = decay;
        a.weight_decay = static_cast<T>(wd);
        a.decoupled = decoupled_;
        a.has_weight_decay = wd != 0;
        a.amsgrad = amsgrad;
        a.maximize = maximize;
        parallel_for(0, n, detail::kGrain, [&](int64_t lo, int64_t hi) {
          k->adam(a, w + lo, g + lo, m + lo, v + lo, vmax ? vmax + lo : nullptr, hi - lo);
        });
        return;
      }
    }
    // Elements are independent: chunks of a fixed grain give the same result on any thread count.
    parallel_for(0, n, detail::kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        T d = maximize ? -g[i] : g[i];
        if (decoupled_)
          w[i] = w[i] * decay;
        else if (wd != 0)
          d = detail::add_alpha(d, static_cast<T>(wd), w[i]);
        m[i] = detail::add_alpha(m[i] * b1, one_b1, d);
        v[i] = detail::addcmul(v[i] * b2, one_b2, d, d);
        T denom;
        if (amsgrad) {
          vmax[i] = detail::maximum(vmax[i], v[i]);
          denom = std::sqrt(vmax[i]) / bc2s + e;
        } else {
          denom = std::sqrt(v[i]) / bc2s + e;
        }
        w[i] = detail::addcdiv(w[i], neg_step, m[i], denom);
      }
    });
  });
}

}  // namespace hangu::optim
