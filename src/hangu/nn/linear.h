#pragma once
// Linear (y = x W^T + b), and the shape-only layers Identity and Flatten.
#include "hangu/nn/module.h"

namespace hangu::nn {

class Linear : public Module {
 public:
  // weight [out, in] ~ kaiming_uniform_(a = sqrt(5)), bias [out] ~ U(-1/sqrt(in), 1/sqrt(in)).
  Linear(int64_t in_features, int64_t out_features, bool bias = true, DType dtype = kDefaultFloat);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_parameters();

  int64_t in_features, out_features;
  Tensor weight, bias;  // bias undefined when bias = false
};

class Identity : public Module {
 public:
  Identity() : Module("Identity") {}
  Tensor forward(const Tensor& input) override { return input; }
};

class Flatten : public Module {
 public:
  explicit Flatten(int64_t start_dim = 1, int64_t end_dim = -1);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t start_dim, end_dim;
};

// Shared by Linear and the convolutions: PyTorch's reset_parameters() for a weight and a bias.
void reset_weight_and_bias(const Tensor& weight, const Tensor& bias);

}  // namespace hangu::nn
