// Losses: NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (with class weights,
// ignore_index and none/sum/mean reductions; mean divides by the total weight of the counted
// targets, as ONNX specifies).
#include "hangu/ops/reduction.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

// input [N, C, d...] of log-probabilities, target [N, d...].
Tensor nll(const OpContext& c, const Tensor& input, const Tensor& target, const Tensor& weight) {
  if (input.dim() < 2) bad_input_shape(c, 0, input.shape(), "[N, C, ...]");
  const int64_t n = input.size(0), classes = input.size(1);
  const int64_t inner = classes ? input.numel() / (n * classes) : 0;
  if (target.numel() != n * inner) bad_input_shape(c, 1, target.shape(), "[N, d...] matching the input");
  const std::string red = c.attr_string("reduction", "mean");
  if (red != "none" && red != "sum" && red != "mean") bad_attr(c, "reduction", red, "none, sum or mean");
  const bool has_ignore = c.has_attr("ignore_index");
  const int64_t ignore = c.attr_int("ignore_index", 0);
  const std::vector<double> x = double_values(input);
  const std::vector<int64_t> tg = int_values(target);
  const std::vector<double> w = weight.defined() ? double_values(weight) : std::vector<double>{};
  if (weight.defined() && static_cast<int64_t>(w.size()) != classes) bad_input_shape(c, 2, weight.shape(), "[C]");
  std::vector<double> loss(static_cast<size_t>(n * inner), 0.0);
  double total = 0, wsum = 0;
  for (int64_t b = 0; b < n; ++b)
    for (int64_t i = 0; i < inner; ++i) {
      const int64_t k = tg[static_cast<size_t>(b * inner + i)];
      if (has_ignore && k == ignore) continue;
      if (k < 0 || k >= classes) throw IndexError(MsgId::rt_index_out_of_range, c.label(), k, classes);
      const double wk = w.empty() ? 1.0 : w[static_cast<size_t>(k)];
      const double l = -x[static_cast<size_t>((b * classes + k) * inner + i)] * wk;
      loss[static_cast<size_t>(b * inner + i)] = l;
      total += l;
      wsum += wk;
    }
  if (red == "none") return to(tensor(loss, IntList(target.shape())), input.dtype());
  const double v = red == "sum" ? total : (wsum == 0 ? 0.0 : total / wsum);
  return scalar_tensor(Scalar(v), input.dtype());
}

void op_nll(OpContext& c) { c.set(0, nll(c, c.input(0), c.input(1), c.has(2) ? c.input(2) : Tensor())); }

void op_softmax_ce(OpContext& c) {
  const Tensor& scores = c.input(0);
  Tensor logp = log_softmax(to(scores, DType::f64), 1);
  c.set(0, to(nll(c, logp, c.input(1), c.has(2) ? c.input(2) : Tensor()), scores.dtype()));
  if (c.wants(1)) c.set(1, to(logp, scores.dtype()));
}

}  // namespace

void register_loss_ops(OpTable& t) {
  t.add("NegativeLogLikelihoodLoss", op_nll);
  t.add("SoftmaxCrossEntropyLoss", op_softmax_ce);
}

}  // namespace hangu::runtime
