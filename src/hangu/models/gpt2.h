#pragma once
// GPT-2 (Radford et al. 2019) with Hugging Face's GPT2LMHeadModel parameter names, so that its
// model.safetensors loads unchanged:
//   transformer.wte [V, C] + transformer.wpe [P, C]
//   transformer.h.N: ln_1 -> attn (c_attn: Conv1D C -> 3C, causal attention, c_proj: C -> C) -> +
//                    ln_2 -> mlp (c_fc: C -> 4C, gelu tanh ("gelu_new"), c_proj: 4C -> C) -> +
//   transformer.ln_f, then logits = h wte^T (the lm_head is tied to wte).
// Conv1D weights are stored [in, out] (y = x W + b), as in the checkpoints.
#include <memory>
#include <string>
#include <vector>

#include "hangu/core/rng.h"
#include "hangu/io/json.h"
#include "hangu/models/causal_lm.h"
#include "hangu/models/hf_checkpoint.h"

namespace hangu::models {

struct Gpt2Config {
  int64_t vocab_size = 50257, n_positions = 1024, n_embd = 768, n_layer = 12, n_head = 12;
  double layer_norm_epsilon = 1e-5;
  // From a Hugging Face config.json (n_ctx is ignored; n_positions bounds the sequence).
  static Gpt2Config from_json(const io::Json& cfg, const std::string& source);
  int64_t num_parameters() const;  // overflow-checked
};

class Gpt2 : public CausalLm {
 public:
  // Parameters start at zero (load_causal_lm copies the weights in).
  explicit Gpt2(const Gpt2Config& config, DType dtype = DType::f32);
  Tensor forward_ids(const Tensor& ids, KvCache* cache = nullptr, const Tensor& key_padding_mask = Tensor(),
                     bool last_only = false) override;
  int64_t vocab_size() const override { return config.vocab_size; }
  int64_t max_positions() const override { return config.n_positions; }
  // GPT-2's initialisation for training from scratch: N(0, 0.02) weights, the residual
  // projections N(0, 0.02 / sqrt(2 n_layer)), zero biases, unit layer-norm scales.
  void init_weights(Generator* gen = nullptr);

  struct Block {
    Tensor ln_1_w, ln_1_b, attn_w, attn_b, attn_proj_w, attn_proj_b, ln_2_w, ln_2_b, fc_w, fc_b, proj_w, proj_b;
  };
  Gpt2Config config;
  Tensor wte, wpe, ln_f_w, ln_f_b;
  std::vector<Block> blocks;
};

}  // namespace hangu::models
