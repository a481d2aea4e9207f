#include "hangu/nn/init.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <vector>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/error.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"

namespace hangu::nn::init {

namespace {

int64_t fan_for(const Tensor& t, const std::string& mode) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  if (mode == "fan_in") return fan_in;
  if (mode == "fan_out") return fan_out;
  throw ValueError(MsgId::arg_invalid, "kaiming init", "mode", mode);
}

// Inverse error function: a rational first guess refined by Newton steps on std::erf.
double erfinv(double y) {
  if (y <= -1.0) return -INFINITY;
  if (y >= 1.0) return INFINITY;
  double w = -std::log((1.0 - y) * (1.0 + y));
  double x = y * (w < 5.0 ? 0.886 + 0.18 * w : 1.6 + 0.11 * std::sqrt(w));  // rough
  for (int i = 0; i < 30; ++i) {
    double err = std::erf(x) - y;
    double step = err / (2.0 / std::sqrt(std::numbers::pi) * std::exp(-x * x));
    x -= step;
    if (std::abs(step) < 1e-15 * (1.0 + std::abs(x))) break;
  }
  return x;
}

double norm_cdf(double x) { return (1.0 + std::erf(x / std::sqrt(2.0))) / 2.0; }

}  // namespace

std::pair<int64_t, int64_t> calculate_fan_in_and_fan_out(const Tensor& t) {
  check_defined(t, "calculate_fan_in_and_fan_out");
  if (t.dim() < 2) throw ValueError(MsgId::nn_fan_needs_2d, "calculate_fan_in_and_fan_out", t.shape());
  int64_t receptive = 1;
  for (int64_t d = 2; d < t.dim(); ++d) receptive *= t.size(d);
  return {t.size(1) * receptive, t.size(0) * receptive};
}

double calculate_gain(const std::string& nonlinearity, double param) {
  if (nonlinearity == "linear" || nonlinearity == "sigmoid" || nonlinearity.rfind("conv", 0) == 0) return 1.0;
  if (nonlinearity == "tanh") return 5.0 / 3.0;
  if (nonlinearity == "relu") return std::sqrt(2.0);
  if (nonlinearity == "leaky_relu") {
    double slope = param < 0.0 ? 0.01 : param;
    return std::sqrt(2.0 / (1.0 + slope * slope));
  }
  if (nonlinearity == "selu") return 3.0 / 4.0;
  throw ValueError(MsgId::arg_invalid, "calculate_gain", "nonlinearity", nonlinearity);
}

Tensor uniform_(const Tensor& t, double a, double b, Generator* gen) {
  NoGradGuard guard;
  hangu::uniform_(t, a, b, gen);
  return t;
}

Tensor normal_(const Tensor& t, double mean, double std, Generator* gen) {
  NoGradGuard guard;
  hangu::normal_(t, mean, std, gen);
  return t;
}

Tensor constant_(const Tensor& t, double value) {
  NoGradGuard guard;
  fill_(t, value);
  return t;
}

Tensor zeros_(const Tensor& t) { return constant_(t, 0.0); }
Tensor ones_(const Tensor& t) { return constant_(t, 1.0); }

Tensor kaiming_uniform_(const Tensor& t, double a, const std::string& mode, const std::string& nonlinearity,
                        Generator* gen) {
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan_for(t, mode)));
  double bound = std::sqrt(3.0) * std;
  return init::uniform_(t, -bound, bound, gen);
}

Tensor kaiming_normal_(const Tensor& t, double a, const std::string& mode, const std::string& nonlinearity,
                       Generator* gen) {
  double std = calculate_gain(nonlinearity, a) / std::sqrt(static_cast<double>(fan_for(t, mode)));
  return init::normal_(t, 0.0, std, gen);
}

Tensor xavier_uniform_(const Tensor& t, double gain, Generator* gen) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  double std = gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out));
  double bound = std::sqrt(3.0) * std;
  return init::uniform_(t, -bound, bound, gen);
}

Tensor xavier_normal_(const Tensor& t, double gain, Generator* gen) {
  auto [fan_in, fan_out] = calculate_fan_in_and_fan_out(t);
  return init::normal_(t, 0.0, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)), gen);
}

Tensor trunc_normal_(const Tensor& t, double mean, double std, double a, double b, Generator* gen) {
  check_defined(t, "trunc_normal_");
  if (!(std > 0.0)) throw ValueError(MsgId::arg_invalid, "trunc_normal_", "std", msg_arg(std));
  if (!(a < b)) throw ValueError(MsgId::arg_invalid, "trunc_normal_", "b", msg_arg(b));
  NoGradGuard guard;
  double lo = norm_cdf((a - mean) / std), hi = norm_cdf((b - mean) / std);
  Tensor u = hangu::uniform_(empty(t.shape(), DType::f64), 2.0 * lo - 1.0, 2.0 * hi - 1.0, gen);
  std::vector<double> v = to_vector<double>(u);
  for (double& x : v) x = std::clamp(mean + std * std::sqrt(2.0) * erfinv(x), a, b);
  copy_(t, tensor(v, t.shape()));
  return t;
}

Tensor orthogonal_(const Tensor& t, double gain, Generator* gen) {
  check_defined(t, "orthogonal_");
  if (t.dim() < 2) throw ValueError(MsgId::nn_fan_needs_2d, "orthogonal_", t.shape());
  NoGradGuard guard;
  int64_t rows = t.size(0), cols = t.numel() / std::max<int64_t>(rows, 1);
  if (t.numel() == 0) return t;
  std::vector<double> a = to_vector<double>(hangu::normal_(empty({rows, cols}, DType::f64), 0.0, 1.0, gen));
  // Work on the tall matrix m x n (m >= n) whose columns get orthonormalised.
  bool wide = rows < cols;
  int64_t m = wide ? cols : rows, n = wide ? rows : cols;
  auto at = [&](int64_t i, int64_t j) -> double& {  // element (i, j) of the tall matrix
    return wide ? a[static_cast<size_t>(j * cols + i)] : a[static_cast<size_t>(i * cols + j)];
  };
  // Modified Gram-Schmidt: Q with R's diagonal positive, the sign convention PyTorch applies.
  for (int64_t j = 0; j < n; ++j) {
    for (int64_t k = 0; k < j; ++k) {
      double d = 0.0;
      for (int64_t i = 0; i < m; ++i) d += at(i, k) * at(i, j);
      for (int64_t i = 0; i < m; ++i) at(i, j) -= d * at(i, k);
    }
    double nrm = 0.0;
    for (int64_t i = 0; i < m; ++i) nrm += at(i, j) * at(i, j);
    nrm = std::sqrt(nrm);
    for (int64_t i = 0; i < m; ++i) at(i, j) = nrm > 0.0 ? at(i, j) / nrm : 0.0;
  }
  for (double& x : a) x *= gain;
  copy_(t, tensor(a, t.shape()));
  return t;
}

}  // namespace hangu::nn::init
