#pragma once
// The backward engine: walks the graph recorded by ops (core/autograd_meta.h) from outputs back to
// inputs, in reverse creation order, so the walk (and every floating-point sum) is deterministic.
#include <vector>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/tensor.h"

namespace hangu::autograd {

// Accumulates d(sum of tensors[i] * grad_tensors[i]) into the .grad of every leaf that requires
// grad. grad_tensors may be empty for scalar outputs (ones are used).
void backward(const std::vector<Tensor>& tensors, const std::vector<Tensor>& grad_tensors = {},
              bool retain_graph = false, bool create_graph = false);

// Returns the gradients of the outputs with respect to `inputs` without touching any .grad.
// An input the outputs do not depend on gives an error, or an undefined tensor with allow_unused.
std::vector<Tensor> grad(const std::vector<Tensor>& outputs, const std::vector<Tensor>& inputs,
                         const std::vector<Tensor>& grad_outputs = {}, bool retain_graph = false,
                         bool create_graph = false, bool allow_unused = false);

}  // namespace hangu::autograd
