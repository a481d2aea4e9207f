#include "hangu/models/generation.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/error.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/views.h"

namespace hangu::models {

namespace {

constexpr const char* kOp = "generate";

void check_config(const GenerationConfig& c) {
  if (c.max_new_tokens < 0) throw ValueError(MsgId::gen_option_range, kOp, "max_new_tokens", c.max_new_tokens, ">= 0");
  if (!(c.temperature >= 0.0) || !std::isfinite(c.temperature))
    throw ValueError(MsgId::gen_option_range, kOp, "temperature", c.temperature, ">= 0 (0 = greedy)");
  if (c.top_k < 0) throw ValueError(MsgId::gen_option_range, kOp, "top_k", c.top_k, ">= 0 (0 = off)");
  if (!(c.top_p > 0.0 && c.top_p <= 1.0)) throw ValueError(MsgId::gen_option_range, kOp, "top_p", c.top_p, "(0, 1]");
  if (!(c.repetition_penalty >= 1.0) || !std::isfinite(c.repetition_penalty))
    throw ValueError(MsgId::gen_option_range, kOp, "repetition_penalty", c.repetition_penalty, ">= 1");
}

// The logits of the last position of [1, L, V] (or [1, 1, V]) as floats.
std::vector<float> last_row(const Tensor& logits) {
  const int64_t vocab = logits.size(2);
  Tensor row = contiguous(to(select(select(logits, 0, 0), 0, logits.size(1) - 1), DType::f32));
  const float* p = row.data_ptr<float>();
  return std::vector<float>(p, p + vocab);
}

int64_t argmax(const std::vector<float>& v) {  // the first maximum, as torch.argmax
  return std::distance(v.begin(), std::max_element(v.begin(), v.end()));
}

Tensor ids_tensor(const int64_t* ids, int64_t n) {
  Tensor t = empty({1, n}, DType::i64);
  std::copy(ids, ids + n, t.data_ptr<int64_t>());
  return t;
}

}  // namespace

int64_t choose_token(std::vector<float>& logits, const std::vector<int64_t>& history, const GenerationConfig& c,
                     Generator& gen) {
  const auto vocab = static_cast<int64_t>(logits.size());
  if (c.repetition_penalty != 1.0) {
    const auto pen = static_cast<float>(c.repetition_penalty);
    for (int64_t id : std::set<int64_t>(history.begin(), history.end())) {
      if (id < 0 || id >= vocab) continue;
      float& l = logits[static_cast<size_t>(id)];
      l = l < 0.0f ? l * pen : l / pen;
    }
  }
  if (c.temperature == 0.0) return argmax(logits);
  const float ninf = -std::numeric_limits<float>::infinity();
  for (float& l : logits) l = static_cast<float>(static_cast<double>(l) / c.temperature);
  if (c.top_k > 0 && c.top_k < vocab) {
    std::vector<float> sorted = logits;
    std::nth_element(sorted.begin(), sorted.begin() + (c.top_k - 1), sorted.end(), std::greater<float>());
    const float kth = sorted[static_cast<size_t>(c.top_k - 1)];
    for (float& l : logits)
      if (l < kth) l = ninf;
  }
  // Probabilities in double, then top-p over the tokens in descending order (ties by id).
  std::vector<int64_t> order(static_cast<size_t>(vocab));
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
    return logits[static_cast<size_t>(a)] > logits[static_cast<size_t>(b)];
  });
  const double top = logits[static_cast<size_t>(order[0])];
  std::vector<double> prob(static_cast<size_t>(vocab));
  double total = 0.0;
  for (size_t i = 0; i < order.size(); ++i) {
    const float l = logits[static_cast<size_t>(order[i])];
    prob[i] = l == ninf ? 0.0 : std::exp(static_cast<double>(l) - top);
    total += prob[i];
  }
  size_t keep = order.size();
  if (c.top_p < 1.0) {
    double cum = 0.0;
    for (size_t i = 0; i < order.size(); ++i) {
      cum += prob[i] / total;
      if (cum >= c.top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  double kept = 0.0;
  for (size_t i = 0; i < keep; ++i) kept += prob[i];
  const Generator::State s = gen.reserve(2);
  const uint64_t bits =
      (static_cast<uint64_t>(philox_word(s.seed, s.offset, 0)) << 21) ^ (philox_word(s.seed, s.offset, 1) >> 11);
  const double u = static_cast<double>(bits & ((uint64_t{1} << 53) - 1)) * 0x1.0p-53 * kept;  // [0, kept)
  double cum = 0.0;
  for (size_t i = 0; i < keep; ++i) {
    cum += prob[i];
    if (u < cum) return order[i];
  }
  return order[keep - 1];
}

std::vector<int64_t> generate(CausalLm& model, const std::vector<int64_t>& prompt, const GenerationConfig& c,
                              const TokenCallback& on_token) {
  check_config(c);
  if (prompt.empty()) throw ValueError(MsgId::gen_empty_prompt, kOp);
  const auto plen = static_cast<int64_t>(prompt.size());
  if (model.max_positions() > 0 && plen + c.max_new_tokens > model.max_positions())
    throw ValueError(MsgId::gen_option_range, kOp, "prompt + max_new_tokens", plen + c.max_new_tokens,
                     "at most " + std::to_string(model.max_positions()) + " (the model's positions)");
  NoGradGuard ng;
  Generator gen(c.seed);
  KvCache cache;
  std::vector<int64_t> seq = prompt, out;
  Tensor logits;
  if (c.max_new_tokens > 0)
    logits = model.forward_ids(ids_tensor(seq.data(), plen), c.use_cache ? &cache : nullptr, Tensor(), true);
  while (static_cast<int64_t>(out.size()) < c.max_new_tokens) {
    std::vector<float> row = last_row(logits);
    const int64_t next = choose_token(row, seq, c, gen);
    seq.push_back(next);
    out.push_back(next);
    const bool go_on = !on_token || on_token(next);
    if (!go_on || std::find(c.stop_tokens.begin(), c.stop_tokens.end(), next) != c.stop_tokens.end()) break;
    if (static_cast<int64_t>(out.size()) == c.max_new_tokens) break;
    if (c.use_cache)
      logits = model.forward_ids(ids_tensor(&next, 1), &cache, Tensor(), true);
    else
      logits = model.forward_ids(ids_tensor(seq.data(), static_cast<int64_t>(seq.size())), nullptr, Tensor(), true);
  }
  return out;
}

}  // namespace hangu::models
