#pragma once
// Scans for NaN and Inf: the checks behind anomaly mode (core/anomaly_mode.h) and the trainer's
// --on-nan policy.
#include <vector>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/tensor.h"

namespace hangu::ops {

// "NaN" when `t` holds a NaN, else "Inf" when it holds an infinity, else nullptr. Integer and bool
// tensors (and undefined ones) hold neither.
const char* nonfinite_kind(const Tensor& t);

// True when no element of the tensors is NaN or Inf (undefined tensors are skipped). A bit test
// on the exponent, so a pass costs about one read of the data. For float32/float64 gradients it
// is also whether their 2-norm, accumulated in double, is finite.
bool all_finite(const std::vector<Tensor>& tensors);

// Anomaly mode, forward: throws Error naming `op` when an output holds NaN/Inf (saying whether it
// made it from finite inputs or received it in an input).
void check_forward_anomaly(const char* op, const std::vector<Tensor>& inputs, const std::vector<Tensor>& outputs);
// Anomaly mode, backward: throws Error naming the node when a gradient it returns holds NaN/Inf.
void check_backward_anomaly(const Node& node, const std::vector<Tensor>& grad_outputs,
                            const std::vector<Tensor>& grad_inputs);

}  // namespace hangu::ops
