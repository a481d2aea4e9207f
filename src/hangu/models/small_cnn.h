#pragma once
// A small CNN for image folders on a CPU (`hangu train --model cnn`), for RGB inputs of any size
// from 16 pixels up (the head pools globally):
//   conv1 Conv2d(3, w0, 3, stride 2, padding 1) -> bn1 -> ReLU                      S/2
//   conv2 Conv2d(w0, w1, 3, padding 1) -> bn2 -> ReLU -> MaxPool2d(2)              S/4
//   conv3 Conv2d(w1, w2, 3, padding 1) -> bn3 -> ReLU -> MaxPool2d(2)              S/8
//   conv4 Conv2d(w2, w3, 3, padding 1) -> bn4 -> ReLU -> global average pool
//   fc Linear(w3, num_classes)
// Convolutions have no bias (the batch norm that follows has one). Widths 16, 32, 64, 128.
#include <memory>

#include "hangu/nn/conv.h"
#include "hangu/nn/linear.h"
#include "hangu/nn/normalization.h"

namespace hangu::models {

class SmallCnn : public nn::Module {
 public:
  explicit SmallCnn(int64_t num_classes, int64_t in_channels = 3);
  Tensor forward(const Tensor& input) override;  // [N, C, H, W] -> [N, num_classes]
  std::shared_ptr<nn::Conv2d> conv1, conv2, conv3, conv4;
  std::shared_ptr<nn::BatchNorm2d> bn1, bn2, bn3, bn4;
  std::shared_ptr<nn::Linear> fc;
};

}  // namespace hangu::models
