#pragma once
// Dropout: zeroes elements with probability p in training mode (scaling the rest by 1/(1-p));
// the identity in eval mode.
#include "hangu/core/rng.h"
#include "hangu/nn/module.h"

namespace hangu::nn {

class Dropout : public Module {
 public:
  // The mask comes from `gen`, or the default generator when null.
  explicit Dropout(double p = 0.5, Generator* gen = nullptr);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override { return "p=" + msg_arg(p) + ", inplace=False"; }
  double p;
  Generator* generator;
};

}  // namespace hangu::nn
