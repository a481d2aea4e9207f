#include "hangu/optim/scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "hangu/core/error.h"
#include "hangu/io/json.h"

namespace hangu::optim {

namespace {

constexpr double kPi = std::numbers::pi;

int64_t py_mod(int64_t a, int64_t m) { return ((a % m) + m) % m; }

io::Json doubles_json(const std::vector<double>& v) {
  io::Json a = io::Json::array();
  for (double x : v) a.push_back(x);
  return a;
}

std::vector<double> json_doubles(const io::Json* j, const char* who, const char* key, size_t n) {
  if (!j || !j->is_array() || j->size() != n)
    throw ValueError(MsgId::train_state_bad, who, key, "a list of " + std::to_string(n) + " numbers",
                     j ? j->dump() : "(missing)");
  std::vector<double> v;
  for (const auto& x : j->as_array()) v.push_back(x.as_double());
  return v;
}

int64_t json_int(const io::Json& root, const char* who, const char* key) {
  const io::Json* j = root.find(key);
  if (!j || !j->is_int()) throw ValueError(MsgId::train_state_bad, who, key, "an integer", j ? j->dump() : "(missing)");
  return j->as_int();
}

// JSON has no infinity: non-finite numbers travel as strings.
io::Json number_json(double d) {
  if (std::isfinite(d)) return io::Json(d);
  return io::Json(std::isnan(d) ? "nan" : (d > 0 ? "inf" : "-inf"));
}

double json_number(const io::Json* j) {
  if (j && j->is_string()) {
    const std::string& s = j->as_string();
    if (s == "inf") return std::numeric_limits<double>::infinity();
    if (s == "-inf") return -std::numeric_limits<double>::infinity();
    return std::numeric_limits<double>::quiet_NaN();
  }
  if (!j || !j->is_number())
    throw ValueError(MsgId::train_state_bad, "ReduceLROnPlateau::load_state_dict", "best", "a number",
                     j ? j->dump() : "(missing)");
  return j->as_double();
}

}  // namespace

LRScheduler::LRScheduler(Optimizer& opt) : opt_(opt) {
  for (auto& g : opt_.param_groups()) {
    g.options.emplace("initial_lr", g.options.at("lr"));
    base_lrs_.push_back(g.options.at("initial_lr"));
  }
}

void LRScheduler::step() {
  ++step_count_;
  ++last_epoch_;
  std::vector<double> lrs = compute_lr();
  auto& groups = opt_.param_groups();
  for (size_t i = 0; i < groups.size(); ++i) groups[i].options["lr"] = lrs[i];
  last_lr_ = std::move(lrs);
  after_step();
}

std::string LRScheduler::state_dict() const {
  io::Json j = io::Json::object();
  j["last_epoch"] = last_epoch_;
  j["step_count"] = step_count_;
  j["base_lrs"] = doubles_json(base_lrs_);
  j["last_lr"] = doubles_json(last_lr_);
  return j.dump();
}

void LRScheduler::load_state_dict(const std::string& json) {
  const char* who = "LRScheduler::load_state_dict";
  io::Json j = io::Json::parse(json, "scheduler state");
  if (!j.is_object()) throw ValueError(MsgId::train_state_bad, who, "(root)", "a JSON object", j.dump());
  size_t n = opt_.param_groups().size();
  auto base = json_doubles(j.find("base_lrs"), who, "base_lrs", n);
  auto last = json_doubles(j.find("last_lr"), who, "last_lr", n);
  last_epoch_ = json_int(j, who, "last_epoch");
  step_count_ = json_int(j, who, "step_count");
  base_lrs_ = std::move(base);
  last_lr_ = std::move(last);
}

StepLR::StepLR(Optimizer& opt, int64_t step_size, double gamma)
    : LRScheduler(opt), step_size_(step_size), gamma_(gamma) {
  if (step_size < 1) throw ValueError(MsgId::train_bad_option, "StepLR", "step_size", step_size, ">= 1");
  initial_step();
}

std::vector<double> StepLR::compute_lr() {
  std::vector<double> out;
  for (size_t i = 0; i < base_lrs_.size(); ++i) {
    bool keep = last_epoch_ == 0 || last_epoch_ % step_size_ != 0;
    out.push_back(keep ? group_lr(i) : group_lr(i) * gamma_);
  }
  return out;
}

MultiStepLR::MultiStepLR(Optimizer& opt, std::vector<int64_t> milestones, double gamma)
    : LRScheduler(opt), milestones_(std::move(milestones)), gamma_(gamma) {
  initial_step();
}

std::vector<double> MultiStepLR::compute_lr() {
  // Repeated milestones multiply by gamma**count, as PyTorch's Counter.
  int64_t count = std::count(milestones_.begin(), milestones_.end(), last_epoch_);
  std::vector<double> out;
  for (size_t i = 0; i < base_lrs_.size(); ++i)
    out.push_back(count == 0 ? group_lr(i) : group_lr(i) * std::pow(gamma_, static_cast<double>(count)));
  return out;
}

ExponentialLR::ExponentialLR(Optimizer& opt, double gamma) : LRScheduler(opt), gamma_(gamma) { initial_step(); }

std::vector<double> ExponentialLR::compute_lr() {
  std::vector<double> out;
  for (size_t i = 0; i < base_lrs_.size(); ++i) out.push_back(last_epoch_ == 0 ? group_lr(i) : group_lr(i) * gamma_);
  return out;
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& opt, int64_t t_max, double eta_min)
    : LRScheduler(opt), t_max_(t_max), eta_min_(eta_min) {
  if (t_max < 1) throw ValueError(MsgId::train_bad_option, "CosineAnnealingLR", "T_max", t_max, ">= 1");
  initial_step();
}

std::vector<double> CosineAnnealingLR::compute_lr() {
  std::vector<double> out;
  const double t = static_cast<double>(t_max_);
  for (size_t i = 0; i < base_lrs_.size(); ++i) {
    double lr = group_lr(i);
    if (last_epoch_ == 0) {
      out.push_back(lr);
    } else if (py_mod(last_epoch_ - 1 - t_max_, 2 * t_max_) == 0) {
      out.push_back(lr + (base_lrs_[i] - eta_min_) * (1 - std::cos(kPi / t)) / 2);
    } else {
      double e = static_cast<double>(last_epoch_);
      out.push_back((1 + std::cos(kPi * e / t)) / (1 + std::cos(kPi * (e - 1) / t)) * (lr - eta_min_) + eta_min_);
    }
  }
  return out;
}

LambdaLR::LambdaLR(Optimizer& opt, std::function<double(int64_t)> lambda) : LambdaLR(opt, std::move(lambda), false) {}
LambdaLR::LambdaLR(Optimizer& opt, std::function<double(int64_t)> lambda, bool defer_initial_step)
    : LRScheduler(opt), lambda_(std::move(lambda)) {
  if (!defer_initial_step) initial_step();
}

std::vector<double> LambdaLR::compute_lr() {
  std::vector<double> out;
  for (double b : base_lrs_) out.push_back(b * lambda_(last_epoch_));
  return out;
}

WarmupCosine::WarmupCosine(Optimizer& opt, int64_t warmup_steps, int64_t total_steps)
    : LambdaLR(
          opt, [warmup_steps, total_steps](int64_t s) { return factor(s, warmup_steps, total_steps); }, true) {
  if (warmup_steps < 0) throw ValueError(MsgId::train_bad_option, "WarmupCosine", "warmup_steps", warmup_steps, ">= 0");
  if (total_steps < warmup_steps)
    throw ValueError(MsgId::train_bad_option, "WarmupCosine", "total_steps", total_steps, ">= warmup_steps");
  initial_step();
}

double WarmupCosine::factor(int64_t step, int64_t warmup_steps, int64_t total_steps) {
  if (step < warmup_steps) return static_cast<double>(step) / static_cast<double>(std::max<int64_t>(1, warmup_steps));
  double progress =
      static_cast<double>(step - warmup_steps) / static_cast<double>(std::max<int64_t>(1, total_steps - warmup_steps));
  return std::max(0.0, 0.5 * (1.0 + std::cos(kPi * 0.5 * 2.0 * progress)));
}

OneCycleLR::OneCycleLR(Optimizer& opt, double max_lr, int64_t total_steps, OneCycleOptions o)
    : LRScheduler(opt), max_lr_(max_lr), total_steps_(total_steps), o_(o) {
  if (total_steps < 1) throw ValueError(MsgId::train_bad_option, "OneCycleLR", "total_steps", total_steps, ">= 1");
  if (o.pct_start < 0 || o.pct_start > 1)
    throw ValueError(MsgId::train_bad_option, "OneCycleLR", "pct_start", o.pct_start, "0 <= pct_start <= 1");
  base_lrs_.clear();
  for (auto& g : opt_.param_groups()) {
    g.options["initial_lr"] = max_lr / o.div_factor;
    base_lrs_.push_back(max_lr / o.div_factor);
  }
  if (o.cycle_momentum) {
    if (opt_.defaults().count("beta1"))
      momentum_key_ = "beta1";
    else if (opt_.defaults().count("momentum"))
      momentum_key_ = "momentum";
    else
      throw ValueError(MsgId::train_bad_option, "OneCycleLR", "cycle_momentum", 1,
                       "an optimizer with momentum or betas");
    for (auto& g : opt_.param_groups()) g.options[momentum_key_] = o.max_momentum;
  }
  initial_step();
}

std::vector<double> OneCycleLR::compute_lr() {
  if (last_epoch_ > total_steps_)
    throw ValueError(MsgId::train_bad_option, "OneCycleLR", "step", last_epoch_,
                     "at most total_steps = " + std::to_string(total_steps_));
  auto anneal = [](double start, double end, double pct) {
    return end + (start - end) / 2.0 * (std::cos(kPi * pct) + 1);
  };
  const double initial = max_lr_ / o_.div_factor, min_lr = initial / o_.final_div_factor;
  struct Phase {
    double end_step, start_lr, end_lr, start_m, end_m;
  };
  const Phase phases[2] = {
      {o_.pct_start * static_cast<double>(total_steps_) - 1, initial, max_lr_, o_.max_momentum, o_.base_momentum},
      {static_cast<double>(total_steps_ - 1), max_lr_, min_lr, o_.base_momentum, o_.max_momentum}};
  const double step = static_cast<double>(last_epoch_);
  double lr = 0, mom = 0, start_step = 0;
  for (int i = 0; i < 2; ++i) {
    if (step <= phases[i].end_step || i == 1) {
      double pct = (step - start_step) / (phases[i].end_step - start_step);
      lr = anneal(phases[i].start_lr, phases[i].end_lr, pct);
      mom = anneal(phases[i].start_m, phases[i].end_m, pct);
      break;
    }
    start_step = phases[i].end_step;
  }
  if (o_.cycle_momentum)
    for (auto& g : opt_.param_groups()) g.options[momentum_key_] = mom;
  return std::vector<double>(base_lrs_.size(), lr);
}

ReduceLROnPlateau::ReduceLROnPlateau(Optimizer& opt, PlateauOptions o) : opt_(opt), o_(o) {
  if (o.factor >= 1.0) throw ValueError(MsgId::train_bad_option, "ReduceLROnPlateau", "factor", o.factor, "< 1.0");
  best_ = o.mode_max ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
}

bool ReduceLROnPlateau::is_better(double a) const {
  if (!o_.mode_max) return o_.threshold_rel ? a < best_ * (1.0 - o_.threshold) : a < best_ - o_.threshold;
  return o_.threshold_rel ? a > best_ * (o_.threshold + 1.0) : a > best_ + o_.threshold;
}

void ReduceLROnPlateau::step(double metric) {
  last_epoch_ += 1;
  if (is_better(metric)) {
    best_ = metric;
    num_bad_epochs_ = 0;
  } else {
    num_bad_epochs_ += 1;
  }
  if (cooldown_counter_ > 0) {
    cooldown_counter_ -= 1;
    num_bad_epochs_ = 0;
  }
  if (num_bad_epochs_ > o_.patience) {
    for (auto& g : opt_.param_groups()) {
      double old_lr = g.options.at("lr");
      double new_lr = std::max(old_lr * o_.factor, o_.min_lr);
      if (old_lr - new_lr > o_.eps) g.options["lr"] = new_lr;
    }
    cooldown_counter_ = o_.cooldown;
    num_bad_epochs_ = 0;
  }
}

std::vector<double> ReduceLROnPlateau::get_last_lr() const {
  std::vector<double> out;
  for (const auto& g : opt_.param_groups()) out.push_back(g.options.at("lr"));
  return out;
}

std::string ReduceLROnPlateau::state_dict() const {
  io::Json j = io::Json::object();
  j["best"] = number_json(best_);
  j["num_bad_epochs"] = num_bad_epochs_;
  j["cooldown_counter"] = cooldown_counter_;
  j["last_epoch"] = last_epoch_;
  return j.dump();
}

void ReduceLROnPlateau::load_state_dict(const std::string& json) {
  const char* who = "ReduceLROnPlateau::load_state_dict";
  io::Json j = io::Json::parse(json, "scheduler state");
  if (!j.is_object()) throw ValueError(MsgId::train_state_bad, who, "(root)", "a JSON object", j.dump());
  double best = json_number(j.find("best"));
  int64_t bad = json_int(j, who, "num_bad_epochs"), cool = json_int(j, who, "cooldown_counter");
  int64_t last = json_int(j, who, "last_epoch");
  best_ = best;
  num_bad_epochs_ = bad;
  cooldown_counter_ = cool;
  last_epoch_ = last;
}

}  // namespace hangu::optim
