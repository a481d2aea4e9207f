#include "hangu/models/small_cnn.h"

#include "hangu/core/error.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/views.h"

namespace hangu::models {

namespace {
constexpr int64_t kWidths[4] = {16, 32, 64, 128};
}

SmallCnn::SmallCnn(int64_t num_classes, int64_t in_channels) : nn::Module("SmallCnn") {
  if (num_classes < 1) throw ValueError(MsgId::value_out_of_range, "SmallCnn", "num_classes", ">= 1", num_classes);
  auto conv = [](int64_t in, int64_t out, int64_t stride) {
    return std::make_shared<nn::Conv2d>(in, out, nn::IntVec{3}, nn::IntVec{stride}, nn::IntVec{1}, nn::IntVec{1}, 1,
                                        false);
  };
  conv1 = register_module("conv1", conv(in_channels, kWidths[0], 2));
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(kWidths[0]));
  conv2 = register_module("conv2", conv(kWidths[0], kWidths[1], 1));
  bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(kWidths[1]));
  conv3 = register_module("conv3", conv(kWidths[1], kWidths[2], 1));
  bn3 = register_module("bn3", std::make_shared<nn::BatchNorm2d>(kWidths[2]));
  conv4 = register_module("conv4", conv(kWidths[2], kWidths[3], 1));
  bn4 = register_module("bn4", std::make_shared<nn::BatchNorm2d>(kWidths[3]));
  fc = register_module("fc", std::make_shared<nn::Linear>(kWidths[3], num_classes));
}

Tensor SmallCnn::forward(const Tensor& input) {
  Tensor x = relu(bn1->forward(conv1->forward(input)));
  x = max_pool2d(relu(bn2->forward(conv2->forward(x))), {2, 2});
  x = max_pool2d(relu(bn3->forward(conv3->forward(x))), {2, 2});
  x = relu(bn4->forward(conv4->forward(x)));
  x = flatten(adaptive_avg_pool2d(x, {1, 1}), 1);
  return fc->forward(x);
}

}  // namespace hangu::models
