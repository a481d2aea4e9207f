#include "hangu/nn/conv.h"

#include "hangu/nn/linear.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/views.h"

namespace hangu::nn {

namespace {

void check_channels(const char* layer, int64_t in, int64_t out, int64_t groups) {
  if (in <= 0) throw ValueError(MsgId::arg_invalid, layer, "in_channels", in);
  if (out <= 0) throw ValueError(MsgId::arg_invalid, layer, "out_channels", out);
  if (groups <= 0) throw ValueError(MsgId::arg_invalid, layer, "groups", groups);
  if (in % groups != 0) throw ValueError(MsgId::nn_not_divisible, layer, "in_channels", in, "groups", groups);
  if (out % groups != 0) throw ValueError(MsgId::nn_not_divisible, layer, "out_channels", out, "groups", groups);
}

void check_padding_mode(const char* layer, const std::string& mode) {
  if (mode != "same" && mode != "valid") throw ValueError(MsgId::arg_invalid, layer, "padding", mode);
}

}  // namespace

IntVec expand_pair(const IntVec& v, const char* layer, const char* what) {
  if (v.size() == 1) return {v[0], v[0]};
  if (v.size() == 2) return v;
  throw ValueError(MsgId::arg_invalid, layer, what, shape_str(v));
}

std::string int_vec_str(const IntVec& v) {
  std::string s = "(";
  for (size_t i = 0; i < v.size(); ++i) s.append(i ? ", " : "").append(std::to_string(v[i]));
  return s.append(v.size() == 1 ? ",)" : ")");
}

// ---- Conv1d ----

Conv1d::Conv1d(int64_t in, int64_t out, int64_t k, int64_t s, int64_t p, int64_t d, int64_t g, bool has_bias)
    : Module("Conv1d"),
      in_channels(in),
      out_channels(out),
      kernel_size(k),
      stride(s),
      padding(p),
      dilation(d),
      groups(g) {
  check_channels("Conv1d", in, out, g);
  weight = register_parameter("weight", empty({out, in / g, k}));
  if (has_bias) bias = register_parameter("bias", empty({out}));
  reset_weight_and_bias(weight, bias);
}

Conv1d::Conv1d(int64_t in, int64_t out, int64_t k, const std::string& mode, int64_t d, int64_t g, bool has_bias)
    : Conv1d(in, out, k, 1, 0, d, g, has_bias) {
  check_padding_mode("Conv1d", mode);
  padding_mode = mode;
}

Tensor Conv1d::forward(const Tensor& input) {
  if (padding_mode.empty()) return conv1d(input, weight, bias, stride, padding, dilation, groups);
  // "same"/"valid" through conv2d on a height-1 image, which handles the asymmetric padding an
  // even kernel needs (the extra element goes on the right, as PyTorch).
  check_defined(input, "Conv1d");
  Tensor out =
      conv2d(unsqueeze(input, -2), unsqueeze(weight, 2), bias, {1, 1}, padding_mode.c_str(), {1, dilation}, groups);
  return squeeze(out, -2);
}

std::string Conv1d::extra_repr() const {
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) + ", kernel_size=(" +
                  std::to_string(kernel_size) + ",), stride=(" + std::to_string(stride) + ",)";
  if (!padding_mode.empty())
    s += ", padding=" + padding_mode;
  else if (padding != 0)
    s += ", padding=(" + std::to_string(padding) + ",)";
  if (dilation != 1) s += ", dilation=(" + std::to_string(dilation) + ",)";
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

// ---- Conv2d ----

Conv2d::Conv2d(int64_t in, int64_t out, IntVec k, IntVec s, IntVec p, IntVec d, int64_t g, bool has_bias)
    : Module("Conv2d"),
      in_channels(in),
      out_channels(out),
      kernel_size(expand_pair(k, "Conv2d", "kernel_size")),
      stride(expand_pair(s, "Conv2d", "stride")),
      padding(expand_pair(p, "Conv2d", "padding")),
      dilation(expand_pair(d, "Conv2d", "dilation")),
      groups(g) {
  check_channels("Conv2d", in, out, g);
  weight = register_parameter("weight", empty({out, in / g, kernel_size[0], kernel_size[1]}));
  if (has_bias) bias = register_parameter("bias", empty({out}));
  reset_weight_and_bias(weight, bias);
}

Conv2d::Conv2d(int64_t in, int64_t out, IntVec k, const std::string& mode, IntVec d, int64_t g, bool has_bias)
    : Conv2d(in, out, std::move(k), {1}, {0}, std::move(d), g, has_bias) {
  check_padding_mode("Conv2d", mode);
  padding_mode = mode;
}

Tensor Conv2d::forward(const Tensor& input) {
  if (!padding_mode.empty()) return conv2d(input, weight, bias, stride, padding_mode.c_str(), dilation, groups);
  return conv2d(input, weight, bias, stride, padding, dilation, groups);
}

std::string Conv2d::extra_repr() const {
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + int_vec_str(kernel_size) + ", stride=" + int_vec_str(stride);
  if (!padding_mode.empty())
    s += ", padding=" + padding_mode;
  else if (padding != IntVec{0, 0})
    s += ", padding=" + int_vec_str(padding);
  if (dilation != IntVec{1, 1}) s += ", dilation=" + int_vec_str(dilation);
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

// ---- ConvTranspose2d ----

ConvTranspose2d::ConvTranspose2d(int64_t in, int64_t out, IntVec k, IntVec s, IntVec p, IntVec op, int64_t g,
                                 bool has_bias, IntVec d)
    : Module("ConvTranspose2d"),
      in_channels(in),
      out_channels(out),
      kernel_size(expand_pair(k, "ConvTranspose2d", "kernel_size")),
      stride(expand_pair(s, "ConvTranspose2d", "stride")),
      padding(expand_pair(p, "ConvTranspose2d", "padding")),
      output_padding(expand_pair(op, "ConvTranspose2d", "output_padding")),
      dilation(expand_pair(d, "ConvTranspose2d", "dilation")),
      groups(g) {
  check_channels("ConvTranspose2d", in, out, g);
  weight = register_parameter("weight", empty({in, out / g, kernel_size[0], kernel_size[1]}));
  if (has_bias) bias = register_parameter("bias", empty({out}));
  reset_weight_and_bias(weight, bias);
}

Tensor ConvTranspose2d::forward(const Tensor& input) {
  return conv_transpose2d(input, weight, bias, stride, padding, output_padding, groups, dilation);
}

std::string ConvTranspose2d::extra_repr() const {
  std::string s = std::to_string(in_channels) + ", " + std::to_string(out_channels) +
                  ", kernel_size=" + int_vec_str(kernel_size) + ", stride=" + int_vec_str(stride);
  if (padding != IntVec{0, 0}) s += ", padding=" + int_vec_str(padding);
  if (output_padding != IntVec{0, 0}) s += ", output_padding=" + int_vec_str(output_padding);
  if (dilation != IntVec{1, 1}) s += ", dilation=" + int_vec_str(dilation);
  if (groups != 1) s += ", groups=" + std::to_string(groups);
  if (!bias.defined()) s += ", bias=False";
  return s;
}

}  // namespace hangu::nn
