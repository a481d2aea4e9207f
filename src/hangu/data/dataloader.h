#pragma once
// DataLoader: batches of a Dataset, optionally shuffled by a permutation that is a pure function
// of (seed, epoch), assembled by worker threads with prefetch. Batches always come out in order
// and are built from the same examples, so results never depend on the worker count.
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "hangu/data/dataset.h"

namespace hangu::data {

struct DataLoaderOptions {
  int64_t batch_size = 1;
  bool shuffle = false;
  uint64_t seed = 0;
  bool drop_last = false;
  int num_workers = 0;      // 0: batches are built on the calling thread
  int prefetch_factor = 2;  // batches in flight per worker
  // Distributed sampler (issue 9): each batch keeps the same global order, and shard k of
  // num_shards takes its k-th contiguous, evenly split share of it (sizes differ by at most one).
  int num_shards = 1;
  int shard = 0;
};

struct Batch {
  Tensor data;                   // examples stacked along a new dim 0
  Tensor target;                 // likewise; undefined when the dataset has no targets
  std::vector<int64_t> indices;  // dataset indices of the examples
};

// Stacks examples (equal shapes and dtypes) along a new dim 0. Throws ShapeError naming the
// first example that differs.
Batch collate(const std::vector<Example>& examples);

class EpochIterator;

class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options);

  int64_t num_batches() const;
  const DataLoaderOptions& options() const { return o_; }
  const Dataset& dataset() const { return *dataset_; }
  // The order in which epoch `epoch` visits the dataset.
  std::vector<int64_t> order(int64_t epoch) const;
  // Batch `b` of epoch `epoch`, built on the calling thread.
  Batch batch(int64_t epoch, int64_t b) const;
  // Iterates epoch `epoch` from batch `start_batch` (to resume mid-epoch). The DataLoader must
  // outlive the iterator.
  EpochIterator epoch(int64_t epoch, int64_t start_batch = 0) const;

 private:
  friend class EpochIterator;
  Batch make_batch(const std::vector<int64_t>& order, int64_t b) const;
  std::shared_ptr<const Dataset> dataset_;
  DataLoaderOptions o_;
};

class EpochIterator {
 public:
  EpochIterator(const DataLoader& loader, int64_t epoch, int64_t start_batch);
  ~EpochIterator();
  EpochIterator(EpochIterator&&) noexcept;
  EpochIterator& operator=(EpochIterator&&) = delete;
  EpochIterator(const EpochIterator&) = delete;
  EpochIterator& operator=(const EpochIterator&) = delete;

  // The next batch, or nullopt at the end of the epoch. A worker's error is rethrown here.
  std::optional<Batch> next();
  // Index of the batch next() returns next (the data position to store in a checkpoint).
  int64_t position() const;

 private:
  struct Shared;
  std::unique_ptr<Shared> s_;
};

}  // namespace hangu::data
