#pragma once
// MobileNetV2 (Sandler et al. 2018) in torchvision's layout and names: features.0 (3x3 conv
// stride 2, BN, ReLU6), features.1 .. 17 (inverted residual blocks, each a child "conv"
// Sequential), features.18 (1x1 conv to 1280, BN, ReLU6), then global average pooling and
// classifier (0: Dropout(0.2), 1: Linear). width_mult and the rounding to multiples of 8 as
// torchvision. Initialisation as torchvision (kaiming_normal_ fan_out; Linear N(0, 0.01)).
#include <memory>

#include "hangu/models/image_classifier.h"
#include "hangu/nn/container.h"
#include "hangu/nn/linear.h"

namespace hangu::models {

// expand 1x1 (when expand_ratio != 1) -> depthwise 3x3 (stride) -> project 1x1 -> BN, plus the
// input when the stride is 1 and the widths agree.
class InvertedResidual : public nn::Module {
 public:
  InvertedResidual(int64_t in, int64_t out, int64_t stride, int64_t expand_ratio);
  Tensor forward(const Tensor& x) override;
  bool use_res_connect;
  std::shared_ptr<nn::Sequential> conv;
};

class MobileNetV2 : public ImageClassifier {
 public:
  explicit MobileNetV2(int64_t num_classes = 1000, double width_mult = 1.0, double dropout = 0.2);
  Tensor forward_features(const Tensor& input) override;  // [N, last_channel]
  Tensor forward_head(const Tensor& features) override;
  std::shared_ptr<nn::Sequential> features, classifier;
};

}  // namespace hangu::models
