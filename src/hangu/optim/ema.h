#pragma once
// An exponential moving average of weights: shadow = decay * shadow + (1 - decay) * param.
#include <vector>

#include "hangu/core/tensor.h"
#include "hangu/optim/optimizer.h"

namespace hangu::optim {

class EMA {
 public:
  // Copies the current values as the first shadow.
  EMA(std::vector<Tensor> params, double decay);
  void update();
  // Writes the averaged values into `params` (same order and shapes as at construction).
  void copy_to(const std::vector<Tensor>& params) const;
  // Writes the averaged values into the tracked parameters.
  void apply() const { copy_to(params_); }
  const std::vector<Tensor>& shadow() const { return shadow_; }
  double decay() const { return decay_; }
  // For a decay that changes with the step (a warm-up); same range as the constructor's.
  void set_decay(double decay);
  // "ema.<i>" tensors, for a checkpoint.
  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& s);

 private:
  std::vector<Tensor> params_;
  std::vector<Tensor> shadow_;
  double decay_;
};

}  // namespace hangu::optim
