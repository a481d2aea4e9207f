#pragma once
// The LLaMA family of decoders (LLaMA, Mistral, Qwen2), with Hugging Face's parameter names:
//   model.embed_tokens [V, C]
//   model.layers.N: input_layernorm (RMSNorm) -> self_attn (q/k/v_proj, rotary embeddings,
//                   grouped-query causal attention, o_proj) -> +
//                   post_attention_layernorm -> mlp (down_proj(silu(gate_proj x) * up_proj x)) -> +
//   model.norm, lm_head [V, C] (or the embedding, with tie_word_embeddings).
// Rotary embeddings use Hugging Face's rotate_half layout (the two halves of each head, not
// interleaved pairs). Qwen2 has biases on q/k/v_proj; LLaMA's attention_bias puts them on all four.
#include <memory>
#include <string>
#include <vector>

#include "hangu/io/json.h"
#include "hangu/models/causal_lm.h"
#include "hangu/models/hf_checkpoint.h"

namespace hangu::models {

struct LlamaConfig {
  std::string model_type = "llama";
  int64_t vocab_size = 32000, hidden_size = 4096, intermediate_size = 11008, num_hidden_layers = 32;
  int64_t num_attention_heads = 32, num_key_value_heads = 32, head_dim = 128;
  int64_t max_position_embeddings = 0;  // 0: no limit
  double rms_norm_eps = 1e-6, rope_theta = 10000.0;
  bool tie_word_embeddings = false, qkv_bias = false, o_bias = false;
  // From a Hugging Face config.json with model_type llama, mistral or qwen2.
  static LlamaConfig from_json(const io::Json& cfg, const std::string& source);
  int64_t num_parameters() const;  // overflow-checked
};

class Llama : public CausalLm {
 public:
  // Parameters start at zero (load_causal_lm copies the weights in).
  explicit Llama(const LlamaConfig& config, DType dtype = DType::f32);
  Tensor forward_ids(const Tensor& ids, KvCache* cache = nullptr, const Tensor& key_padding_mask = Tensor(),
                     bool last_only = false) override;
  int64_t vocab_size() const override { return config.vocab_size; }
  int64_t max_positions() const override { return config.max_position_embeddings; }

  struct Layer {
    Tensor in_norm, q_w, q_b, k_w, k_b, v_w, v_b, o_w, o_b, post_norm, gate_w, up_w, down_w;
  };
  LlamaConfig config;
  Tensor embed, norm, lm_head;  // lm_head is `embed` when tied
  std::vector<Layer> layers;
};

}  // namespace hangu::models
