#pragma once
// How an op records itself for autograd. A differentiable op writes its backward next to its
// forward, with other ops, so second derivatives come for free:
//
//   Tensor exp(const Tensor& x) {
//     ops::GradRecorder rec("exp", {x});      // recording off for the forward below
//     Tensor out = ...forward...;
//     if (rec.active())
//       rec.record({out}, [r = ops::SavedTensor(out)](const std::vector<Tensor>& g) {
//         return std::vector<Tensor>{mul(g[0], r.get())};
//       });
//     return out;
//   }
//
// The backward gets one gradient per output (an undefined tensor is never passed: outputs that
// received nothing get zeros) and returns one gradient per input (undefined = no gradient).
// Gradients it returns may have the input's shape or any shape that broadcasts to it; the
// recorder sums broadcast dims away and casts to the input's dtype.
#include <functional>
#include <memory>
#include <vector>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/tensor.h"

namespace hangu::ops {

using BackwardFn = std::function<std::vector<Tensor>(const std::vector<Tensor>& grad_outputs)>;

// An OUTPUT of the op kept for its backward. Holding the output itself would make a cycle
// (output -> node -> output), so this keeps a detached alias and, when the backward runs,
// reattaches it to the running node: the result is graph-connected, so second derivatives work.
// Inputs need no wrapper: capture them as they are.
class SavedTensor {
 public:
  SavedTensor() = default;
  explicit SavedTensor(const Tensor& output, uint32_t output_nr = 0);
  // Valid inside the backward of the node that saved it.
  Tensor get() const;

 private:
  Tensor detached_;
  uint32_t output_nr_ = 0;
};

class GradRecorder {
 public:
  GradRecorder(const char* op, std::vector<Tensor> inputs);
  ~GradRecorder();
  GradRecorder(const GradRecorder&) = delete;
  GradRecorder& operator=(const GradRecorder&) = delete;

  // True when grad mode was on and some input requires grad: then record() must be called.
  bool active() const { return active_; }
  // Makes `outputs` (the floating-point ones) non-leaf tensors whose grad_fn runs `backward`.
  void record(const std::vector<Tensor>& outputs, BackwardFn backward);

 private:
  const char* op_;
  std::vector<Tensor> inputs_;
  bool active_ = false;
  bool prev_mode_;
};

// True when grad mode is on and any of `inputs` requires grad.
bool any_requires_grad(const std::vector<Tensor>& inputs);
// Throws when an in-place op would modify a tensor that requires grad under grad mode.
void check_inplace(const Tensor& self, const char* op);
// Sums `grad` down to `shape` (undoing broadcasting); returns grad itself when shapes match.
Tensor sum_to_shape(const Tensor& grad, IntList shape);
// The gradient of a reduction over `dims` (empty = all) broadcast back to the input's shape.
Tensor unreduce(const Tensor& grad, IntList input_shape, IntList dims, bool keepdim);

}  // namespace hangu::ops
