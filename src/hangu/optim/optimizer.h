#pragma once
// The optimizer base: parameter groups with named scalar options, per-parameter state tensors,
// step(), zero_grad() and a state dict that a checkpoint can store (tensors + JSON).
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu::optim {

// Scalar options of a group by PyTorch name ("lr", "momentum", "weight_decay", ...); booleans are
// stored as 0/1 and Adam's betas as "beta1"/"beta2".
using Options = std::map<std::string, double>;
using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct ParamGroup {
  std::vector<Tensor> params;
  Options options;  // a group's own options override the optimizer's defaults
  double get(const std::string& key) const;
  bool flag(const std::string& key) const { return get(key) != 0.0; }
};

// Per-parameter state tensors are named "state.<i>.<key>", i numbering the parameters over all
// groups in order (as PyTorch's state_dict); `json` holds the optimizer type and group options.
struct OptimizerState {
  NamedTensors tensors;
  std::string json;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  Optimizer(const Optimizer&) = delete;
  Optimizer& operator=(const Optimizer&) = delete;

  // Updates every parameter that has a gradient, in place, without recording autograd.
  void step();
  void zero_grad(bool set_to_none = true);
  void add_param_group(ParamGroup group);

  std::vector<ParamGroup>& param_groups() { return groups_; }
  const std::vector<ParamGroup>& param_groups() const { return groups_; }
  const Options& defaults() const { return defaults_; }
  virtual const char* name() const = 0;

  OptimizerState state_dict() const;
  // Restores options and state; the groups must hold the same number of parameters with the
  // same shapes. Throws ValueError naming the mismatching entry.
  void load_state_dict(const OptimizerState& s);

 protected:
  using ParamState = std::map<std::string, Tensor>;  // empty until the parameter's first step
  // Derived constructors add their groups (add_param_group needs the final name() and validate()).
  explicit Optimizer(Options defaults) : defaults_(std::move(defaults)) {}
  void add_param_groups(std::vector<ParamGroup> groups) {
    for (auto& g : groups) add_param_group(std::move(g));
  }
  // `p` and `grad` are contiguous with the same shape and dtype (f32 or f64).
  virtual void update(const Tensor& p, const Tensor& grad, const ParamGroup& group, ParamState& state) = 0;
  // Checks an option value when a group is added (throws ValueError).
  virtual void validate(const Options& o) const;

 private:
  Options defaults_;
  std::vector<ParamGroup> groups_;
  std::vector<std::vector<ParamState>> state_;  // [group][param]
};

}  // namespace hangu::optim
