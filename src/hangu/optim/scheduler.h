#pragma once
// Learning-rate schedulers with PyTorch 1.13's (chainable) formulas. Construction performs the
// initial step, so the optimizer's lr is the epoch-0 value afterwards, as in PyTorch. To resume,
// construct the optimizer and the scheduler, then load both state dicts.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "hangu/optim/optimizer.h"

namespace hangu::optim {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  void step();
  const std::vector<double>& get_last_lr() const { return last_lr_; }
  int64_t last_epoch() const { return last_epoch_; }
  // JSON of the counters and base lrs; load restores them and the optimizer's lrs.
  std::string state_dict() const;
  void load_state_dict(const std::string& json);

 protected:
  explicit LRScheduler(Optimizer& opt);
  void initial_step() { step(); }  // call at the end of a derived constructor
  virtual std::vector<double> compute_lr() = 0;
  virtual void after_step() {}
  double group_lr(size_t i) const { return opt_.param_groups()[i].options.at("lr"); }

  Optimizer& opt_;
  std::vector<double> base_lrs_;
  int64_t last_epoch_ = -1;
  int64_t step_count_ = 0;
  std::vector<double> last_lr_;
};

class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& opt, int64_t step_size, double gamma = 0.1);

 protected:
  std::vector<double> compute_lr() override;

 private:
  int64_t step_size_;
  double gamma_;
};

class MultiStepLR : public LRScheduler {
 public:
  MultiStepLR(Optimizer& opt, std::vector<int64_t> milestones, double gamma = 0.1);

 protected:
  std::vector<double> compute_lr() override;

 private:
  std::vector<int64_t> milestones_;
  double gamma_;
};

class ExponentialLR : public LRScheduler {
 public:
  ExponentialLR(Optimizer& opt, double gamma);

 protected:
  std::vector<double> compute_lr() override;

 private:
  double gamma_;
};

class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& opt, int64_t t_max, double eta_min = 0.0);

 protected:
  std::vector<double> compute_lr() override;

 private:
  int64_t t_max_;
  double eta_min_;
};

// lr = base_lr * lambda(epoch) (torch.optim.lr_scheduler.LambdaLR).
class LambdaLR : public LRScheduler {
 public:
  LambdaLR(Optimizer& opt, std::function<double(int64_t)> lambda);

 protected:
  LambdaLR(Optimizer& opt, std::function<double(int64_t)> lambda, bool defer_initial_step);
  std::vector<double> compute_lr() override;

 private:
  std::function<double(int64_t)> lambda_;
};

// Linear warm-up from 0 over `warmup_steps`, then cosine decay to 0 at `total_steps`
// (LambdaLR with the factor of transformers' get_cosine_schedule_with_warmup).
class WarmupCosine : public LambdaLR {
 public:
  WarmupCosine(Optimizer& opt, int64_t warmup_steps, int64_t total_steps);
  static double factor(int64_t step, int64_t warmup_steps, int64_t total_steps);
};

// torch.optim.lr_scheduler.OneCycleLR, two phases, cosine annealing; cycles "momentum" (SGD,
// RMSprop) or "beta1" (Adam) between base_momentum and max_momentum.
struct OneCycleOptions {
  double pct_start = 0.3;
  bool cycle_momentum = true;
  double base_momentum = 0.85;
  double max_momentum = 0.95;
  double div_factor = 25.0;
  double final_div_factor = 1e4;
};

class OneCycleLR : public LRScheduler {
 public:
  OneCycleLR(Optimizer& opt, double max_lr, int64_t total_steps, OneCycleOptions o = {});

 protected:
  std::vector<double> compute_lr() override;

 private:
  double max_lr_;
  int64_t total_steps_;
  OneCycleOptions o_;
  std::string momentum_key_;
};

// torch.optim.lr_scheduler.ReduceLROnPlateau (not chainable: step takes the metric).
struct PlateauOptions {
  bool mode_max = false;  // "min" (false) or "max"
  double factor = 0.1;
  int64_t patience = 10;
  double threshold = 1e-4;
  bool threshold_rel = true;  // "rel" (true) or "abs"
  int64_t cooldown = 0;
  double min_lr = 0.0;
  double eps = 1e-8;
};

class ReduceLROnPlateau {
 public:
  ReduceLROnPlateau(Optimizer& opt, PlateauOptions o = {});
  void step(double metric);
  std::vector<double> get_last_lr() const;
  std::string state_dict() const;
  void load_state_dict(const std::string& json);
  int64_t num_bad_epochs() const { return num_bad_epochs_; }

 private:
  bool is_better(double a) const;
  Optimizer& opt_;
  PlateauOptions o_;
  double best_;
  int64_t num_bad_epochs_ = 0;
  int64_t cooldown_counter_ = 0;
  int64_t last_epoch_ = 0;
};

}  // namespace hangu::optim
