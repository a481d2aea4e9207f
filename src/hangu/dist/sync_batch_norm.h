#pragma once
// SyncBatchNorm (issue 9): BatchNorm whose training statistics are those of the global batch,
// the union of every rank's shard, rather than of the rank's own shard. With it, N ranks at
// global batch B train like one process at batch B also for models with BatchNorm; without it
// (the default, as in PyTorch) each rank normalises by its own B/N samples and keeps its own
// running statistics.
#include <cstdint>

#include "hangu/core/tensor.h"
#include "hangu/nn/module.h"

namespace hangu::dist {

// The sum of `t` over every rank as a differentiable op (world of one: a copy). The gradient of
// each rank's `t` is the sum over ranks of the result's gradient, itself computed by this op, so
// higher derivatives work too. Every rank calls it in the same order (forward and backward).
Tensor all_reduce_sum_differentiable(const Tensor& t);

// Makes every BatchNorm1d/2d in `module` (itself included) synchronise its training statistics
// across ranks, like PyTorch's nn.SyncBatchNorm.convert_sync_batchnorm; parameters, buffers and
// names are unchanged. Returns the number of layers converted. Call it on every rank.
int64_t convert_sync_batchnorm(nn::Module& module);

}  // namespace hangu::dist
