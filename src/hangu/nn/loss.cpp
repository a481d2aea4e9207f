#include "hangu/nn/loss.h"

namespace hangu::nn {

CrossEntropyLoss::CrossEntropyLoss(const Tensor& w, int64_t ignore, Reduction r, double smoothing)
    : Loss("CrossEntropyLoss", r), ignore_index(ignore), label_smoothing(smoothing) {
  if (!(smoothing >= 0.0 && smoothing <= 1.0))
    throw ValueError(MsgId::value_out_of_range, "CrossEntropyLoss", "label_smoothing", "[0, 1]", msg_arg(smoothing));
  weight = register_buffer("weight", w);
}

Tensor CrossEntropyLoss::forward(const Tensor& input, const Tensor& target) {
  return cross_entropy(input, target, weight, reduction, ignore_index, label_smoothing);
}

NLLLoss::NLLLoss(const Tensor& w, int64_t ignore, Reduction r) : Loss("NLLLoss", r), ignore_index(ignore) {
  weight = register_buffer("weight", w);
}

Tensor NLLLoss::forward(const Tensor& input, const Tensor& target) {
  return nll_loss(input, target, weight, reduction, ignore_index);
}

Tensor MSELoss::forward(const Tensor& input, const Tensor& target) { return mse_loss(input, target, reduction); }
Tensor L1Loss::forward(const Tensor& input, const Tensor& target) { return l1_loss(input, target, reduction); }

Tensor SmoothL1Loss::forward(const Tensor& input, const Tensor& target) {
  return smooth_l1_loss(input, target, reduction, beta);
}

Tensor HuberLoss::forward(const Tensor& input, const Tensor& target) {
  return huber_loss(input, target, reduction, delta);
}

BCELoss::BCELoss(const Tensor& w, Reduction r) : Loss("BCELoss", r) { weight = register_buffer("weight", w); }

Tensor BCELoss::forward(const Tensor& input, const Tensor& target) {
  return binary_cross_entropy(input, target, weight, reduction);
}

BCEWithLogitsLoss::BCEWithLogitsLoss(const Tensor& w, Reduction r, const Tensor& pw) : Loss("BCEWithLogitsLoss", r) {
  weight = register_buffer("weight", w);
  pos_weight = register_buffer("pos_weight", pw);
}

Tensor BCEWithLogitsLoss::forward(const Tensor& input, const Tensor& target) {
  return binary_cross_entropy_with_logits(input, target, weight, reduction, pos_weight);
}

KLDivLoss::KLDivLoss(const std::string& r, bool log_t)
    : Loss("KLDivLoss", r == "batchmean" ? Reduction::sum : parse_reduction(r, "KLDivLoss")),
      reduction_name(r),
      log_target(log_t) {}

Tensor KLDivLoss::forward(const Tensor& input, const Tensor& target) {
  return kl_div(input, target, reduction_name, log_target);
}

}  // namespace hangu::nn
