#pragma once
// Gradient clipping (torch.nn.utils.clip_grad_norm_ / clip_grad_value_).
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu::optim {

// Scales every defined .grad by min(1, max_norm / (total_norm + 1e-6)) and returns the total
// norm (over all gradients together) as a double. norm_type may be infinity.
double clip_grad_norm_(const std::vector<Tensor>& params, double max_norm, double norm_type = 2.0);
// Clamps every defined .grad to [-clip_value, clip_value].
void clip_grad_value_(const std::vector<Tensor>& params, double clip_value);

}  // namespace hangu::optim
