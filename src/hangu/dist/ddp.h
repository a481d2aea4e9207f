#pragma once
// DistributedDataParallel: the same model on every rank, each rank backpropagating its own shard
// of the batch, gradients averaged across ranks before the optimizer step (issue 9).
//
// Construction broadcasts rank 0's parameters and buffers. Parameters are grouped, in the reverse
// of registration order (roughly the order backward produces their gradients), into buckets of at
// most `bucket_bytes`; a hook on each parameter copies its gradient into its bucket, and a bucket
// whose gradients have all arrived starts its reduction at once (nonblocking), while backward goes
// on with the earlier layers. finish_gradient_sync() starts what is left, waits (under the dist
// watchdog) and writes the averages into every parameter's .grad; call it after backward, before
// optimizer.step(). Buffers (BatchNorm statistics) stay local to each rank.
//
// Like PyTorch's DDP, a parameter's .grad before backward (zero or none after zero_grad) is
// included in what is averaged. A parameter used twice in one forward may receive its second
// gradient after its bucket started; that is detected, and every bucket is then reduced again from
// the final .grad, so the result is right, only slower.
#include <cstdint>
#include <memory>

#include "hangu/nn/module.h"

namespace hangu::dist {

struct DdpOptions {
  int64_t bucket_bytes = int64_t{25} << 20;  // a parameter larger than this gets a bucket of its own
  bool overlap = true;                       // false: every bucket starts in finish_gradient_sync (for measuring)
  bool deterministic = true;                 // allgather + sum in rank order (see all_reduce); false: MPI_Iallreduce
};

// Options from the environment, for the CLI: HANGU_DDP_BUCKET_KB, HANGU_DDP_OVERLAP=0|1,
// HANGU_DDP_REDUCE=allgather|allreduce. Throws ValueError on a bad value.
DdpOptions ddp_options_from_env();

struct DdpStats {
  int64_t syncs = 0;                  // finish_gradient_sync calls
  double wait_seconds = 0.0;          // spent inside finish_gradient_sync (communication not hidden)
  int64_t buckets_started_early = 0;  // started from a hook, during backward
  int64_t late_gradients = 0;         // syncs that had to reduce again (see above)
};

class DistributedDataParallel {
 public:
  explicit DistributedDataParallel(std::shared_ptr<nn::Module> module, DdpOptions options = {});
  ~DistributedDataParallel();
  DistributedDataParallel(const DistributedDataParallel&) = delete;
  DistributedDataParallel& operator=(const DistributedDataParallel&) = delete;

  Tensor operator()(const Tensor& input) { return (*module_)(input); }
  nn::Module& module() { return *module_; }
  void finish_gradient_sync();
  int64_t num_buckets() const;
  const DdpStats& stats() const;

 private:
  struct State;
  std::shared_ptr<nn::Module> module_;
  std::shared_ptr<State> s_;  // the hooks hold it weakly: they do nothing once this is destroyed
};

}  // namespace hangu::dist
