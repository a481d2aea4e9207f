#pragma once
// Adam and AdamW (torch.optim.Adam / AdamW, single-tensor path, with amsgrad and maximize).
#include "hangu/optim/optimizer.h"

namespace hangu::optim {

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0.0;  // AdamW's default is 1e-2: use AdamWOptions
  bool amsgrad = false;
  bool maximize = false;
  Options to_map() const;
};

struct AdamWOptions : AdamOptions {
  AdamWOptions() { weight_decay = 1e-2; }
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Tensor> params, AdamOptions o = {});
  Adam(std::vector<ParamGroup> groups, AdamOptions o = {});
  const char* name() const override { return decoupled_ ? "AdamW" : "Adam"; }

 protected:
  Adam(std::vector<ParamGroup> groups, AdamOptions o, bool decoupled);
  void update(const Tensor& p, const Tensor& grad, const ParamGroup& group, ParamState& state) override;
  void validate(const Options& o) const override;

 private:
  bool decoupled_ = false;  // AdamW: decay the weights instead of adding to the gradient
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Tensor> params, AdamWOptions o = {});
  AdamW(std::vector<ParamGroup> groups, AdamWOptions o = {});
};

}  // namespace hangu::optim
