#pragma once
// Embedding: a lookup table weight [num_embeddings, embedding_dim], initialised N(0, 1) with the
// padding_idx row zeroed (and given no gradient).
#include <optional>

#include "hangu/nn/module.h"

namespace hangu::nn {

class Embedding : public Module {
 public:
  // A negative padding_idx counts from the end, as PyTorch.
  Embedding(int64_t num_embeddings, int64_t embedding_dim, std::optional<int64_t> padding_idx = std::nullopt);
  Tensor forward(const Tensor& indices) override;
  std::string extra_repr() const override;
  int64_t num_embeddings, embedding_dim;
  std::optional<int64_t> padding_idx;  // normalised to [0, num_embeddings)
  Tensor weight;
};

}  // namespace hangu::nn
