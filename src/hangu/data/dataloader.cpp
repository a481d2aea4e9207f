#include "hangu/data/dataloader.h"

#include <condition_variable>
#include <cstring>
#include <exception>
#include <map>
#include <mutex>
#include <numeric>
#include <thread>

#include "hangu/core/error.h"
#include "hangu/ops/copy.h"

namespace hangu::data {

namespace {

Tensor stack_rows(const std::vector<Example>& ex, bool target) {
  const Tensor& first = target ? ex[0].target : ex[0].data;
  if (!first.defined()) return Tensor();
  Shape shape{static_cast<int64_t>(ex.size())};
  shape.insert(shape.end(), first.shape().begin(), first.shape().end());
  Tensor out = empty(IntList(shape), first.dtype());
  const int64_t row_bytes = first.nbytes();
  auto* dst = static_cast<char*>(out.data());
  for (size_t i = 0; i < ex.size(); ++i) {
    const Tensor& t = target ? ex[i].target : ex[i].data;
    if (!t.defined() || t.shape() != first.shape() || t.dtype() != first.dtype())
      throw ShapeError(MsgId::data_collate_mismatch, target ? "target" : "data", static_cast<int64_t>(i),
                       t.defined() ? shape_str(t.shape()) : "(undefined)", t.defined() ? dtype_name(t.dtype()) : "-",
                       first.shape(), first.dtype());
    Tensor c = t.is_contiguous() ? t : contiguous(t);
    if (row_bytes > 0) std::memcpy(dst + static_cast<int64_t>(i) * row_bytes, c.data(), static_cast<size_t>(row_bytes));
  }
  return out;
}

}  // namespace

Batch collate(const std::vector<Example>& examples) {
  if (examples.empty()) return Batch{};
  return Batch{stack_rows(examples, false), stack_rows(examples, true), {}};
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : dataset_(std::move(dataset)), o_(options) {
  if (!dataset_) throw ValueError(MsgId::train_bad_option, "DataLoader", "dataset", "null", "a dataset");
  if (o_.batch_size < 1) throw ValueError(MsgId::train_bad_option, "DataLoader", "batch_size", o_.batch_size, ">= 1");
  if (o_.num_workers < 0)
    throw ValueError(MsgId::train_bad_option, "DataLoader", "num_workers", o_.num_workers, ">= 0");
  if (o_.prefetch_factor < 1)
    throw ValueError(MsgId::train_bad_option, "DataLoader", "prefetch_factor", o_.prefetch_factor, ">= 1");
  if (o_.num_shards < 1) throw ValueError(MsgId::train_bad_option, "DataLoader", "num_shards", o_.num_shards, ">= 1");
  if (o_.shard < 0 || o_.shard >= o_.num_shards)
    throw ValueError(MsgId::train_bad_option, "DataLoader", "shard", o_.shard, "in [0, num_shards)");
}

int64_t DataLoader::num_batches() const {
  int64_t n = dataset_->size();
  return o_.drop_last ? n / o_.batch_size : (n + o_.batch_size - 1) / o_.batch_size;
}

std::vector<int64_t> DataLoader::order(int64_t epoch) const {
  if (o_.shuffle) return random_permutation(dataset_->size(), o_.seed, static_cast<uint64_t>(epoch));
  std::vector<int64_t> v(static_cast<size_t>(dataset_->size()));
  std::iota(v.begin(), v.end(), int64_t{0});
  return v;
}

Batch DataLoader::make_batch(const std::vector<int64_t>& order, int64_t b) const {
  if (b < 0 || b >= num_batches()) throw IndexError(MsgId::data_index_range, "DataLoader batch", b, num_batches());
  int64_t lo = b * o_.batch_size, hi = std::min<int64_t>(lo + o_.batch_size, static_cast<int64_t>(order.size()));
  if (o_.num_shards > 1) {  // this shard's share of the global batch [lo, hi)
    const int64_t n = hi - lo, start = lo;
    lo = start + n * o_.shard / o_.num_shards;
    hi = start + n * (o_.shard + 1) / o_.num_shards;
  }
  std::vector<Example> ex;
  std::vector<int64_t> idx;
  for (int64_t i = lo; i < hi; ++i) {
    idx.push_back(order[static_cast<size_t>(i)]);
    ex.push_back(dataset_->get(idx.back()));
  }
  Batch out = collate(ex);
  out.indices = std::move(idx);
  return out;
}

Batch DataLoader::batch(int64_t epoch, int64_t b) const { return make_batch(order(epoch), b); }

EpochIterator DataLoader::epoch(int64_t epoch, int64_t start_batch) const {
  return EpochIterator(*this, epoch, start_batch);
}

struct EpochIterator::Shared {
  const DataLoader* loader;
  std::vector<int64_t> order;
  int64_t end = 0;
  int64_t next_consume = 0;
  int64_t next_assign = 0;
  int64_t window = 0;
  bool stop = false;
  std::mutex mu;
  std::condition_variable cv;
  std::map<int64_t, Batch> ready;
  std::map<int64_t, std::exception_ptr> failed;
  std::vector<std::thread> workers;

  void work() {
    for (;;) {
      int64_t b;
      {
        std::unique_lock<std::mutex> lk(mu);
        cv.wait(lk, [&] { return stop || next_assign >= end || next_assign < next_consume + window; });
        if (stop || next_assign >= end) return;
        b = next_assign++;
      }
      Batch batch;
      std::exception_ptr err;
      try {
        batch = loader->make_batch(order, b);
      } catch (...) {
        err = std::current_exception();
      }
      {
        std::lock_guard<std::mutex> lk(mu);
        if (err)
          failed[b] = err;
        else
          ready[b] = std::move(batch);
      }
      cv.notify_all();
    }
  }
};

EpochIterator::EpochIterator(const DataLoader& loader, int64_t epoch, int64_t start_batch)
    : s_(std::make_unique<Shared>()) {
  s_->loader = &loader;
  s_->order = loader.order(epoch);
  s_->end = loader.num_batches();
  if (start_batch < 0 || start_batch > s_->end)
    throw IndexError(MsgId::data_index_range, "DataLoader start batch", start_batch, s_->end);
  s_->next_consume = s_->next_assign = start_batch;
  const int workers = loader.options().num_workers;
  s_->window = static_cast<int64_t>(workers) * loader.options().prefetch_factor;
  for (int w = 0; w < workers; ++w) s_->workers.emplace_back([s = s_.get()] { s->work(); });
}

EpochIterator::EpochIterator(EpochIterator&&) noexcept = default;

EpochIterator::~EpochIterator() {
  if (!s_) return;
  {
    std::lock_guard<std::mutex> lk(s_->mu);
    s_->stop = true;
  }
  s_->cv.notify_all();
  for (auto& t : s_->workers) t.join();
}

int64_t EpochIterator::position() const { return s_->next_consume; }

std::optional<Batch> EpochIterator::next() {
  Shared& s = *s_;
  if (s.next_consume >= s.end) return std::nullopt;
  if (s.workers.empty()) return s.loader->make_batch(s.order, s.next_consume++);
  std::unique_lock<std::mutex> lk(s.mu);
  const int64_t b = s.next_consume;
  s.cv.wait(lk, [&] { return s.ready.count(b) || s.failed.count(b); });
  auto f = s.failed.find(b);
  if (f != s.failed.end()) {
    std::exception_ptr err = f->second;
    s.failed.erase(f);
    ++s.next_consume;
    lk.unlock();
    s.cv.notify_all();
    std::rethrow_exception(err);
  }
  Batch out = std::move(s.ready[b]);
  s.ready.erase(b);
  ++s.next_consume;
  lk.unlock();
  s.cv.notify_all();
  return out;
}

}  // namespace hangu::data
