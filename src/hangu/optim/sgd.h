#pragma once
// Stochastic gradient descent with momentum, dampening, Nesterov and weight decay (torch.optim.SGD).
#include "hangu/optim/optimizer.h"

namespace hangu::optim {

struct SGDOptions {
  double lr = 0.01;
  double momentum = 0.0;
  double dampening = 0.0;
  double weight_decay = 0.0;
  bool nesterov = false;
  bool maximize = false;
  Options to_map() const;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Tensor> params, SGDOptions o = {});
  SGD(std::vector<ParamGroup> groups, SGDOptions o = {});
  const char* name() const override { return "SGD"; }

 protected:
  void update(const Tensor& p, const Tensor& grad, const ParamGroup& group, ParamState& state) override;
  void validate(const Options& o) const override;
};

}  // namespace hangu::optim
