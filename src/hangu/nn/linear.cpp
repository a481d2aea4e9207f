#include "hangu/nn/linear.h"

#include <cmath>

#include "hangu/nn/init.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/views.h"

namespace hangu::nn {

void reset_weight_and_bias(const Tensor& weight, const Tensor& bias) {
  init::kaiming_uniform_(weight, std::sqrt(5.0));
  if (!bias.defined()) return;
  int64_t fan_in = init::calculate_fan_in_and_fan_out(weight).first;
  double bound = fan_in > 0 ? 1.0 / std::sqrt(static_cast<double>(fan_in)) : 0.0;
  init::uniform_(bias, -bound, bound);
}

Linear::Linear(int64_t in, int64_t out, bool has_bias, DType dtype)
    : Module("Linear"), in_features(in), out_features(out) {
  if (in < 0) throw ValueError(MsgId::arg_invalid, "Linear", "in_features", in);
  if (out < 0) throw ValueError(MsgId::arg_invalid, "Linear", "out_features", out);
  weight = register_parameter("weight", empty({out, in}, dtype));
  if (has_bias) bias = register_parameter("bias", empty({out}, dtype));
  reset_parameters();
}

void Linear::reset_parameters() { reset_weight_and_bias(weight, bias); }

Tensor Linear::forward(const Tensor& input) { return linear(input, weight, bias); }

std::string Linear::extra_repr() const {
  return "in_features=" + std::to_string(in_features) + ", out_features=" + std::to_string(out_features) +
         ", bias=" + py_bool(bias.defined());
}

Flatten::Flatten(int64_t start, int64_t end) : Module("Flatten"), start_dim(start), end_dim(end) {}

Tensor Flatten::forward(const Tensor& input) { return flatten(input, start_dim, end_dim); }

std::string Flatten::extra_repr() const {
  return "start_dim=" + std::to_string(start_dim) + ", end_dim=" + std::to_string(end_dim);
}

}  // namespace hangu::nn
