#include "hangu/optim/sgd.h"

#include <type_traits>

#include "hangu/kernels/cpu/simd/f32_kernels.h"
#include "hangu/ops/creation.h"
#include "hangu/optim/update_loop.h"

namespace hangu::optim {

Options SGDOptions::to_map() const {
  return {{"lr", lr},
          {"momentum", momentum},
          {"dampening", dampening},
          {"weight_decay", weight_decay},
          {"nesterov", nesterov ? 1.0 : 0.0},
          {"maximize", maximize ? 1.0 : 0.0}};
}

SGD::SGD(std::vector<Tensor> params, SGDOptions o) : Optimizer(o.to_map()) {
  add_param_group(ParamGroup{std::move(params), {}});
}
SGD::SGD(std::vector<ParamGroup> groups, SGDOptions o) : Optimizer(o.to_map()) { add_param_groups(std::move(groups)); }

void SGD::validate(const Options& o) const {
  Optimizer::validate(o);
  if (o.at("momentum") < 0) throw ValueError(MsgId::train_bad_option, name(), "momentum", o.at("momentum"), ">= 0");
  if (o.at("nesterov") != 0 && (o.at("momentum") <= 0 || o.at("dampening") != 0))
    throw ValueError(MsgId::train_bad_option, name(), "nesterov", 1, "momentum > 0 and dampening = 0");
}

void SGD::update(const Tensor& p, const Tensor& grad, const ParamGroup& group, ParamState& state) {
  const double lr = group.get("lr"), momentum = group.get("momentum"), dampening = group.get("dampening");
  const double wd = group.get("weight_decay");
  const bool nesterov = group.flag("nesterov"), maximize = group.flag("maximize");
  const bool first = !state.count("momentum_buffer");
  if (momentum != 0 && first) state["momentum_buffer"] = empty_like(p);
  const int64_t n = p.numel();
  detail::dispatch_float(p, name(), [&]<typename T>() {
    T* w = p.data_ptr<T>();
    const T* g = grad.data_ptr<T>();
    T* buf = momentum != 0 ? state["momentum_buffer"].data_ptr<T>() : nullptr;
    if constexpr (std::is_same_v<T, float>) {
      if (const kernels::simd::F32Kernels* k = kernels::simd::f32_kernels()) {  // the same update, vectorised
        kernels::simd::SgdArgs a;
        a.weight_decay = static_cast<T>(wd);
        a.momentum = static_cast<T>(momentum);
        a.one_minus_dampening = static_cast<T>(1 - dampening);
        a.neg_lr = static_cast<T>(-lr);
        a.has_weight_decay = wd != 0;
        a.has_momentum = momentum != 0;
        a.nesterov = nesterov;
        a.maximize = maximize;
        a.first = first;
        parallel_for(0, n, detail::kGrain, [&](int64_t lo, int64_t hi) {
          k->sgd(a, w + lo, g + lo, buf ? buf + lo : nullptr, hi - lo);
        });
        return;
      }
    }
    // Elements are independent: chunks of a fixed grain give the same result on any thread count.
    parallel_for(0, n, detail::kGrain, [&](int64_t lo, int64_t hi) {
      for (int64_t i = lo; i < hi; ++i) {
        T d = maximize ? -g[i] : g[i];
        if (wd != 0) d = detail::add_alpha(d, static_cast<T>(wd), w[i]);
        if (momentum != 0) {
          if (first)
            buf[i] = d;
          else
            buf[i] = detail::add_alpha(buf[i] * static_cast<T>(momentum), static_cast<T>(1 - dampening), d);
          d = nesterov ? detail::add_alpha(d, static_cast<T>(momentum), buf[i]) : buf[i];
        }
        w[i] = detail::add_alpha(w[i], static_cast<T>(-lr), d);
      }
    });
  });
}

}  // namespace hangu::optim
