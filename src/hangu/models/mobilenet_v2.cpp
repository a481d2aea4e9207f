#include "hangu/models/mobilenet_v2.h"

#include <algorithm>
#include <cmath>

#include "hangu/core/error.h"
#include "hangu/models/resnet.h"
#include "hangu/nn/activation.h"
#include "hangu/nn/conv.h"
#include "hangu/nn/dropout.h"
#include "hangu/nn/init.h"
#include "hangu/nn/normalization.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/views.h"

namespace hangu::models {

namespace {

// torchvision's _make_divisible: v rounded to a multiple of 8, never more than 10% down.
int64_t make_divisible(double v, int64_t divisor = 8) {
  int64_t r = std::max(divisor, static_cast<int64_t>(v + static_cast<double>(divisor) / 2) / divisor * divisor);
  if (static_cast<double>(r) < 0.9 * v) r += divisor;
  return r;
}

// torchvision's Conv2dNormActivation: conv (no bias) "0", BatchNorm2d "1", ReLU6 "2".
std::shared_ptr<nn::Sequential> conv_bn_relu6(int64_t in, int64_t out, int64_t k, int64_t stride, int64_t groups) {
  auto s = std::make_shared<nn::Sequential>();
  s->push_back(std::make_shared<nn::Conv2d>(in, out, nn::IntVec{k}, nn::IntVec{stride}, nn::IntVec{(k - 1) / 2},
                                            nn::IntVec{1}, groups, false));
  s->push_back(std::make_shared<nn::BatchNorm2d>(out));
  s->push_back(std::make_shared<nn::ReLU6>());
  return s;
}

}  // namespace

InvertedResidual::InvertedResidual(int64_t in, int64_t out, int64_t stride, int64_t expand_ratio)
    : nn::Module("InvertedResidual"), use_res_connect(stride == 1 && in == out) {
  const int64_t hidden = in * expand_ratio;
  conv = register_module("conv", std::make_shared<nn::Sequential>());
  if (expand_ratio != 1) conv->push_back(conv_bn_relu6(in, hidden, 1, 1, 1));
  conv->push_back(conv_bn_relu6(hidden, hidden, 3, stride, hidden));
  conv->push_back(std::make_shared<nn::Conv2d>(hidden, out, nn::IntVec{1}, nn::IntVec{1}, nn::IntVec{0},
                                               nn::IntVec{1}, 1, false));
  conv->push_back(std::make_shared<nn::BatchNorm2d>(out));
}

Tensor InvertedResidual::forward(const Tensor& x) {
  Tensor y = conv->forward(x);
  return use_res_connect ? x + y : y;
}

MobileNetV2::MobileNetV2(int64_t num_classes_, double width_mult, double dropout)
    : ImageClassifier("MobileNetV2", "classifier") {
  if (num_classes_ < 1) throw ValueError(MsgId::vis_bad_config, "MobileNetV2", "num_classes", ">= 1", num_classes_);
  if (!(width_mult > 0.0 && width_mult <= 4.0))
    throw ValueError(MsgId::vis_bad_config, "MobileNetV2", "width_mult", "0 < w <= 4", width_mult);
  num_classes = num_classes_;
  // expand ratio t, channels c, repeats n, first stride s.
  constexpr int64_t kSettings[7][4] = {{1, 16, 1, 1},  {6, 24, 2, 2},  {6, 32, 3, 2}, {6, 64, 4, 2},
                                       {6, 96, 3, 1},  {6, 160, 3, 2}, {6, 320, 1, 1}};
  int64_t in = make_divisible(32 * width_mult);
  const int64_t last = make_divisible(1280 * std::max(1.0, width_mult));
  features = register_module("features", std::make_shared<nn::Sequential>());
  features->push_back(conv_bn_relu6(3, in, 3, 2, 1));
  for (const auto& s : kSettings) {
    const int64_t out = make_divisible(static_cast<double>(s[1]) * width_mult);
    for (int64_t i = 0; i < s[2]; ++i) {
      features->push_back(std::make_shared<InvertedResidual>(in, out, i == 0 ? s[3] : 1, s[0]));
      in = out;
    }
  }
  features->push_back(conv_bn_relu6(in, last, 1, 1, 1));
  num_features = last;
  classifier = register_module("classifier", std::make_shared<nn::Sequential>());
  classifier->push_back(std::make_shared<nn::Dropout>(dropout));
  auto fc = std::make_shared<nn::Linear>(last, num_classes);
  classifier->push_back(fc);
  init_conv_bn(*this);
  nn::init::normal_(fc->weight, 0.0, 0.01);
  nn::init::zeros_(fc->bias);
}

Tensor MobileNetV2::forward_features(const Tensor& input) {
  return flatten(adaptive_avg_pool2d(features->forward(input), {1, 1}), 1);
}

Tensor MobileNetV2::forward_head(const Tensor& features_) { return classifier->forward(features_); }

}  // namespace hangu::models
