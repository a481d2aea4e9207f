#include "hangu/models/resnet.h"

#include <string>

#include "hangu/core/error.h"
#include "hangu/nn/init.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/views.h"

namespace hangu::models {

namespace {

std::shared_ptr<nn::Conv2d> conv(int64_t in, int64_t out, int64_t k, int64_t stride) {
  return std::make_shared<nn::Conv2d>(in, out, nn::IntVec{k}, nn::IntVec{stride}, nn::IntVec{k / 2}, nn::IntVec{1}, 1,
                                      false);
}

Tensor shortcut(const std::shared_ptr<nn::Sequential>& downsample, const Tensor& x) {
  return downsample ? downsample->forward(x) : x;
}

}  // namespace

std::shared_ptr<nn::Sequential> make_downsample(int64_t in_planes, int64_t out_planes, int64_t stride) {
  auto s = std::make_shared<nn::Sequential>();
  s->push_back(conv(in_planes, out_planes, 1, stride));
  s->push_back(std::make_shared<nn::BatchNorm2d>(out_planes));
  return s;
}

// Walks the children (named_modules() needs shared_from_this, unavailable in a constructor).
void init_conv_bn(nn::Module& m) {
  for (auto& [name, sub] : m.named_children()) {
    if (auto* c = dynamic_cast<nn::Conv2d*>(sub.get())) {
      nn::init::kaiming_normal_(c->weight, 0.0, "fan_out", "relu");
    } else if (auto* b = dynamic_cast<nn::BatchNorm*>(sub.get())) {
      if (b->weight.defined()) nn::init::ones_(b->weight);
      if (b->bias.defined()) nn::init::zeros_(b->bias);
    }
    init_conv_bn(*sub);
  }
}

BasicBlock::BasicBlock(int64_t in_planes, int64_t planes, int64_t stride) : nn::Module("BasicBlock") {
  conv1 = register_module("conv1", conv(in_planes, planes, 3, stride));
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, 1));
  bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(planes));
  if (stride != 1 || in_planes != planes) downsample = register_module("downsample", make_downsample(in_planes, planes, stride));
}

Tensor BasicBlock::forward(const Tensor& x) {
  Tensor out = relu(bn1->forward(conv1->forward(x)));
  out = bn2->forward(conv2->forward(out));
  return relu(out + shortcut(downsample, x));
}

Bottleneck::Bottleneck(int64_t in_planes, int64_t planes, int64_t stride) : nn::Module("Bottleneck") {
  const int64_t out = planes * kExpansion;
  conv1 = register_module("conv1", conv(in_planes, planes, 1, 1));
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(planes));
  conv2 = register_module("conv2", conv(planes, planes, 3, stride));
  bn2 = register_module("bn2", std::make_shared<nn::BatchNorm2d>(planes));
  conv3 = register_module("conv3", conv(planes, out, 1, 1));
  bn3 = register_module("bn3", std::make_shared<nn::BatchNorm2d>(out));
  if (stride != 1 || in_planes != out) downsample = register_module("downsample", make_downsample(in_planes, out, stride));
}

Tensor Bottleneck::forward(const Tensor& x) {
  Tensor out = relu(bn1->forward(conv1->forward(x)));
  out = relu(bn2->forward(conv2->forward(out)));
  out = bn3->forward(conv3->forward(out));
  return relu(out + shortcut(downsample, x));
}

ResNet::ResNet(int64_t depth_, int64_t num_classes_) : ImageClassifier("ResNet", "fc"), depth(depth_) {
  std::vector<int64_t> blocks;
  if (depth == 18) {
    blocks = {2, 2, 2, 2};
  } else if (depth == 34 || depth == 50) {
    blocks = {3, 4, 6, 3};
  } else {
    throw ValueError(MsgId::vis_bad_config, "ResNet", "depth", "18, 34 or 50", depth);
  }
  if (num_classes_ < 1) throw ValueError(MsgId::vis_bad_config, "ResNet", "num_classes", ">= 1", num_classes_);
  num_classes = num_classes_;
  const bool bottleneck = depth == 50;
  const int64_t expansion = bottleneck ? Bottleneck::kExpansion : BasicBlock::kExpansion;
  conv1 = register_module("conv1", std::make_shared<nn::Conv2d>(3, 64, nn::IntVec{7}, nn::IntVec{2}, nn::IntVec{3},
                                                                nn::IntVec{1}, 1, false));
  bn1 = register_module("bn1", std::make_shared<nn::BatchNorm2d>(64));
  int64_t in_planes = 64;
  for (size_t l = 0; l < 4; ++l) {
    const int64_t planes = int64_t{64} << l;
    auto layer = std::make_shared<nn::Sequential>();
    for (int64_t b = 0; b < blocks[l]; ++b) {
      const int64_t stride = (b == 0 && l > 0) ? 2 : 1;
      if (bottleneck) {
        layer->push_back(std::make_shared<Bottleneck>(in_planes, planes, stride));
      } else {
        layer->push_back(std::make_shared<BasicBlock>(in_planes, planes, stride));
      }
      in_planes = planes * expansion;
    }
    layers.push_back(register_module("layer" + std::to_string(l + 1), layer));
  }
  num_features = 512 * expansion;
  fc = register_module("fc", std::make_shared<nn::Linear>(num_features, num_classes));
  init_conv_bn(*this);
}

Tensor ResNet::forward_features(const Tensor& input) {
  Tensor x = relu(bn1->forward(conv1->forward(input)));
  x = max_pool2d(x, {3, 3}, {2, 2}, {1, 1});
  for (auto& layer : layers) x = layer->forward(x);
  return flatten(adaptive_avg_pool2d(x, {1, 1}), 1);
}

Tensor ResNet::forward_head(const Tensor& features) { return fc->forward(features); }

}  // namespace hangu::models
