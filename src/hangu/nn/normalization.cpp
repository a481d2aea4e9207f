#include "hangu/nn/normalization.h"

#include <limits>

#include "hangu/core/autograd_meta.h"
#include "hangu/nn/init.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"

namespace hangu::nn {

namespace {

std::string shape_tuple(const std::vector<int64_t>& s) {
  std::string out = "(";
  for (size_t i = 0; i < s.size(); ++i) out.append(i ? ", " : "").append(std::to_string(s[i]));
  return out.append(s.size() == 1 ? ",)" : ")");
}

double machine_eps(DType t) {
  switch (t) {
    case DType::f64:
      return std::numeric_limits<double>::epsilon();
    case DType::f16:
      return 0.0009765625;
    case DType::bf16:
      return 0.0078125;
    default:
      return std::numeric_limits<float>::epsilon();
  }
}

}  // namespace

// ---- BatchNorm ----

BatchNorm::BatchNorm(const char* type_name, int64_t c, double e, std::optional<double> m, bool aff, bool track)
    : Module(type_name), num_features(c), eps(e), momentum(m), affine(aff), track_running_stats(track) {
  if (c <= 0) throw ValueError(MsgId::arg_invalid, type_name, "num_features", c);
  if (affine) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
  if (track) {
    running_mean = register_buffer("running_mean", zeros({c}));
    running_var = register_buffer("running_var", ones({c}));
    num_batches_tracked = register_buffer("num_batches_tracked", zeros({}, DType::i64));
  }
}

void BatchNorm::reset_running_stats() {
  if (!track_running_stats) return;
  init::zeros_(running_mean);
  init::ones_(running_var);
  NoGradGuard guard;
  zero_(num_batches_tracked);
}

Tensor BatchNorm::forward(const Tensor& input) {
  check_defined(input, name().c_str());
  check_input(input);
  if (input.size(1) != num_features) throw ShapeError(MsgId::nn_input_features, name(), num_features, 1, input.shape());
  double factor = momentum.value_or(0.0);
  if (is_training() && track_running_stats) {
    NoGradGuard guard;
    add_(num_batches_tracked, Scalar(int64_t{1}));
    if (!momentum) factor = 1.0 / static_cast<double>(num_batches_tracked.item<int64_t>());
  }
  bool use_batch_stats = is_training() || !track_running_stats;
  if (sync_ && use_batch_stats) return forward_synced(input, factor);
  // In training the running stats are updated only when tracked; in eval they are used.
  return batch_norm(input, running_mean, running_var, weight, bias, use_batch_stats, factor, eps);
}

// The batch statistics of every replica's batch together, from differentiable ops and two sums
// over replicas (sums and count, then squared deviations from the global mean: two passes, so the
// variance does not suffer the cancellation of E[x^2] - E[x]^2). Gradients flow through both sums.
Tensor BatchNorm::forward_synced(const Tensor& input, double factor) {
  const int64_t c = num_features;
  std::vector<int64_t> dims;
  for (int64_t d = 0; d < input.dim(); ++d)
    if (d != 1) dims.push_back(d);
  std::vector<int64_t> channel_shape(static_cast<size_t>(input.dim()), 1);
  channel_shape[1] = c;
  const double local_count = static_cast<double>(input.numel() / c);
  const std::vector<int64_t> one{1};
  Tensor local = cat({sum(input, IntList(dims)), full(IntList(one), Scalar(local_count), input.dtype())}, 0);
  Tensor totals = sync_->all_reduce_sum(local);
  const double count = narrow(totals, 0, c, 1).item<double>();
  if (count <= 1.0) throw ValueError(MsgId::nnf_bn_one_value, name(), input.shape());
  Tensor mean = div(narrow(totals, 0, 0, c), Scalar(count));
  Tensor centred = sub(input, reshape(mean, channel_shape));
  Tensor var = div(sync_->all_reduce_sum(sum(mul(centred, centred), IntList(dims))), Scalar(count));
  Tensor out = mul(centred, reshape(rsqrt(add(var, Scalar(eps))), channel_shape));
  if (weight.defined()) out = add(mul(out, reshape(weight, channel_shape)), reshape(bias, channel_shape));
  if (is_training() && track_running_stats) {
    NoGradGuard guard;
    // PyTorch: the running variance takes the unbiased estimate.
    copy_(running_mean, add(mul(running_mean, Scalar(1.0 - factor)), mul(mean.detach(), Scalar(factor))));
    copy_(running_var, add(mul(running_var, Scalar(1.0 - factor)),
                           mul(var.detach(), Scalar(factor * count / (count - 1.0)))));
  }
  return out;
}

std::string BatchNorm::extra_repr() const {
  return std::to_string(num_features) + ", eps=" + msg_arg(eps) +
         ", momentum=" + (momentum ? msg_arg(*momentum) : std::string("None")) + ", affine=" + py_bool(affine) +
         ", track_running_stats=" + py_bool(track_running_stats);
}

void BatchNorm1d::check_input(const Tensor& input) const {
  if (input.dim() != 2 && input.dim() != 3) throw ShapeError(MsgId::nn_input_rank, name(), "2 or 3", input.shape());
}

void BatchNorm2d::check_input(const Tensor& input) const {
  if (input.dim() != 4) throw ShapeError(MsgId::nn_input_rank, name(), 4, input.shape());
}

// ---- LayerNorm ----

LayerNorm::LayerNorm(std::vector<int64_t> shape, double e, bool affine)
    : Module("LayerNorm"), normalized_shape(std::move(shape)), eps(e) {
  if (affine) {
    weight = register_parameter("weight", ones(normalized_shape));
    bias = register_parameter("bias", zeros(normalized_shape));
  }
}

Tensor LayerNorm::forward(const Tensor& input) { return layer_norm(input, normalized_shape, weight, bias, eps); }

std::string LayerNorm::extra_repr() const {
  return shape_tuple(normalized_shape) + ", eps=" + msg_arg(eps) + ", elementwise_affine=" + py_bool(weight.defined());
}

// ---- GroupNorm ----

GroupNorm::GroupNorm(int64_t g, int64_t c, double e, bool affine)
    : Module("GroupNorm"), num_groups(g), num_channels(c), eps(e) {
  if (g <= 0) throw ValueError(MsgId::arg_invalid, "GroupNorm", "num_groups", g);
  if (c % g != 0) throw ValueError(MsgId::nn_not_divisible, "GroupNorm", "num_channels", c, "num_groups", g);
  if (affine) {
    weight = register_parameter("weight", ones({c}));
    bias = register_parameter("bias", zeros({c}));
  }
}

Tensor GroupNorm::forward(const Tensor& input) { return group_norm(input, num_groups, weight, bias, eps); }

std::string GroupNorm::extra_repr() const {
  return std::to_string(num_groups) + ", " + std::to_string(num_channels) + ", eps=" + msg_arg(eps) +
         ", affine=" + py_bool(weight.defined());
}

// ---- RMSNorm ----

RMSNorm::RMSNorm(std::vector<int64_t> shape, std::optional<double> e, bool affine)
    : Module("RMSNorm"), normalized_shape(std::move(shape)), eps(e) {
  if (affine) weight = register_parameter("weight", ones(normalized_shape));
}

Tensor RMSNorm::forward(const Tensor& input) {
  check_defined(input, "RMSNorm");
  return rms_norm(input, normalized_shape, weight, eps.value_or(machine_eps(input.dtype())));
}

std::string RMSNorm::extra_repr() const {
  return shape_tuple(normalized_shape) + ", eps=" + (eps ? msg_arg(*eps) : std::string("None")) +
         ", elementwise_affine=" + py_bool(weight.defined());
}

}  // namespace hangu::nn
