#pragma once
// MultiheadAttention with PyTorch's parameters (in_proj_weight [3E, E], in_proj_bias [3E],
// out_proj.weight, out_proj.bias) and mask conventions: in attn_mask and key_padding_mask a
// bool true means "do not attend"; float masks are added to the scores.
#include <memory>

#include "hangu/core/rng.h"
#include "hangu/nn/linear.h"
#include "hangu/nn/module.h"

namespace hangu::nn {

struct AttentionOutput {
  Tensor output;   // (L, N, E), (N, L, E) when batch_first, or (L, E) unbatched
  Tensor weights;  // (N, L, S), or (N, H, L, S) without averaging; undefined unless need_weights
};

class MultiheadAttention : public Module {
 public:
  // Query, key and value share embed_dim (PyTorch's kdim = vdim = None).
  MultiheadAttention(int64_t embed_dim, int64_t num_heads, double dropout = 0.0, bool bias = true,
                     bool batch_first = false);
  using Module::operator();
  // key_padding_mask (N, S); attn_mask (L, S) or (N * num_heads, L, S); is_causal adds a mask
  // hiding the keys after each query (top-left aligned).
  AttentionOutput forward(const Tensor& query, const Tensor& key, const Tensor& value,
                          const Tensor& key_padding_mask = Tensor(), bool need_weights = true,
                          const Tensor& attn_mask = Tensor(), bool average_attn_weights = true, bool is_causal = false);
  // Self-attention without masks; the attention output only.
  Tensor forward(const Tensor& x) override;
  std::string extra_repr() const override;

  int64_t embed_dim, num_heads, head_dim;
  double dropout;
  bool batch_first;
  Generator* generator = nullptr;  // for attention dropout; null = default generator
  Tensor in_proj_weight, in_proj_bias;
  std::shared_ptr<Linear> out_proj;
};

}  // namespace hangu::nn
