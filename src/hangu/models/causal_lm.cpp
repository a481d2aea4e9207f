#include "hangu/models/causal_lm.h"

#include <algorithm>
#include <filesystem>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/models/gpt2.h"
#include "hangu/models/hf_checkpoint.h"
#include "hangu/models/llama.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/views.h"

namespace hangu::models {

namespace fs = std::filesystem;

std::pair<Tensor, Tensor> KvCache::append(int64_t layer, const Tensor& k_new, const Tensor& v_new) {
  NoGradGuard ng;
  const auto idx = static_cast<size_t>(layer);
  if (idx >= k_.size()) {
    k_.resize(idx + 1);
    v_.resize(idx + 1);
  }
  const int64_t len = k_new.size(2), need = checked_add(length_, len);
  if (length_ == 0) batch_ = k_new.size(0);
  auto grow = [&](Tensor& buf, const Tensor& like) {
    if (buf.defined() && buf.size(2) >= need) return;
    const int64_t cap = std::max<int64_t>(64, checked_mul(2, need));
    Tensor fresh = empty({like.size(0), like.size(1), cap, like.size(3)}, like.dtype());
    if (buf.defined() && length_ > 0) copy_(narrow(fresh, 2, 0, length_), narrow(buf, 2, 0, length_));
    buf = fresh;
  };
  grow(k_[idx], k_new);
  grow(v_[idx], v_new);
  copy_(narrow(k_[idx], 2, length_, len), k_new);
  copy_(narrow(v_[idx], 2, length_, len), v_new);
  return {narrow(k_[idx], 2, 0, need), narrow(v_[idx], 2, 0, need)};
}

void KvCache::reset() {
  k_.clear();
  v_.clear();
  length_ = 0;
  batch_ = 0;
}

void check_lm_inputs(const char* op, const Tensor& ids, int64_t vocab, const KvCache* cache, const Tensor& mask,
                     int64_t max_positions) {
  check_defined(ids, op);
  if (ids.dtype() != DType::i64 || ids.dim() != 2 || ids.size(0) < 1 || ids.size(1) < 1)
    throw ShapeError(MsgId::llm_ids, op, ids.dtype(), ids.shape());
  const int64_t past = cache ? cache->length() : 0, total = checked_add(past, ids.size(1));
  if (cache && past > 0 && cache->batch() != ids.size(0))
    throw ValueError(MsgId::llm_cache_batch, op, cache->batch(), ids.size(0));
  if (max_positions > 0 && total > max_positions) throw ValueError(MsgId::llm_too_long, op, total - 1, max_positions);
  Tensor c = contiguous(ids);
  const int64_t* p = c.data_ptr<int64_t>();
  for (int64_t i = 0; i < c.numel(); ++i)
    if (p[i] < 0 || p[i] >= vocab) throw IndexError(MsgId::llm_token_range, op, p[i], vocab);
  if (mask.defined() &&
      (mask.dtype() != DType::boolean || mask.dim() != 2 || mask.size(0) != ids.size(0) || mask.size(1) != total))
    throw ShapeError(MsgId::llm_mask, op, Shape{ids.size(0), total}, mask.dtype(), mask.shape());
}

std::shared_ptr<CausalLm> load_causal_lm(const std::string& dir, DType dtype) {
  if (dtype != DType::f32 && dtype != DType::f64 && dtype != DType::bf16)
    throw DTypeError(MsgId::llm_dtype, "load_causal_lm", dtype);
  const std::string source = (fs::path(dir) / "config.json").string();
  const io::Json cfg = read_hf_config(dir);
  const io::Json* type = cfg.find("model_type");
  const std::string model_type = type && type->is_string() ? type->as_string() : "";
  std::shared_ptr<CausalLm> model;
  std::map<std::string, Tensor> weights;
  if (model_type == "gpt2") {
    Gpt2Config c = Gpt2Config::from_json(cfg, source);
    weights = load_hf_weights(dir);
    // GPT2Model checkpoints (the original "gpt2" upload) name tensors without "transformer.".
    if (!weights.count("transformer.wte.weight") && weights.count("wte.weight")) {
      std::map<std::string, Tensor> renamed;
      for (auto& [name, t] : weights) renamed.emplace("transformer." + name, t);
      weights.swap(renamed);
    }
    check_weights_cover(weights, c.num_parameters(), dir);
    model = std::make_shared<Gpt2>(c, dtype);
  } else if (model_type == "llama" || model_type == "mistral" || model_type == "qwen2") {
    LlamaConfig c = LlamaConfig::from_json(cfg, source);
    weights = load_hf_weights(dir);
    check_weights_cover(weights, c.num_parameters(), dir);
    model = std::make_shared<Llama>(c, dtype);
  } else {
    throw FormatError(MsgId::llm_config_arch, source, type ? type->dump() : "null");
  }
  bind_weights(*model, weights, dir);
  model->eval();
  return model;
}

}  // namespace hangu::models
