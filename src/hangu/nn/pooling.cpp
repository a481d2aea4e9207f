#include "hangu/nn/pooling.h"

#include "hangu/ops/nn_conv.h"

namespace hangu::nn {

MaxPool1d::MaxPool1d(int64_t k, int64_t s, int64_t p, int64_t d, bool ceil)
    : Module("MaxPool1d"), kernel_size(k), stride(s < 0 ? k : s), padding(p), dilation(d), ceil_mode(ceil) {}

Tensor MaxPool1d::forward(const Tensor& input) {
  return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode);
}

std::string MaxPool1d::extra_repr() const {
  return "kernel_size=" + std::to_string(kernel_size) + ", stride=" + std::to_string(stride) +
         ", padding=" + std::to_string(padding) + ", dilation=" + std::to_string(dilation) +
         ", ceil_mode=" + py_bool(ceil_mode);
}

MaxPool2d::MaxPool2d(IntVec k, IntVec s, IntVec p, IntVec d, bool ceil)
    : Module("MaxPool2d"),
      kernel_size(expand_pair(k, "MaxPool2d", "kernel_size")),
      stride(s.empty() ? kernel_size : expand_pair(s, "MaxPool2d", "stride")),
      padding(expand_pair(p, "MaxPool2d", "padding")),
      dilation(expand_pair(d, "MaxPool2d", "dilation")),
      ceil_mode(ceil) {}

Tensor MaxPool2d::forward(const Tensor& input) {
  return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode);
}

std::string MaxPool2d::extra_repr() const {
  return "kernel_size=" + int_vec_str(kernel_size) + ", stride=" + int_vec_str(stride) +
         ", padding=" + int_vec_str(padding) + ", dilation=" + int_vec_str(dilation) +
         ", ceil_mode=" + py_bool(ceil_mode);
}

AvgPool2d::AvgPool2d(IntVec k, IntVec s, IntVec p, bool ceil, bool count_pad)
    : Module("AvgPool2d"),
      kernel_size(expand_pair(k, "AvgPool2d", "kernel_size")),
      stride(s.empty() ? kernel_size : expand_pair(s, "AvgPool2d", "stride")),
      padding(expand_pair(p, "AvgPool2d", "padding")),
      ceil_mode(ceil),
      count_include_pad(count_pad) {}

Tensor AvgPool2d::forward(const Tensor& input) {
  return avg_pool2d(input, kernel_size, stride, padding, ceil_mode, count_include_pad);
}

std::string AvgPool2d::extra_repr() const {
  return "kernel_size=" + int_vec_str(kernel_size) + ", stride=" + int_vec_str(stride) +
         ", padding=" + int_vec_str(padding);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(IntVec out)
    : Module("AdaptiveAvgPool2d"), output_size(expand_pair(out, "AdaptiveAvgPool2d", "output_size")) {}

Tensor AdaptiveAvgPool2d::forward(const Tensor& input) { return adaptive_avg_pool2d(input, output_size); }

}  // namespace hangu::nn
