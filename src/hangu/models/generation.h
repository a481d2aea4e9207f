#pragma once
// Text generation with a causal language model: the prompt runs once through the model into a
// KV cache, then one token per step. Each step's logits go through, in Hugging Face's order:
// repetition penalty, then greedy argmax (temperature 0) or temperature, top-k, top-p and a draw
// from a seeded Philox stream, so the same seed gives the same tokens on any thread count.
#include <cstdint>
#include <functional>
#include <vector>

#include "hangu/core/rng.h"
#include "hangu/models/causal_lm.h"

namespace hangu::models {

struct GenerationConfig {
  int64_t max_new_tokens = 32;
  double temperature = 0.0;         // 0: greedy; otherwise > 0
  int64_t top_k = 0;                // 0: off; keeps the k largest logits (ties at the k-th kept)
  double top_p = 1.0;               // (0, 1]: the smallest set of tokens whose probability reaches p
  double repetition_penalty = 1.0;  // >= 1 (CTRL): seen tokens' logits / p when positive, * p when negative
  uint64_t seed = kDefaultSeed;
  std::vector<int64_t> stop_tokens;  // generation ends after emitting one of these
  bool use_cache = true;             // false: recompute the whole sequence every step (for tests)
};

// Called with each new token as soon as it is chosen; returning false stops generation.
using TokenCallback = std::function<bool(int64_t token)>;

// The new token ids (not the prompt). Throws ValueError for an empty prompt, an option out of
// range, or a prompt + max_new_tokens beyond the model's positions.
std::vector<int64_t> generate(CausalLm& model, const std::vector<int64_t>& prompt, const GenerationConfig& config,
                              const TokenCallback& on_token = {});

// One sampling step on a row of logits (modified in place); `history` is the sequence so far.
// Exposed for tests.
int64_t choose_token(std::vector<float>& logits, const std::vector<int64_t>& history, const GenerationConfig& config,
                     Generator& gen);

}  // namespace hangu::models
