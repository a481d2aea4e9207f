#pragma once
// Parameter initialisers with torch.nn.init's names, arguments and distributions. Each fills the
// tensor in place (under NoGradGuard) from `gen`, or from hangu::default_generator() when null,
// so the values are a pure function of the seed. Each returns its argument.
#include <string>
#include <utility>

#include "hangu/core/rng.h"
#include "hangu/core/tensor.h"

namespace hangu::nn::init {

// (fan_in, fan_out): size(1) * receptive field and size(0) * receptive field; needs >= 2 dims.
std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t);
// The recommended gain for a nonlinearity ("linear", "conv2d", "sigmoid", "tanh", "relu",
// "leaky_relu" (param = negative slope, default 0.01), "selu").
double calculate_gain(const std::string& nonlinearity, double param = -1.0);

Tensor uniform_(const Tensor& t, double a = 0.0, double b = 1.0, Generator* gen = nullptr);
Tensor normal_(const Tensor& t, double mean = 0.0, double std = 1.0, Generator* gen = nullptr);
Tensor constant_(const Tensor& t, double value);
Tensor zeros_(const Tensor& t);
Tensor ones_(const Tensor& t);
// U(-bound, bound) with bound = gain * sqrt(3 / fan); mode "fan_in" or "fan_out".
Tensor kaiming_uniform_(const Tensor& t, double a = 0.0, const std::string& mode = "fan_in",
                        const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
// N(0, gain / sqrt(fan)).
Tensor kaiming_normal_(const Tensor& t, double a = 0.0, const std::string& mode = "fan_in",
                       const std::string& nonlinearity = "leaky_relu", Generator* gen = nullptr);
Tensor xavier_uniform_(const Tensor& t, double gain = 1.0, Generator* gen = nullptr);
Tensor xavier_normal_(const Tensor& t, double gain = 1.0, Generator* gen = nullptr);
// N(mean, std) truncated to [a, b], by inverting the normal CDF (as PyTorch).
Tensor trunc_normal_(const Tensor& t, double mean = 0.0, double std = 1.0, double a = -2.0, double b = 2.0,
                     Generator* gen = nullptr);
// A (semi-)orthogonal matrix (the tensor flattened to [size(0), rest]) times gain: QR of a
// normal matrix with R's diagonal made positive. Needs >= 2 dims.
Tensor orthogonal_(const Tensor& t, double gain = 1.0, Generator* gen = nullptr);

}  // namespace hangu::nn::init
