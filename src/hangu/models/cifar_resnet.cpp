#include "hangu/models/cifar_resnet.h"

#include <string>

#include "hangu/core/error.h"
#include "hangu/models/resnet.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/views.h"

namespace hangu::models {

CifarResNet::CifarResNet(int64_t num_classes_, int64_t depth) : ImageClassifier("CifarResNet", "fc") {
  if (depth < 8 || (depth - 2) % 6 != 0)
    throw ValueError(MsgId::vis_bad_config, "CifarResNet", "depth", "6n + 2 (20, 32, 44, 56, 110)", depth);
  if (num_classes_ < 1) throw ValueError(MsgId::vis_bad_config, "CifarResNet", "num_classes", ">= 1", num_classes_);
  num_classes = num_classes_;
  const int64_t n = (depth - 2) / 6;
  conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(3, 16, nn::IntVec{3}, nn::IntVec{1}, nn::IntVec{1},
                                                                nn::IntVec{1}, 1, false));
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(16));
  int64_t in_planes = 16;
  for (size_t l = 0; l < 3; ++l) {
    const int64_t planes = int64_t{16} << l;
    auto layer = std::make_shared<nn::Sequential>();
    for (int64_t b = 0; b < n; ++b) {
      layer->push_back(std::make_shared<BasicBlock>(in_planes, planes, (b == 0 && l > 0) ? 2 : 1));
      in_planes = planes;
    }
    layers.push_back(register_module("layer" + std::to_string(l + 1), layer));
  }
  num_features = 64;
  fc = register_module("fc", std::make_shared<nn::Linear>(num_features, num_classes));
  init_conv_bn(*this);
}

Tensor CifarResNet::forward_features(const Tensor& input) {
  Tensor x = relu(bn1->forward(conv1->forward(input)));
  for (auto& layer : layers) x = layer->forward(x);
  return flatten(adaptive_avg_pool2d(x, {1, 1}), 1);
}

Tensor CifarResNet::forward_head(const Tensor& features) { return fc->forward(features); }

}  // namespace hangu::models
