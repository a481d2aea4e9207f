#include "hangu/models/mlp.h"

#include "hangu/ops/elementwise.h"
#include "hangu/ops/views.h"

namespace hangu::models {

Mlp::Mlp() : nn::Module("MLP") {
  fc1 = register_module("fc1", std::make_shared<nn::Linear>(784, 512));
  fc2 = register_module("fc2", std::make_shared<nn::Linear>(512, 512));
  fc3 = register_module("fc3", std::make_shared<nn::Linear>(512, 10));
}

Tensor Mlp::forward(const Tensor& input) {
  check_defined(input, "MLP");
  Tensor x = flatten(input, 1);
  x = relu(fc1->forward(x));
  x = relu(fc2->forward(x));
  return fc3->forward(x);
}

}  // namespace hangu::models
