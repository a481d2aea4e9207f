#include "hangu/optim/adagrad.h"

#include <cmath>

#include "hangu/ops/creation.h"
#include "hangu/optim/update_loop.h"

namespace hangu::optim {

Options AdagradOptions::to_map() const {
  return {{"lr", lr},
          {"lr_decay", lr_decay},
          {"weight_decay", weight_decay},
          {"initial_accumulator_value", initial_accumulator_value},
          {"eps", eps},
          {"maximize", maximize ? 1.0 : 0.0}};
}

Adagrad::Adagrad(std::vector<Tensor> params, AdagradOptions o) : Optimizer(o.to_map()) {
  add_param_group(ParamGroup{std::move(params), {}});
}
Adagrad::Adagrad(std::vector<ParamGroup> groups, AdagradOptions o) : Optimizer(o.to_map()) {
  add_param_groups(std::move(groups));
}

void Adagrad::validate(const Options& o) const {
  Optimizer::validate(o);
  for (const char* k : {"lr_decay", "initial_accumulator_value", "eps"})
    if (o.at(k) < 0) throw ValueError(MsgId::train_bad_option, name(), k, o.at(k), ">= 0");
}

void Adagrad::update(const Tensor& p, const Tensor& grad, const ParamGroup& group, ParamState& state) {
  const double lr = group.get("lr"), lr_decay = group.get("lr_decay"), eps = group.get("eps");
  const double wd = group.get("weight_decay");
  const bool maximize = group.flag("maximize");
  if (!state.count("step")) {
    state["step"] = scalar_tensor(0.0, DType::f32);
    state["sum"] = full_like(p, group.get("initial_accumulator_value"));
  }
  float& step_t = *state["step"].data_ptr<float>();
  step_t += 1.0f;
  const double step = step_t;
  const double clr = lr / (1 + (step - 1) * lr_decay);
  const int64_t n = p.numel();
  detail::dispatch_float(p, name(), [&]<typename T>() {
    T* w = p.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* sum = state["sum"].data_ptr<T>();
    const T e = static_cast<T>(eps), neg_clr = static_cast<T>(-clr);
    // Elements are independent: chunks of a fixed grain give the same result on any thread count.
    parallel_for(0, n, detail::kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        T d = maximize ? -g[i] : g[i];
        if (wd != 0) d = detail::add_alpha(d, static_cast<T>(wd), w[i]);
        sum[i] = detail::addcmul(sum[i], T(1), d, d);
        T std_ = std::sqrt(sum[i]) + e;
        w[i] = detail::addcdiv(w[i], neg_clr, d, std_);
      }
    });
  });
}

}  // namespace hangu::optim
