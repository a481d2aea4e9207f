#pragma once
// Loss modules wrapping the functional losses. Call them as loss(input, target).
#include <string>

#include "hangu/nn/module.h"
#include "hangu/ops/nn_functional.h"

namespace hangu::nn {

// The base of the losses: forward(input, target); the one-tensor forward is undefined.
class Loss : public Module {
 public:
  Loss(const char* type_name, Reduction reduction) : Module(type_name), reduction(reduction) {}
  using Module::forward;
  using Module::operator();
  virtual Tensor forward(const Tensor& input, const Tensor& target) = 0;
  Tensor operator()(const Tensor& input, const Tensor& target) { return forward(input, target); }
  Reduction reduction;
};

class CrossEntropyLoss : public Loss {
 public:
  // weight: per-class rescaling [C] (registered as a buffer, as PyTorch), or undefined.
  explicit CrossEntropyLoss(const Tensor& weight = Tensor(), int64_t ignore_index = -100,
                            Reduction reduction = Reduction::mean, double label_smoothing = 0.0);
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight;
  int64_t ignore_index;
  double label_smoothing;
};

class NLLLoss : public Loss {
 public:
  explicit NLLLoss(const Tensor& weight = Tensor(), int64_t ignore_index = -100, Reduction reduction = Reduction::mean);
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight;
  int64_t ignore_index;
};

class MSELoss : public Loss {
 public:
  explicit MSELoss(Reduction reduction = Reduction::mean) : Loss("MSELoss", reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class L1Loss : public Loss {
 public:
  explicit L1Loss(Reduction reduction = Reduction::mean) : Loss("L1Loss", reduction) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
};

class SmoothL1Loss : public Loss {
 public:
  explicit SmoothL1Loss(Reduction reduction = Reduction::mean, double beta = 1.0)
      : Loss("SmoothL1Loss", reduction), beta(beta) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  double beta;
};

class HuberLoss : public Loss {
 public:
  explicit HuberLoss(Reduction reduction = Reduction::mean, double delta = 1.0)
      : Loss("HuberLoss", reduction), delta(delta) {}
  Tensor forward(const Tensor& input, const Tensor& target) override;
  double delta;
};

class BCELoss : public Loss {
 public:
  explicit BCELoss(const Tensor& weight = Tensor(), Reduction reduction = Reduction::mean);
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight;
};

class BCEWithLogitsLoss : public Loss {
 public:
  explicit BCEWithLogitsLoss(const Tensor& weight = Tensor(), Reduction reduction = Reduction::mean,
                             const Tensor& pos_weight = Tensor());
  Tensor forward(const Tensor& input, const Tensor& target) override;
  Tensor weight, pos_weight;
};

class KLDivLoss : public Loss {
 public:
  // reduction "none", "mean", "sum" or "batchmean".
  explicit KLDivLoss(const std::string& reduction = "mean", bool log_target = false);
  Tensor forward(const Tensor& input, const Tensor& target) override;
  std::string reduction_name;
  bool log_target;
};

}  // namespace hangu::nn
