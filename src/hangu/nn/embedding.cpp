#include "hangu/nn/embedding.h"

#include "hangu/core/autograd_meta.h"
#include "hangu/nn/init.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/views.h"

namespace hangu::nn {

Embedding::Embedding(int64_t n, int64_t dim, std::optional<int64_t> pad)
    : Module("Embedding"), num_embeddings(n), embedding_dim(dim) {
  if (n < 0) throw ValueError(MsgId::arg_invalid, "Embedding", "num_embeddings", n);
  if (dim < 0) throw ValueError(MsgId::arg_invalid, "Embedding", "embedding_dim", dim);
  if (pad) {
    if (*pad >= n || *pad < -n)
      throw ValueError(MsgId::value_out_of_range, "Embedding", "padding_idx",
                       "[" + std::to_string(-n) + ", " + std::to_string(n) + ")", *pad);
    padding_idx = *pad < 0 ? *pad + n : *pad;
  }
  weight = register_parameter("weight", empty({n, dim}));
  init::normal_(weight);
  if (padding_idx) {
    NoGradGuard guard;
    zero_(select(weight, 0, *padding_idx));
  }
}

Tensor Embedding::forward(const Tensor& indices) { return embedding(weight, indices, padding_idx.value_or(-1)); }

std::string Embedding::extra_repr() const {
  std::string s = std::to_string(num_embeddings) + ", " + std::to_string(embedding_dim);
  if (padding_idx) s += ", padding_idx=" + std::to_string(*padding_idx);
  return s;
}

}  // namespace hangu::nn
