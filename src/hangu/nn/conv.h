#pragma once
// Convolution layers: Conv1d, Conv2d and ConvTranspose2d, with PyTorch's parameter names,
// shapes and default initialisation (the same as Linear's, on the weight's fan in).
#include <string>
#include <vector>

#include "hangu/nn/module.h"

namespace hangu::nn {

using IntVec = std::vector<int64_t>;

class Conv1d : public Module {
 public:
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, int64_t stride = 1, int64_t padding = 0,
         int64_t dilation = 1, int64_t groups = 1, bool bias = true);
  // padding "same" or "valid".
  Conv1d(int64_t in_channels, int64_t out_channels, int64_t kernel_size, const std::string& padding,
         int64_t dilation = 1, int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  int64_t in_channels, out_channels, kernel_size, stride, padding, dilation, groups;
  std::string padding_mode;  // "" (numeric padding), "same" or "valid"
  Tensor weight, bias;       // weight [out, in / groups, k]
};

class Conv2d : public Module {
 public:
  // Size arguments: one value for both dims, or {h, w}.
  Conv2d(int64_t in_channels, int64_t out_channels, IntVec kernel_size, IntVec stride = {1}, IntVec padding = {0},
         IntVec dilation = {1}, int64_t groups = 1, bool bias = true);
  // padding "same" (stride 1 only) or "valid".
  Conv2d(int64_t in_channels, int64_t out_channels, IntVec kernel_size, const std::string& padding,
         IntVec dilation = {1}, int64_t groups = 1, bool bias = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  IntVec kernel_size, stride, padding, dilation;  // two values each
  int64_t groups;
  std::string padding_mode;  // "" (numeric padding), "same" or "valid"
  Tensor weight, bias;       // weight [out, in / groups, kh, kw]
};

class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(int64_t in_channels, int64_t out_channels, IntVec kernel_size, IntVec stride = {1},
                  IntVec padding = {0}, IntVec output_padding = {0}, int64_t groups = 1, bool bias = true,
                  IntVec dilation = {1});
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;

  int64_t in_channels, out_channels;
  IntVec kernel_size, stride, padding, output_padding, dilation;
  int64_t groups;
  Tensor weight, bias;  // weight [in, out / groups, kh, kw]
};

// One value per spatial dim: {v} becomes {v, v}; throws ValueError naming `what` otherwise.
IntVec expand_pair(const IntVec& v, const char* layer, const char* what);
std::string int_vec_str(const IntVec& v);  // "(3, 3)"

}  // namespace hangu::nn
