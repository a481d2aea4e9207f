#pragma once
// The training loop behind `hangu train`: model, optimizer, optional cosine schedule, MNIST
// loaders, mean cross-entropy, evaluation and checkpoints. Resuming restores the weights, the
// optimizer and scheduler state, the default generator and the data position (epoch, batch), and
// the batch order is a pure function of (seed, epoch), so a run split across processes computes
// exactly what one run computes.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "hangu/cli/train_config.h"
#include "hangu/data/dataloader.h"
#include "hangu/data/dataset.h"
#include "hangu/data/random_shift.h"
#include "hangu/dist/ddp.h"
#include "hangu/io/checkpoint.h"
#include "hangu/nn/module.h"
#include "hangu/optim/ema.h"
#include "hangu/optim/optimizer.h"
#include "hangu/optim/scheduler.h"

namespace hangu::cli {

struct EvalResult {
  int64_t correct = 0;
  int64_t total = 0;
  double accuracy() const { return total ? static_cast<double>(correct) / static_cast<double>(total) : 0.0; }
};

// Accuracy of `model` (put in eval mode) on `dataset`, in file order, without gradients.
EvalResult evaluate(nn::Module& model, std::shared_ptr<const data::Dataset> dataset, int64_t batch_size);

// Runs `fn`, turning an IoError (a missing or unreadable input the user named) into a ValueError
// with the same message, so that it exits 2 like any other bad input.
void as_bad_input(const std::function<void()>& fn);

struct StepInfo {
  int64_t epoch = 0;           // 0-based
  int64_t batch = 0;           // batches done in this epoch
  int64_t num_batches = 0;     // per epoch
  int64_t global_step = 0;     // optimizer steps since the start of training
  int64_t planned_steps = -1;  // where training will stop; -1 when unknown
  double loss = 0.0;           // of this batch
  double samples_per_second = 0.0;
  double eta_seconds = -1.0;
};

struct EpochInfo {
  int64_t epoch = 0;      // 0-based
  bool complete = false;  // false when --steps stopped it early
  int64_t batch = 0;      // batches done in this epoch
  int64_t global_step = 0;
  double mean_loss = 0.0;  // over the samples of this epoch seen by this process
  double samples_per_second = 0.0;
  double seconds = 0.0;
  EvalResult test;  // filled only when the trainer was asked to evaluate every epoch
};

struct TrainResult {
  int64_t epochs_completed = 0;
  int64_t global_step = 0;
  int64_t steps_run = 0;  // by this process
  int64_t samples_run = 0;
  double train_loss = 0.0;  // mean over the last epoch run by this process
  double train_seconds = 0.0;
  int ranks = 1;                  // data-parallel processes (mpirun -np)
  double sync_wait_seconds = 0.0;  // spent waiting for gradient averaging (not hidden by backward)
};

class Trainer {
 public:
  // Builds everything and applies --init or --resume; throws (ValueError / FormatError) on bad input.
  explicit Trainer(TrainConfig config);
  // Trains on datasets the caller built (image folders: train and validation) with models made
  // by `make_model` (it is called with the default generator seeded, once more with --ema).
  using ModelFactory = std::function<std::shared_ptr<nn::Module>()>;
  Trainer(TrainConfig config, std::shared_ptr<const data::Dataset> train, std::shared_ptr<const data::Dataset> test,
          ModelFactory make_model);

  using StepFn = std::function<void(const StepInfo&)>;
  using EpochFn = std::function<void(const EpochInfo&)>;
  // Trains until the --epochs / --steps limits. With `eval_each_epoch`, each finished epoch is
  // evaluated on the test set before on_epoch is called.
  TrainResult run(const StepFn& on_step, const EpochFn& on_epoch, bool eval_each_epoch);
  EvalResult evaluate_test();
  // Writes DIR/model.safetensors and DIR/checkpoint.safetensors (each atomically). With several
  // ranks, every rank calls it: rank 0 writes, between two barriers.
  void save(const std::string& dir);

  const TrainConfig& config() const { return c_; }
  int64_t train_size() const { return train_->size(); }
  int64_t test_size() const { return test_->size(); }
  int64_t num_batches() const { return loader_->num_batches(); }
  int64_t epoch() const { return epoch_; }
  int64_t batch_in_epoch() const { return batch_; }
  int64_t global_step() const { return global_step_; }
  bool resumed() const { return resumed_; }
  // Gradient buckets of the data-parallel wrapper (0 with one rank).
  int64_t sync_buckets() const { return ddp_ ? ddp_->num_buckets() : 0; }
  // BatchNorm layers converted by --sync-bn (0 in a world of one).
  int64_t sync_bn_layers() const { return sync_bn_layers_; }
  // The step where training stops, or -1 when neither limit bounds it.
  int64_t planned_steps() const;
  bool finished() const;
  // The model that is evaluated and saved: the averaged one with --ema.
  nn::Module& final_model();

 private:
  void resume_from(const io::Checkpoint& ckpt, const std::string& path);
  void build_optimizer();
  void write_files(const std::string& dir);

  TrainConfig c_;
  std::shared_ptr<nn::Module> model_;
  std::unique_ptr<optim::Optimizer> opt_;
  std::unique_ptr<optim::LRScheduler> sched_;
  std::unique_ptr<optim::EMA> ema_;
  std::shared_ptr<nn::Module> ema_model_;  // holds the averaged weights for evaluation and saving
  std::shared_ptr<const data::Dataset> train_, test_;
  std::shared_ptr<data::RandomShift> shifted_;  // train_ itself when --shift is on (MNIST)
  ModelFactory make_model_;  // null: models::create(c_.model)
  std::unique_ptr<data::DataLoader> loader_;
  int64_t epoch_ = 0;
  int64_t batch_ = 0;
  int64_t global_step_ = 0;
  bool resumed_ = false;
  int64_t t_max_ = 0;  // period of the cosine schedule, in steps
  // With more than one rank (mpirun): gradient averaging; the loader reads this rank's shard.
  std::unique_ptr<dist::DistributedDataParallel> ddp_;
  int64_t sync_bn_layers_ = 0;
};

}  // namespace hangu::cli
