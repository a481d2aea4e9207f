#pragma once
// Normalisation layers: BatchNorm1d/2d, LayerNorm, GroupNorm, RMSNorm, with PyTorch's parameter
// and buffer names (weight, bias, running_mean, running_var, num_batches_tracked).
#include <optional>
#include <vector>

#include "hangu/nn/module.h"

namespace hangu::nn {

// BatchNorm1d and BatchNorm2d differ only in the input ranks they accept.
// How a BatchNorm combines its batch statistics across replicas (SyncBatchNorm). The dist layer
// implements it over MPI (dist::convert_sync_batchnorm); nn knows only this interface.
class BatchNormSync {
 public:
  virtual ~BatchNormSync() = default;
  // The elementwise sum of `t` over every replica, differentiable: the gradient reaching each
  // replica's `t` is the sum of every replica's gradient of the result. Every replica calls it
  // in the same order with the same shape.
  virtual Tensor all_reduce_sum(const Tensor& t) = 0;
};

class BatchNorm : public Module {
 public:
  // momentum nullopt: a cumulative moving average (factor 1 / num_batches_tracked), as PyTorch.
  BatchNorm(const char* type_name, int64_t num_features, double eps, std::optional<double> momentum, bool affine,
            bool track_running_stats);
  // Training (or no running stats): batch statistics, and the running stats are updated.
  // Eval: the running stats.
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  void reset_running_stats();
  // With a sync, training statistics (mean, biased variance, and the running-stat update) are
  // those of the union of every replica's batch; null (the default): this batch only. Eval with
  // running stats is unchanged.
  void set_sync(std::shared_ptr<BatchNormSync> sync) { sync_ = std::move(sync); }
  bool synced() const { return sync_ != nullptr; }

  int64_t num_features;
  double eps;
  std::optional<double> momentum;
  bool affine, track_running_stats;
  Tensor weight, bias;                                    // [C] when affine
  Tensor running_mean, running_var, num_batches_tracked;  // [C], [C], int64 0-d

 protected:
  virtual void check_input(const Tensor& input) const = 0;

 private:
  Tensor forward_synced(const Tensor& input, double factor);
  std::shared_ptr<BatchNormSync> sync_;
};

class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                       bool affine = true, bool track_running_stats = true)
      : BatchNorm("BatchNorm1d", num_features, eps, momentum, affine, track_running_stats) {}

 protected:
  void check_input(const Tensor& input) const override;  // (N, C) or (N, C, L)
};

class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(int64_t num_features, double eps = 1e-5, std::optional<double> momentum = 0.1,
                       bool affine = true, bool track_running_stats = true)
      : BatchNorm("BatchNorm2d", num_features, eps, momentum, affine, track_running_stats) {}

 protected:
  void check_input(const Tensor& input) const override;  // (N, C, H, W)
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(std::vector<int64_t> normalized_shape, double eps = 1e-5, bool elementwise_affine = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::vector<int64_t> normalized_shape;
  double eps;
  Tensor weight, bias;  // normalized_shape, when elementwise_affine
};

class GroupNorm : public Module {
 public:
  GroupNorm(int64_t num_groups, int64_t num_channels, double eps = 1e-5, bool affine = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  int64_t num_groups, num_channels;
  double eps;
  Tensor weight, bias;  // [C], when affine
};

class RMSNorm : public Module {
 public:
  // eps nullopt: the machine epsilon of the input's dtype, as PyTorch.
  explicit RMSNorm(std::vector<int64_t> normalized_shape, std::optional<double> eps = std::nullopt,
                   bool elementwise_affine = true);
  Tensor forward(const Tensor& input) override;
  std::string extra_repr() const override;
  std::vector<int64_t> normalized_shape;
  std::optional<double> eps;
  Tensor weight;  // normalized_shape, when elementwise_affine
};

}  // namespace hangu::nn
