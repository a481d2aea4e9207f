#include "hangu/optim/rmsprop.h"

#include <cmath>

#include "hangu/ops/creation.h"
#include "hangu/optim/update_loop.h"

namespace hangu::optim {

Options RMSpropOptions::to_map() const {
  return {{"lr", lr},
          {"alpha", alpha},
          {"eps", eps},
          {"weight_decay", weight_decay},
          {"momentum", momentum},
          {"centered", centered ? 1.0 : 0.0},
          {"maximize", maximize ? 1.0 : 0.0}};
}

RMSprop::RMSprop(std::vector<Tensor> params, RMSpropOptions o) : Optimizer(o.to_map()) {
  add_param_group(ParamGroup{std::move(params), {}});
}
RMSprop::RMSprop(std::vector<ParamGroup> groups, RMSpropOptions o) : Optimizer(o.to_map()) {
  add_param_groups(std::move(groups));
}

void RMSprop::validate(const Options& o) const {
  Optimizer::validate(o);
  for (const char* k : {"alpha", "eps", "momentum"})
    if (o.at(k) < 0) throw ValueError(MsgId::train_bad_option, name(), k, o.at(k), ">= 0");
}

void RMSprop::update(const Tensor& p, const Tensor& grad, const ParamGroup& group, ParamState& state) {
  const double lr = group.get("lr"), alpha = group.get("alpha"), eps = group.get("eps");
  const double wd = group.get("weight_decay"), momentum = group.get("momentum");
  const bool centered = group.flag("centered"), maximize = group.flag("maximize");
  if (!state.count("step")) {
    state["step"] = scalar_tensor(0.0, DType::f32);
    state["square_avg"] = zeros_like(p);
  }
  if (momentum > 0 && !state.count("momentum_buffer")) state["momentum_buffer"] = zeros_like(p);
  if (centered && !state.count("grad_avg")) state["grad_avg"] = zeros_like(p);
  *state["step"].data_ptr<float>() += 1.0f;
  const int64_t n = p.numel();
  detail::dispatch_float(p, name(), [&]<typename T>() {
    T* w = p.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* sq = state["square_avg"].data_ptr<T>();
    T* ga = centered ? state["grad_avg"].data_ptr<T>() : nullptr;
    T* buf = momentum > 0 ? state["momentum_buffer"].data_ptr<T>() : nullptr;
    const T a = static_cast<T>(alpha), one_a = static_cast<T>(1 - alpha), e = static_cast<T>(eps);
    const T neg_lr = static_cast<T>(-lr), mom = static_cast<T>(momentum);
    // Elements are independent: chunks of a fixed grain give the same result on any thread count.
    parallel_for(0, n, detail::kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        T d = maximize ? -g[i] : g[i];
        if (wd != 0) d = detail::add_alpha(d, static_cast<T>(wd), w[i]);
        sq[i] = detail::addcmul(sq[i] * a, one_a, d, d);
        T avg;
        if (centered) {
          ga[i] = detail::add_alpha(ga[i] * a, one_a, d);
          avg = std::sqrt(detail::addcmul(sq[i], T(-1), ga[i], ga[i]));
        } else {
          avg = std::sqrt(sq[i]);
        }
        avg = avg + e;
        if (momentum > 0) {
          buf[i] = detail::addcdiv(buf[i] * mom, T(1), d, avg);
          w[i] = detail::add_alpha(w[i], neg_lr, buf[i]);
        } else {
          w[i] = detail::addcdiv(w[i], neg_lr, d, avg);
        }
      }
    });
  });
}

}  // namespace hangu::optim
