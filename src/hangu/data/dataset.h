#pragma once
// Datasets: indexable collections of (data, target) examples, and deterministic splitting.
#include <cstdint>
#include <memory>
#include <vector>

#include "hangu/core/tensor.h"

namespace hangu::data {

struct Example {
  Tensor data;
  Tensor target;  // may be undefined for unlabelled data
};

// get() must be safe to call from several threads at once (DataLoader workers do).
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual int64_t size() const = 0;
  virtual Example get(int64_t index) const = 0;

 protected:
  void check_index(int64_t index, const char* who) const;
};

// Rows of `data` and `targets` along dim 0 (views, no copies), like torch's TensorDataset.
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor data, Tensor targets);
  int64_t size() const override { return data_.size(0); }
  Example get(int64_t index) const override;
  const Tensor& data() const { return data_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor data_, targets_;
};

class Subset : public Dataset {
 public:
  Subset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices);
  int64_t size() const override { return static_cast<int64_t>(indices_.size()); }
  Example get(int64_t index) const override;
  const std::vector<int64_t>& indices() const { return indices_; }

 private:
  std::shared_ptr<const Dataset> base_;
  std::vector<int64_t> indices_;
};

// A permutation of 0..n-1 that is a pure function of (seed, stream): Fisher-Yates driven by the
// Philox stream keyed by `seed` starting at counter stream * 2^40 (core/rng.h).
std::vector<int64_t> random_permutation(int64_t n, uint64_t seed, uint64_t stream = 0);

// Splits `base` into subsets of the given lengths (summing to its size) after a permutation
// drawn from `seed`, like torch.utils.data.random_split (but with Philox, not torch's generator).
std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> base,
                                                  const std::vector<int64_t>& lengths, uint64_t seed);

}  // namespace hangu::data
