#include "hangu/data/dataset.h"

#include <numeric>

#include "hangu/core/error.h"
#include "hangu/core/rng.h"

namespace hangu::data {

namespace {

// Row `i` of `t` along dim 0, as a view.
Tensor row(const Tensor& t, int64_t i) {
  Shape shape(t.shape().begin() + 1, t.shape().end());
  Strides strides(t.strides().begin() + 1, t.strides().end());
  return Tensor::make(t.storage(), shape, strides, t.offset() + i * t.stride(0), t.dtype());
}

}  // namespace

void Dataset::check_index(int64_t index, const char* who) const {
  if (index < 0 || index >= size()) throw IndexError(MsgId::data_index_range, who, index, size());
}

TensorDataset::TensorDataset(Tensor data, Tensor targets) : data_(std::move(data)), targets_(std::move(targets)) {
  check_defined(data_, "TensorDataset");
  if (data_.dim() < 1)
    throw ShapeError(MsgId::train_bad_option, "TensorDataset", "data shape", data_.shape(), "at least 1 dimension");
  if (targets_.defined() && (targets_.dim() < 1 || targets_.size(0) != data_.size(0)))
    throw ShapeError(
        MsgId::train_bad_option, "TensorDataset", "targets shape", targets_.shape(),
        "a first dimension of " + std::to_string(data_.size(0)) + " like data " + shape_str(data_.shape()));
}

Example TensorDataset::get(int64_t index) const {
  check_index(index, "TensorDataset");
  return Example{row(data_, index), targets_.defined() ? row(targets_, index) : Tensor()};
}

Subset::Subset(std::shared_ptr<const Dataset> base, std::vector<int64_t> indices)
    : base_(std::move(base)), indices_(std::move(indices)) {
  for (int64_t i : indices_)
    if (i < 0 || i >= base_->size()) throw IndexError(MsgId::data_index_range, "Subset", i, base_->size());
}

Example Subset::get(int64_t index) const {
  check_index(index, "Subset");
  return base_->get(indices_[static_cast<size_t>(index)]);
}

std::vector<int64_t> random_permutation(int64_t n, uint64_t seed, uint64_t stream) {
  std::vector<int64_t> p(static_cast<size_t>(n));
  std::iota(p.begin(), p.end(), int64_t{0});
  const uint64_t base = stream << 40;
  uint64_t word = 0;
  for (int64_t i = n - 1; i > 0; --i) {
    uint64_t hi = philox_word(seed, base, word++), lo = philox_word(seed, base, word++);
    uint64_t j = ((hi << 32) | lo) % static_cast<uint64_t>(i + 1);  // bias < n / 2^64
    std::swap(p[static_cast<size_t>(i)], p[j]);
  }
  return p;
}

std::vector<std::shared_ptr<Subset>> random_split(std::shared_ptr<const Dataset> base,
                                                  const std::vector<int64_t>& lengths, uint64_t seed) {
  int64_t total = 0;
  for (int64_t l : lengths) {
    if (l < 0) throw ValueError(MsgId::train_bad_option, "random_split", "length", l, ">= 0");
    total += l;
  }
  if (total != base->size())
    throw ValueError(MsgId::train_bad_option, "random_split", "sum of lengths", total,
                     "the dataset size " + std::to_string(base->size()));
  std::vector<int64_t> perm = random_permutation(base->size(), seed);
  std::vector<std::shared_ptr<Subset>> out;
  size_t at = 0;
  for (int64_t l : lengths) {
    std::vector<int64_t> idx(perm.begin() + static_cast<std::ptrdiff_t>(at),
                             perm.begin() + static_cast<std::ptrdiff_t>(at + static_cast<size_t>(l)));
    at += static_cast<size_t>(l);
    out.push_back(std::make_shared<Subset>(base, std::move(idx)));
  }
  return out;
}

}  // namespace hangu::data
