#pragma once
// The interface of the decoder-only language models (gpt2.h, llama.h) and their key/value cache.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "hangu/nn/module.h"

namespace hangu::models {

// Keys and values of every layer for the tokens seen so far, [B, Hkv, S, D] per layer, in
// buffers with spare rows so that appending a token copies only that token. Owned by one
// generation; reset() empties it.
class KvCache {
 public:
  int64_t length() const { return length_; }
  int64_t batch() const { return batch_; }
  // The layer's keys and values for positions [0, length() + L) after writing k_new / v_new
  // ([B, Hkv, L, D]) at position length(). Views of the buffers: valid until the next append.
  std::pair<Tensor, Tensor> append(int64_t layer, const Tensor& k_new, const Tensor& v_new);
  // Called by the model once every layer has appended its L rows.
  void advance(int64_t n) { length_ += n; }
  void reset();

 private:
  std::vector<Tensor> k_, v_;  // [B, Hkv, capacity, D] per layer
  int64_t length_ = 0, batch_ = 0;
};

class CausalLm : public nn::Module {
 public:
  using nn::Module::Module;
  // ids: int64 [B, L] -> logits [B, L, V] (or [B, 1, V] with last_only). With a cache, the ids
  // continue the cached sequence (positions cache.length() + i) and their keys/values are added.
  // key_padding_mask: optional bool [B, cache.length() + L], true = a real token (for batches of
  // right-padded prompts; a padded key is never attended to).
  virtual Tensor forward_ids(const Tensor& ids, KvCache* cache = nullptr, const Tensor& key_padding_mask = Tensor(),
                             bool last_only = false) = 0;
  Tensor forward(const Tensor& ids) override { return forward_ids(ids); }
  virtual int64_t vocab_size() const = 0;
  virtual int64_t max_positions() const = 0;  // 0 = no limit (rotary positions)
};

// Reads config.json in `dir` and builds the model its model_type names (gpt2; llama, qwen2,
// mistral), then loads its weights (model.safetensors or a sharded index), converted to `dtype`
// (f32, or bf16 for bf16 weights with f32 activations).
std::shared_ptr<CausalLm> load_causal_lm(const std::string& dir, DType dtype = DType::f32);

// Checks ids (int64 [B, L], L >= 1, values in [0, vocab)) and the mask; `op` names the model.
void check_lm_inputs(const char* op, const Tensor& ids, int64_t vocab, const KvCache* cache, const Tensor& mask,
                     int64_t max_positions);

}  // namespace hangu::models
