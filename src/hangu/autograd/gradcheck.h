#pragma once
// Finite-difference checks of autograd: the analytic Jacobian (one backward pass per output
// element) against central differences, in float64.
#include <functional>
#include <string>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu::autograd {

using TensorFn = std::function<std::vector<Tensor>(const std::vector<Tensor>&)>;

struct GradcheckOptions {
  double eps = 1e-6;
  double atol = 1e-5;
  double rtol = 1e-3;
};

struct GradcheckResult {
  bool ok = true;
  std::string message;  // the first mismatch: input, element, output, analytic and numeric values
};

// Checks d fn(inputs) / d inputs[i] for every input with requires_grad (float64 tensors).
GradcheckResult gradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& opts = {});
// Checks the second derivative: gradcheck of (inputs, v) -> grad(fn(inputs), inputs, v, create_graph).
GradcheckResult gradgradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs,
                              const GradcheckOptions& opts = {});

}  // namespace hangu::autograd
