#pragma once
// ResNet-20 for 32x32 images (He et al. 2016, section 4.2): a 3x3 conv (16 channels), three
// stages of 3 BasicBlocks at 16, 32 and 64 channels (the first block of stages 2 and 3 halves
// the size), global average pooling and fc. Names follow torchvision's ResNet: conv1, bn1,
// layer1.0.conv1, ..., fc.
//
// Shortcuts: option B of the paper. Where a block changes the size or the width, the shortcut
// is a 1x1 convolution with stride 2 followed by batch norm (torchvision's downsample.0 / .1)
// rather than option A's zero-padded identity: it keeps the torchvision names and layout of the
// bigger ResNets, so the same loader, freezing and ONNX export apply. Other shortcuts are the
// identity. (Option B adds 2 x ~0.5k + ~2.1k parameters: 0.27 M in total.)
#include <memory>
#include <vector>

#include "hangu/models/image_classifier.h"
#include "hangu/nn/container.h"
#include "hangu/nn/conv.h"
#include "hangu/nn/linear.h"
#include "hangu/nn/normalization.h"

namespace hangu::models {

class CifarResNet : public ImageClassifier {
 public:
  // depth = 6n + 2 (20, 32, 44, 56, 110).
  explicit CifarResNet(int64_t num_classes = 10, int64_t depth = 20);
  Tensor forward_features(const Tensor& input) override;  // [N, 64]
  Tensor forward_head(const Tensor& features) override;
  std::shared_ptr<nn::Conv2d> conv1;
  std::shared_ptr<nn::BatchNorm2d> bn1;
  std::vector<std::shared_ptr<nn::Sequential>> layers;  // layer1 .. layer3
  std::shared_ptr<nn::Linear> fc;
};

}  // namespace hangu::models
