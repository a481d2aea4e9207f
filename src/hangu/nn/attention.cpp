#include "hangu/nn/attention.h"

#include <cmath>
#include <limits>

#include "hangu/nn/init.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"

namespace hangu::nn {

namespace {

// A bool mask (true = hide) as -inf / 0; a float mask as it is, in `dtype`.
Tensor additive_mask(const Tensor& mask, DType dtype) {
  if (mask.dtype() == DType::boolean)
    return masked_fill(zeros(mask.shape(), dtype), mask, -std::numeric_limits<double>::infinity());
  return to(mask, dtype);
}

}  // namespace

MultiheadAttention::MultiheadAttention(int64_t e, int64_t h, double p, bool bias, bool bf)
    : Module("MultiheadAttention"), embed_dim(e), num_heads(h), head_dim(0), dropout(p), batch_first(bf) {
  if (e <= 0) throw ValueError(MsgId::arg_invalid, "MultiheadAttention", "embed_dim", e);
  if (h <= 0) throw ValueError(MsgId::arg_invalid, "MultiheadAttention", "num_heads", h);
  if (e % h != 0) throw ValueError(MsgId::nn_not_divisible, "MultiheadAttention", "embed_dim", e, "num_heads", h);
  head_dim = e / h;
  in_proj_weight = register_parameter("in_proj_weight", empty({3 * e, e}));
  init::xavier_uniform_(in_proj_weight);
  if (bias) in_proj_bias = register_parameter("in_proj_bias", zeros({3 * e}));
  out_proj = register_module("out_proj", std::make_shared<Linear>(e, e, bias));
  if (bias) init::zeros_(out_proj->bias);
}

AttentionOutput MultiheadAttention::forward(const Tensor& query, const Tensor& key, const Tensor& value,
                                            const Tensor& key_padding_mask, bool need_weights, const Tensor& attn_mask,
                                            bool average_attn_weights, bool is_causal) {
  check_defined(query, "MultiheadAttention");
  check_defined(key, "MultiheadAttention");
  check_defined(value, "MultiheadAttention");
  bool batched = query.dim() == 3;
  if (!batched && query.dim() != 2)
    throw ShapeError(MsgId::nn_input_rank, "MultiheadAttention", "2 or 3", query.shape());
  if (query.size(-1) != embed_dim)
    throw ShapeError(MsgId::nn_input_features, "MultiheadAttention", embed_dim, -1, query.shape());
  // Work in (N, L, E).
  auto to_nle = [&](const Tensor& t) {
    if (!batched) return unsqueeze(t, 0);
    return batch_first ? t : transpose(t, 0, 1);
  };
  Tensor q_in = to_nle(query), k_in = to_nle(key), v_in = to_nle(value);
  int64_t n = q_in.size(0), l = q_in.size(1), s = k_in.size(1), e = embed_dim;

  auto part = [&](const Tensor& t, int64_t i) { return t.defined() ? narrow(t, 0, i * e, e) : Tensor(); };
  auto heads = [&](const Tensor& t, int64_t len) {  // (N, len, E) -> (N, H, len, D)
    return transpose(reshape(t, {n, len, num_heads, head_dim}), 1, 2);
  };
  Tensor q = heads(linear(q_in, part(in_proj_weight, 0), part(in_proj_bias, 0)), l);
  Tensor k = heads(linear(k_in, part(in_proj_weight, 1), part(in_proj_bias, 1)), s);
  Tensor v = heads(linear(v_in, part(in_proj_weight, 2), part(in_proj_bias, 2)), s);

  Tensor scores = matmul(mul(q, 1.0 / std::sqrt(static_cast<double>(head_dim))), transpose(k, -2, -1));
  DType dt = scores.dtype();
  if (attn_mask.defined()) {
    Tensor m = additive_mask(attn_mask, dt);
    if (m.dim() == 3) m = reshape(m, {n, num_heads, l, s});
    scores = add(scores, m);
  }
  if (key_padding_mask.defined()) {
    Tensor kpm = batched ? key_padding_mask : unsqueeze(key_padding_mask, 0);
    scores = add(scores, reshape(additive_mask(kpm, dt), {n, 1, 1, s}));
  }
  if (is_causal) scores = add(scores, additive_mask(triu(ones({l, s}, DType::boolean), 1), dt));
  Tensor attn = softmax(scores, -1);
  if (dropout > 0.0 && is_training()) attn = hangu::dropout(attn, dropout, true, generator);

  Tensor out = reshape(transpose(matmul(attn, v), 1, 2), {n, l, e});
  out = out_proj->forward(out);
  if (!batched)
    out = squeeze(out, 0);
  else if (!batch_first)
    out = transpose(out, 0, 1);

  AttentionOutput res{out, Tensor()};
  if (need_weights) {
    Tensor w = average_attn_weights ? mean(attn, {1}) : attn;
    res.weights = batched ? w : squeeze(w, 0);
  }
  return res;
}

Tensor MultiheadAttention::forward(const Tensor& x) { return forward(x, x, x, Tensor(), false).output; }

std::string MultiheadAttention::extra_repr() const {
  return "embed_dim=" + std::to_string(embed_dim) + ", num_heads=" + std::to_string(num_heads) +
         ", batch_first=" + py_bool(batch_first);
}

}  // namespace hangu::nn
