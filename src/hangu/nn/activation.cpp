#include "hangu/nn/activation.h"

#include "hangu/ops/elementwise.h"
#include "hangu/ops/reduction.h"

namespace hangu::nn {

Tensor ReLU::forward(const Tensor& x) { return relu(x); }
Tensor ReLU6::forward(const Tensor& x) { return clamp(x, Scalar(0.0), Scalar(6.0)); }
Tensor LeakyReLU::forward(const Tensor& x) { return leaky_relu(x, negative_slope); }
std::string LeakyReLU::extra_repr() const { return "negative_slope=" + msg_arg(negative_slope); }

GELU::GELU(std::string approx) : Module("GELU"), approximate(std::move(approx)) {
  if (approximate != "none" && approximate != "tanh")
    throw ValueError(MsgId::arg_invalid, "GELU", "approximate", approximate);
}
Tensor GELU::forward(const Tensor& x) { return gelu(x, approximate); }

Tensor SiLU::forward(const Tensor& x) { return silu(x); }
Tensor Tanh::forward(const Tensor& x) { return tanh(x); }
Tensor Sigmoid::forward(const Tensor& x) { return sigmoid(x); }
Tensor Hardswish::forward(const Tensor& x) { return hardswish(x); }
Tensor Softmax::forward(const Tensor& x) { return softmax(x, dim); }
Tensor LogSoftmax::forward(const Tensor& x) { return log_softmax(x, dim); }

}  // namespace hangu::nn
