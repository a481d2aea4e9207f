#include "hangu/models/gpt2.h"

#include <cmath>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/models/lm_linear.h"
#include "hangu/nn/container.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/fused_attention.h"
#include "hangu/ops/linalg.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/views.h"

namespace hangu::models {

Gpt2Config Gpt2Config::from_json(const io::Json& cfg, const std::string& source) {
  Gpt2Config c;
  c.vocab_size = config_int(cfg, "vocab_size", source, 1, 1 << 24);
  c.n_positions = config_int(cfg, "n_positions", source, 1, 1 << 20);
  c.n_embd = config_int(cfg, "n_embd", source, 1, 1 << 16);
  c.n_layer = config_int(cfg, "n_layer", source, 1, 1024);
  c.n_head = config_int(cfg, "n_head", source, 1, 1024);
  c.layer_norm_epsilon = config_double(cfg, "layer_norm_epsilon", source, 0.0, 1.0, 1e-5);
  if (c.n_embd % c.n_head != 0)
    throw FormatError(MsgId::llm_config_divisible, source, "n_embd", c.n_embd, "n_head", c.n_head);
  if (const io::Json* act = cfg.find("activation_function"); act && act->is_string() && act->as_string() != "gelu_new")
    throw FormatError(MsgId::llm_config_range, source, "activation_function", act->dump(), "\"gelu_new\"");
  return c;
}

int64_t Gpt2Config::num_parameters() const {
  const int64_t c = n_embd;
  const int64_t per_block = checked_add(checked_mul(checked_mul(12, c), c), checked_mul(13, c));
  int64_t n = checked_mul(checked_add(vocab_size, n_positions), c);
  n = checked_add(n, checked_mul(per_block, n_layer));
  return checked_add(n, checked_mul(2, c));
}

namespace {

// A layer norm's or a Conv1D's weight and bias under `m`.
std::pair<Tensor, Tensor> add_affine(ParamModule& m, std::vector<int64_t> w_shape, int64_t n, DType dtype) {
  Tensor w = m.add("weight", std::move(w_shape), dtype);
  return {w, m.add("bias", {n}, dtype)};
}

}  // namespace

Gpt2::Gpt2(const Gpt2Config& cfg, DType dtype) : CausalLm("GPT2LMHeadModel"), config(cfg) {
  (void)config.num_parameters();  // throws before allocating when the sizes overflow
  const int64_t c = cfg.n_embd;
  auto transformer = add_param_child(*this, "transformer", "GPT2Model");
  wte = add_param_child(*transformer, "wte", "Embedding")->add("weight", {cfg.vocab_size, c}, dtype);
  wpe = add_param_child(*transformer, "wpe", "Embedding")->add("weight", {cfg.n_positions, c}, dtype);
  auto h = transformer->register_module("h", std::make_shared<nn::ModuleList>());
  for (int64_t i = 0; i < cfg.n_layer; ++i) {
    auto block = std::make_shared<ParamModule>("GPT2Block");
    h->push_back(block);
    Block b;
    std::tie(b.ln_1_w, b.ln_1_b) = add_affine(*add_param_child(*block, "ln_1", "LayerNorm"), {c}, c, dtype);
    auto attn = add_param_child(*block, "attn", "GPT2Attention");
    std::tie(b.attn_w, b.attn_b) = add_affine(*add_param_child(*attn, "c_attn", "Conv1D"), {c, 3 * c}, 3 * c, dtype);
    std::tie(b.attn_proj_w, b.attn_proj_b) = add_affine(*add_param_child(*attn, "c_proj", "Conv1D"), {c, c}, c, dtype);
    std::tie(b.ln_2_w, b.ln_2_b) = add_affine(*add_param_child(*block, "ln_2", "LayerNorm"), {c}, c, dtype);
    auto mlp = add_param_child(*block, "mlp", "GPT2MLP");
    std::tie(b.fc_w, b.fc_b) = add_affine(*add_param_child(*mlp, "c_fc", "Conv1D"), {c, 4 * c}, 4 * c, dtype);
    std::tie(b.proj_w, b.proj_b) = add_affine(*add_param_child(*mlp, "c_proj", "Conv1D"), {4 * c, c}, c, dtype);
    blocks.push_back(b);
  }
  std::tie(ln_f_w, ln_f_b) = add_affine(*add_param_child(*transformer, "ln_f", "LayerNorm"), {c}, c, dtype);
}

void Gpt2::init_weights(Generator* gen) {
  NoGradGuard ng;
  const double proj_std = 0.02 / std::sqrt(2.0 * static_cast<double>(config.n_layer));
  normal_(wte, 0.0, 0.02, gen);
  normal_(wpe, 0.0, 0.02, gen);
  for (Block& b : blocks) {
    fill_(b.ln_1_w, 1.0);
    fill_(b.ln_2_w, 1.0);
    for (const Tensor& z : {b.ln_1_b, b.ln_2_b, b.attn_b, b.attn_proj_b, b.fc_b, b.proj_b}) zero_(z);
    normal_(b.attn_w, 0.0, 0.02, gen);
    normal_(b.fc_w, 0.0, 0.02, gen);
    normal_(b.attn_proj_w, 0.0, proj_std, gen);
    normal_(b.proj_w, 0.0, proj_std, gen);
  }
  fill_(ln_f_w, 1.0);
  zero_(ln_f_b);
}

Tensor Gpt2::forward_ids(const Tensor& ids, KvCache* cache, const Tensor& key_padding_mask, bool last_only) {
  check_lm_inputs("gpt2", ids, config.vocab_size, cache, key_padding_mask, config.n_positions);
  const int64_t batch = ids.size(0), len = ids.size(1), past = cache ? cache->length() : 0;
  const int64_t c = config.n_embd, heads = config.n_head, hd = c / heads;
  const double eps = config.layer_norm_epsilon;
  const std::vector<int64_t> norm_shape{c};
  Tensor pos = arange(Scalar(past), Scalar(past + len), Scalar(int64_t{1}), DType::i64);
  Tensor h = add(activation_dtype(embedding(wte, ids)), activation_dtype(embedding(wpe, pos)));
  const std::vector<int64_t> split{batch, len, heads, hd};
  auto norm = [&](const Tensor& x, const Tensor& w, const Tensor& b) {
    return layer_norm(x, norm_shape, activation_dtype(w), activation_dtype(b), eps);
  };
  for (size_t i = 0; i < blocks.size(); ++i) {
    const Block& b = blocks[i];
    Tensor qkv = lm_project(norm(h, b.ln_1_w, b.ln_1_b), b.attn_w, true, b.attn_b);
    Tensor q = transpose(reshape(narrow(qkv, 2, 0, c), split), 1, 2);
    Tensor k = transpose(reshape(narrow(qkv, 2, c, c), split), 1, 2);
    Tensor v = transpose(reshape(narrow(qkv, 2, 2 * c, c), split), 1, 2);
    if (cache) std::tie(k, v) = cache->append(static_cast<int64_t>(i), k, v);
    Tensor o = fused_attention(q, k, v, key_padding_mask, true);
    o = reshape(transpose(o, 1, 2), std::vector<int64_t>{batch, len, c});
    h = add(h, lm_project(o, b.attn_proj_w, true, b.attn_proj_b));
    Tensor m = gelu(lm_project(norm(h, b.ln_2_w, b.ln_2_b), b.fc_w, true, b.fc_b), "tanh");
    h = add(h, lm_project(m, b.proj_w, true, b.proj_b));
  }
  if (cache) cache->advance(len);
  if (last_only) h = narrow(h, 1, len - 1, 1);
  return lm_project(norm(h, ln_f_w, ln_f_b), wte, false);  // the head tied to wte
}

}  // namespace hangu::models
