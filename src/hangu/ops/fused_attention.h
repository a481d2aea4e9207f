#pragma once
// Attention for the language models: softmax(q k^T / sqrt(D) + masks) v over [B, H, L, D]
// queries and [B, Hkv, S, D] keys / [B, Hkv, S, Dv] values, with grouped-query heads (query head
// h reads key/value head h / (H / Hkv)), an optional key padding mask (bool [B, S], true =
// attend) and a causal mask aligned bottom-right (query i sits at position S - L + i, so decoding
// with a KV cache needs no mask shift; for L == S it is the usual lower triangle). A query row
// that may attend to no key yields zeros.
#include "hangu/core/tensor.h"

namespace hangu {

// The fused kernel (kernels/cpu/flash_attention.h): never materialises the L x S scores. f32 and
// f64. Differentiable with a fused backward (first order: its gradients are not themselves
// recorded, so double backward through it is not supported; use attention_composed for that).
Tensor fused_attention(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask = Tensor(),
                       bool is_causal = false);

// The same function written with differentiable ops (matmul, masked_fill, softmax): the
// reference the fused kernel is tested against. Materialises the scores.
Tensor attention_composed(const Tensor& q, const Tensor& k, const Tensor& v, const Tensor& key_padding_mask = Tensor(),
                          bool is_causal = false);

}  // namespace hangu
