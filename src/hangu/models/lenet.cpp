#include "hangu/models/lenet.h"

#include "hangu/ops/elementwise.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/views.h"

namespace hangu::models {

LeNet::LeNet() : nn::Module("LeNet") {
  conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(1, 6, nn::IntVec{5}, nn::IntVec{1}, nn::IntVec{2}));
  conv2 = register_module("conv2", std::make_shared<nn::Conv2d>(6, 16, nn::IntVec{5}));
  fc1 = register_module("fc1", std::make_shared<nn::Linear>(400, 120));
  fc2 = register_module("fc2", std::make_shared<nn::Linear>(120, 84));
  fc3 = register_module("fc3", std::make_shared<nn::Linear>(84, 10));
}

Tensor LeNet::forward(const Tensor& input) {
  Tensor x = max_pool2d(relu(conv1->forward(input)), {2, 2});
  x = max_pool2d(relu(conv2->forward(x)), {2, 2});
  x = flatten(x, 1);
  x = relu(fc1->forward(x));
  x = relu(fc2->forward(x));
  return fc3->forward(x);
}

}  // namespace hangu::models
