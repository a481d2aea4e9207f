// The optimizer steps of the ai.onnx.preview.training domain: Adagrad, Momentum (standard and
// Nesterov) and Adam, each over any number of (X, G, state...) groups. Computed in double.
#include <cmath>

#include "hangu/ops/elementwise.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

constexpr const char* kTraining = "ai.onnx.preview.training";

Tensor f64(const Tensor& t) { return to(t, DType::f64); }

// The number of optimised tensors: inputs are R, T, then `groups` lists of n tensors each.
size_t group_size(const OpContext& c, size_t groups) {
  const size_t rest = c.num_inputs() - 2;
  if (c.num_inputs() < 2 || rest % groups != 0) throw ValueError(MsgId::rt_missing_input, c.label(), c.num_inputs());
  return rest / groups;
}

void op_adagrad(OpContext& c) {
  const size_t n = group_size(c, 3);
  const double r = c.input(0).item<double>(), t = c.input(1).item<double>();
  const double decay = c.attr_float("decay_factor", 0.0f), eps = c.attr_float("epsilon", 1e-6f),
               norm = c.attr_float("norm_coefficient", 0.0f);
  const double lr = r / (1 + t * decay);
  for (size_t i = 0; i < n; ++i) {
    const Tensor& x = c.input(2 + i);
    Tensor g = add(mul(f64(x), Scalar(norm)), f64(c.input(2 + n + i)));
    Tensor h = add(f64(c.input(2 + 2 * n + i)), mul(g, g));
    Tensor xn = sub(f64(x), div(mul(g, Scalar(lr)), add(sqrt(h), Scalar(eps))));
    c.set(i, to(xn, x.dtype()));
    c.set(n + i, to(h, c.input(2 + 2 * n + i).dtype()));
  }
}

void op_momentum(OpContext& c) {
  const size_t n = group_size(c, 3);
  const double r = c.input(0).item<double>(), t = c.input(1).item<double>();
  const double alpha = c.attr_float("alpha", 0.9f), beta = c.attr_float("beta", 1.0f), norm = c.attr_float("norm_coefficient", 0.0f);
  const bool nesterov = c.attr_string("mode", "standard") == "nesterov";
  const double beta_adj = t > 0 ? beta : 1.0;
  for (size_t i = 0; i < n; ++i) {
    const Tensor& x = c.input(2 + i);
    Tensor g = add(mul(f64(x), Scalar(norm)), f64(c.input(2 + n + i)));
    Tensor v = add(mul(f64(c.input(2 + 2 * n + i)), Scalar(alpha)), mul(g, Scalar(beta_adj)));
    Tensor step = nesterov ? add(g, mul(v, Scalar(alpha))) : v;
    c.set(i, to(sub(f64(x), mul(step, Scalar(r))), x.dtype()));
    c.set(n + i, to(v, c.input(2 + 2 * n + i).dtype()));
  }
}

void op_adam(OpContext& c) {
  const size_t n = group_size(c, 4);
  const double r = c.input(0).item<double>(), t = c.input(1).item<double>();
  const double alpha = c.attr_float("alpha", 0.9f), beta = c.attr_float("beta", 0.999f), eps = c.attr_float("epsilon", 1e-6f),
               norm = c.attr_float("norm_coefficient", 0.0f), post = c.attr_float("norm_coefficient_post", 0.0f);
  const double lr = t > 0 ? r * std::sqrt(1 - std::pow(beta, t)) / (1 - std::pow(alpha, t)) : r;
  for (size_t i = 0; i < n; ++i) {
    const Tensor& x = c.input(2 + i);
    Tensor g = add(mul(f64(x), Scalar(norm)), f64(c.input(2 + n + i)));
    Tensor v = add(mul(f64(c.input(2 + 2 * n + i)), Scalar(alpha)), mul(g, Scalar(1 - alpha)));
    Tensor h = add(mul(f64(c.input(2 + 3 * n + i)), Scalar(beta)), mul(mul(g, g), Scalar(1 - beta)));
    Tensor xn = sub(f64(x), mul(div(v, add(sqrt(h), Scalar(eps))), Scalar(lr)));
    c.set(i, to(mul(xn, Scalar(1 - post)), x.dtype()));
    c.set(n + i, to(v, c.input(2 + 2 * n + i).dtype()));
    c.set(2 * n + i, to(h, c.input(2 + 3 * n + i).dtype()));
  }
}

}  // namespace

void register_training_ops(OpTable& t) {
  t.add(kTraining, "Adagrad", op_adagrad);
  t.add(kTraining, "Momentum", op_momentum);
  t.add(kTraining, "Adam", op_adam);
}

}  // namespace hangu::runtime
