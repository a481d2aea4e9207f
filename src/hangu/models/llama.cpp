#include "hangu/models/llama.h"

#include <cmath>

#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/models/lm_linear.h"
#include "hangu/nn/container.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/fused_attention.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/views.h"

namespace hangu::models {

LlamaConfig LlamaConfig::from_json(const io::Json& cfg, const std::string& source) {
  LlamaConfig c;
  const io::Json* type = cfg.find("model_type");
  c.model_type = type && type->is_string() ? type->as_string() : "";
  if (c.model_type != "llama" && c.model_type != "mistral" && c.model_type != "qwen2")
    throw FormatError(MsgId::llm_config_arch, source, type ? type->dump() : "null");
  c.vocab_size = config_int(cfg, "vocab_size", source, 1, 1 << 24);
  c.hidden_size = config_int(cfg, "hidden_size", source, 1, 1 << 16);
  c.intermediate_size = config_int(cfg, "intermediate_size", source, 1, 1 << 18);
  c.num_hidden_layers = config_int(cfg, "num_hidden_layers", source, 1, 1024);
  c.num_attention_heads = config_int(cfg, "num_attention_heads", source, 1, 1024);
  c.num_key_value_heads = config_int(cfg, "num_key_value_heads", source, 1, 1024, c.num_attention_heads);
  if (c.hidden_size % c.num_attention_heads != 0)
    throw FormatError(MsgId::llm_config_divisible, source, "hidden_size", c.hidden_size, "num_attention_heads",
                      c.num_attention_heads);
  if (c.num_attention_heads % c.num_key_value_heads != 0)
    throw FormatError(MsgId::llm_config_divisible, source, "num_attention_heads", c.num_attention_heads,
                      "num_key_value_heads", c.num_key_value_heads);
  c.head_dim = config_int(cfg, "head_dim", source, 2, 1 << 12, c.hidden_size / c.num_attention_heads);
  if (c.head_dim % 2 != 0) throw FormatError(MsgId::llm_config_divisible, source, "head_dim", c.head_dim, "2", 2);
  c.max_position_embeddings = config_int(cfg, "max_position_embeddings", source, 1, int64_t{1} << 30, 0);
  c.rms_norm_eps = config_double(cfg, "rms_norm_eps", source, 0.0, 1.0, 1e-6);
  c.rope_theta = config_double(cfg, "rope_theta", source, 1.0, 1e12, 10000.0);
  c.tie_word_embeddings = config_bool(cfg, "tie_word_embeddings", source, false);
  const bool attention_bias = config_bool(cfg, "attention_bias", source, false);
  c.qkv_bias = c.model_type == "qwen2" || attention_bias;
  c.o_bias = c.model_type != "qwen2" && attention_bias;
  if (const io::Json* act = cfg.find("hidden_act");
      act && !act->is_null() && !(act->is_string() && act->as_string() == "silu"))
    throw FormatError(MsgId::llm_config_range, source, "hidden_act", act->dump(), "\"silu\"");
  if (const io::Json* rs = cfg.find("rope_scaling"); rs && !rs->is_null())
    throw FormatError(MsgId::llm_config_range, source, "rope_scaling", rs->dump(), "null (no rope scaling)");
  return c;
}

int64_t LlamaConfig::num_parameters() const {
  const int64_t c = hidden_size, q = checked_mul(num_attention_heads, head_dim);
  const int64_t kv = checked_mul(num_key_value_heads, head_dim);
  int64_t attn = checked_add(checked_mul(2, checked_mul(c, q)), checked_mul(2, checked_mul(c, kv)));
  if (qkv_bias) attn = checked_add(attn, checked_add(q, checked_mul(2, kv)));
  if (o_bias) attn = checked_add(attn, c);
  const int64_t per_layer =
      checked_add(checked_add(attn, checked_mul(3, checked_mul(c, intermediate_size))), checked_mul(2, c));
  int64_t n = checked_add(checked_mul(per_layer, num_hidden_layers), checked_mul(vocab_size, c));
  if (!tie_word_embeddings) n = checked_add(n, checked_mul(vocab_size, c));
  return checked_add(n, c);
}

namespace {

// A projection's weight [out, in] and, when `bias`, its bias [out].
std::pair<Tensor, Tensor> add_linear(nn::Module& parent, const std::string& name, int64_t in, int64_t out, bool bias,
                                     DType dtype) {
  auto m = add_param_child(parent, name, "Linear");
  Tensor w = m->add("weight", {out, in}, dtype);
  return {w, bias ? m->add("bias", {out}, dtype) : Tensor()};
}

// x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x2, x1) over the halves of the last dim.
Tensor apply_rotary(const Tensor& x, const Tensor& cos, const Tensor& sin) {
  const int64_t half = x.size(-1) / 2;
  Tensor rotated = cat({neg(narrow(x, -1, half, half)), narrow(x, -1, 0, half)}, -1);
  return add(mul(x, cos), mul(rotated, sin));
}

}  // namespace

Llama::Llama(const LlamaConfig& cfg, DType dtype) : CausalLm("LlamaForCausalLM"), config(cfg) {
  (void)config.num_parameters();  // throws before allocating when the sizes overflow
  const int64_t c = cfg.hidden_size, hq = cfg.num_attention_heads * cfg.head_dim;
  const int64_t hkv = cfg.num_key_value_heads * cfg.head_dim;
  auto model = add_param_child(*this, "model", "LlamaModel");
  embed = add_param_child(*model, "embed_tokens", "Embedding")->add("weight", {cfg.vocab_size, c}, dtype);
  auto list = model->register_module("layers", std::make_shared<nn::ModuleList>());
  for (int64_t i = 0; i < cfg.num_hidden_layers; ++i) {
    auto layer = std::make_shared<ParamModule>("LlamaDecoderLayer");
    list->push_back(layer);
    Layer l;
    auto attn = add_param_child(*layer, "self_attn", "LlamaAttention");
    std::tie(l.q_w, l.q_b) = add_linear(*attn, "q_proj", c, hq, cfg.qkv_bias, dtype);
    std::tie(l.k_w, l.k_b) = add_linear(*attn, "k_proj", c, hkv, cfg.qkv_bias, dtype);
    std::tie(l.v_w, l.v_b) = add_linear(*attn, "v_proj", c, hkv, cfg.qkv_bias, dtype);
    std::tie(l.o_w, l.o_b) = add_linear(*attn, "o_proj", hq, c, cfg.o_bias, dtype);
    auto mlp = add_param_child(*layer, "mlp", "LlamaMLP");
    l.gate_w = add_linear(*mlp, "gate_proj", c, cfg.intermediate_size, false, dtype).first;
    l.up_w = add_linear(*mlp, "up_proj", c, cfg.intermediate_size, false, dtype).first;
    l.down_w = add_linear(*mlp, "down_proj", cfg.intermediate_size, c, false, dtype).first;
    l.in_norm = add_param_child(*layer, "input_layernorm", "RMSNorm")->add("weight", {c}, dtype);
    l.post_norm = add_param_child(*layer, "post_attention_layernorm", "RMSNorm")->add("weight", {c}, dtype);
    layers.push_back(l);
  }
  norm = add_param_child(*model, "norm", "RMSNorm")->add("weight", {c}, dtype);
  lm_head = cfg.tie_word_embeddings
                ? embed
                : add_param_child(*this, "lm_head", "Linear")->add("weight", {cfg.vocab_size, c}, dtype);
}

Tensor Llama::forward_ids(const Tensor& ids, KvCache* cache, const Tensor& key_padding_mask, bool last_only) {
  check_lm_inputs(config.model_type.c_str(), ids, config.vocab_size, cache, key_padding_mask,
                  config.max_position_embeddings);
  const int64_t batch = ids.size(0), len = ids.size(1), past = cache ? cache->length() : 0;
  const int64_t c = config.hidden_size, hd = config.head_dim;
  const double eps = config.rms_norm_eps;
  const std::vector<int64_t> norm_shape{c};
  // cos / sin [L, hd] of the positions past .. past + L - 1, with HF's f32 inverse frequencies.
  Tensor cos, sin;
  {
    Tensor inv = empty({hd / 2}, DType::f32);
    float* p = inv.data_ptr<float>();
    for (int64_t j = 0; j < hd / 2; ++j)
      p[j] =
          static_cast<float>(1.0 / std::pow(config.rope_theta, static_cast<double>(2 * j) / static_cast<double>(hd)));
    Tensor pos = arange(Scalar(past), Scalar(past + len), Scalar(int64_t{1}), DType::f32);
    Tensor freqs = mul(unsqueeze(pos, 1), unsqueeze(inv, 0));
    Tensor emb = cat({freqs, freqs}, -1);
    const DType act = embed.dtype() == DType::f64 ? DType::f64 : DType::f32;
    cos = hangu::to(hangu::cos(emb), act);
    sin = hangu::to(hangu::sin(emb), act);
  }
  Tensor h = activation_dtype(embedding(embed, ids));
  auto norm_with = [&](const Tensor& x, const Tensor& w) { return rms_norm(x, norm_shape, activation_dtype(w), eps); };
  for (size_t i = 0; i < layers.size(); ++i) {
    const Layer& l = layers[i];
    Tensor x = norm_with(h, l.in_norm);
    auto heads = [&](const Tensor& w, const Tensor& b, int64_t n) {
      return transpose(reshape(lm_project(x, w, false, b), std::vector<int64_t>{batch, len, n, hd}), 1, 2);
    };
    Tensor q = apply_rotary(heads(l.q_w, l.q_b, config.num_attention_heads), cos, sin);
    Tensor k = apply_rotary(heads(l.k_w, l.k_b, config.num_key_value_heads), cos, sin);
    Tensor v = heads(l.v_w, l.v_b, config.num_key_value_heads);
    if (cache) std::tie(k, v) = cache->append(static_cast<int64_t>(i), k, v);
    Tensor o = fused_attention(q, k, v, key_padding_mask, true);
    o = reshape(transpose(o, 1, 2), std::vector<int64_t>{batch, len, config.num_attention_heads * hd});
    h = add(h, lm_project(o, l.o_w, false, l.o_b));
    x = norm_with(h, l.post_norm);
    Tensor gated = mul(silu(lm_project(x, l.gate_w, false)), lm_project(x, l.up_w, false));
    h = add(h, lm_project(gated, l.down_w, false));
  }
  if (cache) cache->advance(len);
  if (last_only) h = narrow(h, 1, len - 1, 1);
  return lm_project(norm_with(h, norm), lm_head, false);
}

}  // namespace hangu::models
