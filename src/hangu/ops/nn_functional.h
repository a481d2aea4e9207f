#pragma once
// Functional NN operators with PyTorch 1.13 semantics: normalisation, dropout, embedding, losses
// and attention. Each is differentiable: norms and class losses record a fused backward written
// with ops (so second derivatives work), the rest are compositions of differentiable ops.
#include <string_view>

#include "hangu/core/rng.h"
#include "hangu/core/tensor.h"

namespace hangu {

enum class Reduction { none, mean, sum };
// "none", "mean" or "sum"; anything else throws ValueError.
Reduction parse_reduction(std::string_view s, const char* op = "reduction");

// Training: normalises with the batch statistics (biased variance) and updates the running
// stats in place, when given, with the unbiased variance (no gradient through the update). Eval:
// uses the running stats (and, unlike PyTorch, passes gradients to them). Input (N, C, ...);
// stats, weight and bias of shape (C).
Tensor batch_norm(const Tensor& input, const Tensor& running_mean, const Tensor& running_var, const Tensor& weight,
                  const Tensor& bias, bool training, double momentum = 0.1, double eps = 1e-5);
Tensor layer_norm(const Tensor& input, IntList normalized_shape, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
Tensor group_norm(const Tensor& input, int64_t num_groups, const Tensor& weight = Tensor(),
                  const Tensor& bias = Tensor(), double eps = 1e-5);
// x / sqrt(mean(x^2) + eps) * weight over the trailing normalized_shape dims.
Tensor rms_norm(const Tensor& input, IntList normalized_shape, const Tensor& weight = Tensor(), double eps = 1e-6);

// Zeroes elements with probability p (mask drawn from gen, or the default generator) and scales
// the rest by 1/(1-p). The identity when !training or p == 0.
Tensor dropout(const Tensor& input, double p, bool training, Generator* gen = nullptr);

// Rows of weight (V, D) picked by int64 indices of any shape: indices.shape + [D]. The row
// padding_idx (when >= 0) gets no gradient.
Tensor embedding(const Tensor& weight, const Tensor& indices, int64_t padding_idx = -1);

// Input (N, C, d1, ...), (N, C) or (C); target int64 class indices (N, d1, ...) or float class
// probabilities of the input's shape.
Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                     Reduction reduction = Reduction::mean, int64_t ignore_index = -100, double label_smoothing = 0.0);
Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                Reduction reduction = Reduction::mean, int64_t ignore_index = -100);

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean);
Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean,
                      double beta = 1.0);
Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction = Reduction::mean, double delta = 1.0);
// Logs clamped at -100 like PyTorch.
Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                            Reduction reduction = Reduction::mean);
Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight = Tensor(),
                                        Reduction reduction = Reduction::mean, const Tensor& pos_weight = Tensor());
// reduction: "none", "mean" (element mean, like PyTorch), "sum" or "batchmean" (sum / N).
Tensor kl_div(const Tensor& input, const Tensor& target, std::string_view reduction = "mean", bool log_target = false);
Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target = false);

// softmax(q k^T / sqrt(E) + mask) v for q (..., L, E), k (..., S, E), v (..., S, Ev). attn_mask:
// bool (true = attend) or float (added to the scores), broadcast to (..., L, S). is_causal keeps
// the lower triangle (top-left aligned).
Tensor scaled_dot_product_attention(const Tensor& q, const Tensor& k, const Tensor& v,
                                    const Tensor& attn_mask = Tensor(), double dropout_p = 0.0, bool is_causal = false,
                                    Generator* gen = nullptr);

}  // namespace hangu
