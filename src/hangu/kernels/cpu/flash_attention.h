#pragma once
// Fused scaled-dot-product attention for contiguous [B, H, L, D] queries and [B, Hkv, S, D] keys /
// [B, Hkv, S, Dv] values (grouped-query: head h reads key/value head h / (H / Hkv)). The forward
// walks the keys in tiles with an online softmax (Milakov & Gimelshein 2018; FlashAttention), so
// no L x S score matrix exists: memory is O(tile) per query row. The backward recomputes the
// probabilities from the saved row log-sum-exp. Rows and (batch, kv-head) groups are split over
// threads with a fixed grain and every sum runs in one fixed order: results do not depend on the
// thread count. Sums accumulate in double (f32: see flash_attention_f32.h).
#include <cstdint>

namespace hangu::kernels {

struct AttentionDims {
  int64_t batch = 0, heads = 0, kv_heads = 0, q_len = 0, kv_len = 0, head_dim = 0, v_dim = 0;
  double scale = 1.0;
  // Query i sits at position kv_len - q_len + i and sees keys at positions <= its own
  // (bottom-right aligned; the usual causal mask when q_len == kv_len, and right for a KV cache).
  bool causal = false;
  // Rows allocated per (batch, kv head) block of k and v, >= kv_len (a KV cache holds spare rows);
  // 0 means kv_len. The backward needs 0.
  int64_t kv_capacity = 0;
};

// key_mask: nullptr or bool [B, S], true = attend. A row that may attend to no key gets zeros in
// `out` and -inf in `lse`. lse: [B, H, L], may be nullptr.
void flash_attention_forward(const AttentionDims& d, const float* q, const float* k, const float* v,
                             const bool* key_mask, float* out, float* lse);
void flash_attention_forward(const AttentionDims& d, const double* q, const double* k, const double* v,
                             const bool* key_mask, double* out, double* lse);

// Gradients of the forward above from dout [B, H, L, Dv], given its out and lse; dq, dk, dv are
// overwritten (their shapes are those of q, k, v).
void flash_attention_backward(const AttentionDims& d, const float* q, const float* k, const float* v,
                              const bool* key_mask, const float* out, const float* lse, const float* dout, float* dq,
                              float* dk, float* dv);
void flash_attention_backward(const AttentionDims& d, const double* q, const double* k, const double* v,
                              const bool* key_mask, const double* out, const double* lse, const double* dout,
                              double* dq, double* dk, double* dv);

}  // namespace hangu::kernels
