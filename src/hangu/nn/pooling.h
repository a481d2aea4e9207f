#pragma once
// Pooling layers over the functional pools; no parameters.
#include "hangu/nn/conv.h"

namespace hangu::nn {

class MaxPool1d : public Module {
 public:
  // stride < 0 means stride = kernel_size.
  explicit MaxPool1d(int64_t kernel_size, int64_t stride = -1, int64_t padding = 0, int64_t dilation = 1,
                     bool ceil_mode = false);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t kernel_size, stride, padding, dilation;
  bool ceil_mode;
};

class MaxPool2d : public Module {
 public:
  // An empty stride means stride = kernel_size.
  explicit MaxPool2d(IntVec kernel_size, IntVec stride = {}, IntVec padding = {0}, IntVec dilation = {1},
                     bool ceil_mode = false);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  IntVec kernel_size, stride, padding, dilation;
  bool ceil_mode;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(IntVec kernel_size, IntVec stride = {}, IntVec padding = {0}, bool ceil_mode = false,
                     bool count_include_pad = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  IntVec kernel_size, stride, padding;
  bool ceil_mode, count_include_pad;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(IntVec output_size);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override { return "output_size=" + int_vec_str(output_size); }
  IntVec output_size;
};

}  // namespace hangu::nn
