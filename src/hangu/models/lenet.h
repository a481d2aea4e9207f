#pragma once
// LeNet-5 for 28x28 digits: conv1 Conv2d(1, 6, 5, padding 2) -> ReLU -> MaxPool2d(2) ->
// conv2 Conv2d(6, 16, 5) -> ReLU -> MaxPool2d(2) -> flatten -> fc1 Linear(400, 120) -> ReLU ->
// fc2 Linear(120, 84) -> ReLU -> fc3 Linear(84, 10).
#include <memory>

#include "hangu/nn/conv.h"
#include "hangu/nn/linear.h"

namespace hangu::models {

class LeNet : public nn::Module {
 public:
  LeNet();
  Tensor forward(const Tensor& input) override;  // [N, 1, 28, 28] -> [N, 10]
  std::shared_ptr<nn::Conv2d> conv1, conv2;
  std::shared_ptr<nn::Linear> fc1, fc2, fc3;
};

}  // namespace hangu::models
