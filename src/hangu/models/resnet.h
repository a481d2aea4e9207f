#pragma once
// ResNet-18/34/50 in torchvision's layout and names, so a torchvision state_dict saved as
// safetensors loads without renaming: conv1, bn1, layer1.0.conv1, ..., layerK.0.downsample.0/1,
// fc. ResNet-50 is torchvision's "v1.5" (the stride sits in the bottleneck's 3x3 conv).
// Initialisation as torchvision: convolutions kaiming_normal_(fan_out, relu), batch norms 1 / 0.
#include <memory>
#include <vector>

#include "hangu/models/image_classifier.h"
#include "hangu/nn/container.h"
#include "hangu/nn/conv.h"
#include "hangu/nn/linear.h"
#include "hangu/nn/normalization.h"

namespace hangu::models {

// conv3x3 -> bn -> relu -> conv3x3 -> bn, plus the (downsampled) input, -> relu.
class BasicBlock : public nn::Module {
 public:
  static constexpr int64_t kExpansion = 1;
  // A downsample (1x1 conv with `stride` + BN) is made when stride != 1 or in != planes.
  BasicBlock(int64_t in_planes, int64_t planes, int64_t stride);
  Tensor forward(const Tensor& x) override;
  std::shared_ptr<nn::Conv2d> conv1, conv2;
  std::shared_ptr<nn::BatchNorm2d> bn1, bn2;
  std::shared_ptr<nn::Sequential> downsample;  // null when the shortcut is the identity
};

// 1x1 -> 3x3 (stride) -> 1x1 (x4 channels), each with BN, plus the shortcut, -> relu.
class Bottleneck : public nn::Module {
 public:
  static constexpr int64_t kExpansion = 4;
  Bottleneck(int64_t in_planes, int64_t planes, int64_t stride);
  Tensor forward(const Tensor& x) override;
  std::shared_ptr<nn::Conv2d> conv1, conv2, conv3;
  std::shared_ptr<nn::BatchNorm2d> bn1, bn2, bn3;
  std::shared_ptr<nn::Sequential> downsample;
};

// Conv2d(in, out, 1x1, stride, bias=False) -> BatchNorm2d(out), named "0" and "1".
std::shared_ptr<nn::Sequential> make_downsample(int64_t in_planes, int64_t out_planes, int64_t stride);
// torchvision's init of every Conv2d (kaiming_normal_ fan_out relu) and BatchNorm (1, 0) below `m`.
void init_conv_bn(nn::Module& m);

class ResNet : public ImageClassifier {
 public:
  // depth 18, 34 (BasicBlock) or 50 (Bottleneck).
  ResNet(int64_t depth, int64_t num_classes = 1000);
  Tensor forward_features(const Tensor& input) override;  // [N, 512 * expansion]
  Tensor forward_head(const Tensor& features) override;
  int64_t depth;
  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::vector<std::shared_ptr<nn::Sequential>> layers;  // layer1 .. layer4
  std::shared_ptr<nn::Linear> fc;
};

}  // namespace hangu::models
