#include "hangu/nn/dropout.h"

#include "hangu/ops/nn_functional.h"

namespace hangu::nn {

Dropout::Dropout(double prob, Generator* gen) : Module("Dropout"), p(prob), generator(gen) {
  if (!(p >= 0.0 && p <= 1.0)) throw ValueError(MsgId::value_out_of_range, "Dropout", "p", "[0, 1]", msg_arg(p));
}

Tensor Dropout::forward(const Tensor& input) { return dropout(input, p, is_training(), generator); }

}  // namespace hangu::nn
