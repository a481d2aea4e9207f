#pragma once
// The MNIST MLP: flatten -> fc1 Linear(784, 512) -> ReLU -> fc2 Linear(512, 512) -> ReLU ->
// fc3 Linear(512, 10). Parameter names fc1.weight ... fc3.bias, as the PyTorch reference.
#include <memory>

#include "hangu/nn/linear.h"

namespace hangu::models {

class Mlp : public nn::Module {
 public:
  Mlp();
  Tensor forward(const Tensor& input) override;  // [N, 1, 28, 28] or [N, 784] -> [N, 10]
  std::shared_ptr<nn::Linear> fc1, fc2, fc3;
};

}  // namespace hangu::models
