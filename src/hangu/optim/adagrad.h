#pragma once
// Adagrad (torch.optim.Adagrad) with learning-rate decay and an initial accumulator value.
#include "hangu/optim/optimizer.h"

namespace hangu::optim {

struct AdagradOptions {
  double lr = 0.01;
  double lr_decay = 0.0;
  double weight_decay = 0.0;
  double initial_accumulator_value = 0.0;
  double eps = 1e-10;
  bool maximize = false;
  Options to_map() const;
};

class Adagrad : public Optimizer {
 public:
  Adagrad(std::vector<Tensor> params, AdagradOptions o = {});
  Adagrad(std::vector<ParamGroup> groups, AdagradOptions o = {});
  const char* name() const override { return "Adagrad"; }

 protected:
  void update(const Tensor& p, const Tensor& grad, const ParamGroup& group, ParamState& state) override;
  void validate(const Options& o) const override;
};

}  // namespace hangu::optim
