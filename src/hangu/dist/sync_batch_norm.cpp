#include "hangu/dist/sync_batch_norm.h"

#include <memory>
#include <vector>

#include "hangu/dist/dist.h"
#include "hangu/nn/normalization.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"

namespace hangu::dist {

namespace {

class MpiBatchNormSync final : public nn::BatchNormSync {
 public:
  Tensor all_reduce_sum(const Tensor& t) override { return all_reduce_sum_differentiable(t); }
};

}  // namespace

Tensor all_reduce_sum_differentiable(const Tensor& t) {
  ops::GradRecorder rec("dist_all_reduce_sum", {t});
  Tensor out = clone(t);  // contiguous, and never an alias of `t`
  all_reduce(out, ReduceOp::sum);
  if (rec.active())
    rec.record({out}, [](const std::vector<Tensor>& g) {
      // y = sum_r x_r on every rank, so dL/dx_k = sum_r dL/dy_r: the same sum, backwards.
      return std::vector<Tensor>{all_reduce_sum_differentiable(g[0])};
    });
  return out;
}

int64_t convert_sync_batchnorm(nn::Module& module) {
  auto sync = std::make_shared<MpiBatchNormSync>();
  int64_t n = 0;
  for (auto& [name, m] : module.named_modules())
    if (auto* bn = dynamic_cast<nn::BatchNorm*>(m.get())) {
      bn->set_sync(sync);
      ++n;
    }
  return n;
}

}  // namespace hangu::dist
