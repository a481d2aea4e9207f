#pragma once
// RMSprop (torch.optim.RMSprop), optionally centered and with momentum.
#include "hangu/optim/optimizer.h"

namespace hangu::optim {

struct RMSpropOptions {
  double lr = 0.01;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0.0;
  double momentum = 0.0;
  bool centered = false;
  bool maximize = false;
  Options to_map() const;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Tensor> params, RMSpropOptions o = {});
  RMSprop(std::vector<ParamGroup> groups, RMSpropOptions o = {});
  const char* name() const override { return "RMSprop"; }

 protected:
  void update(const Tensor& p, const Tensor& grad, const ParamGroup& group, ParamState& state) override;
  void validate(const Options& o) const override;
};

}  // namespace hangu::optim
