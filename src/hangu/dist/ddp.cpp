#include "hangu/dist/ddp.h"

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "hangu/core/autograd_meta.h"
#include "hangu/core/error.h"
#include "hangu/dist/backend.h"
#include "hangu/dist/dist.h"
#include "hangu/ops/copy.h"

namespace hangu::dist {
namespace {

using Clock = std::chrono::steady_clock;
constexpr const char* kWhat = "DistributedDataParallel gradient sync";

int64_t env_int(const char* name, int64_t lo, int64_t hi, int64_t fallback, const char* expected) {
  const char* v = std::getenv(name);
  if (!v || !*v) return fallback;
  char* end = nullptr;
  long long n = std::strtoll(v, &end, 10);
  if (end == v || *end != '\0' || n < lo || n > hi) throw ValueError(MsgId::dist_bad_env, name, v, expected);
  return n;
}

// dst[i] = src[i] (+ dst[i] when `add`), elements of `dtype` (f32 or f64).
void put(void* dst, const Tensor& src, bool add) {
  Tensor c = src.is_contiguous() ? src : contiguous(src);
  const int64_t n = c.numel();
  if (!add) {
    if (n > 0) std::memcpy(dst, c.data(), static_cast<size_t>(c.nbytes()));
    return;
  }
  if (c.dtype() == DType::f32) {
    float* d = static_cast<float*>(dst);
    const float* s = c.data_ptr<float>();
    for (int64_t i = 0; i < n; ++i) d[i] += s[i];
  } else {
    double* d = static_cast<double*>(dst);
    const double* s = c.data_ptr<double>();
    for (int64_t i = 0; i < n; ++i) d[i] += s[i];
  }
}

// out[i] = (in[i] + in[n + i] + ...) / world, in rank order.
template <typename T>
void average_gathered(const T* in, T* out, int64_t n, int world) {
  for (int64_t i = 0; i < n; ++i) {
    T acc = in[i];
    for (int r = 1; r < world; ++r) acc += in[static_cast<int64_t>(r) * n + i];
    out[i] = acc / static_cast<T>(world);
  }
}

template <typename T>
void divide(T* p, int64_t n, int world) {
  for (int64_t i = 0; i < n; ++i) p[i] /= static_cast<T>(world);
}

}  // namespace

DdpOptions ddp_options_from_env() {
  DdpOptions o;
  const int64_t kb = env_int("HANGU_DDP_BUCKET_KB", 1, int64_t{1} << 30, -1, "an integer in [1, 2^30] (KiB)");
  if (kb > 0) o.bucket_bytes = kb * 1024;
  o.overlap = env_int("HANGU_DDP_OVERLAP", 0, 1, 1, "0 or 1") == 1;
  if (const char* v = std::getenv("HANGU_DDP_REDUCE"); v && *v) {
    const std::string s = v;
    if (s != "allgather" && s != "allreduce")
      throw ValueError(MsgId::dist_bad_env, "HANGU_DDP_REDUCE", s, "allgather or allreduce");
    o.deterministic = s == "allgather";
  }
  return o;
}

struct DistributedDataParallel::State {
  struct Bucket {
    DType dtype = DType::f32;
    std::vector<size_t> params;  // indices into State::params
    int64_t numel = 0;
    Tensor local;     // [numel]: this rank's gradients, then (in place) the averages
    Tensor gathered;  // [world * numel]: every rank's, in deterministic mode
    backend::Request request;
    size_t ready = 0;  // parameters whose gradient has arrived
    bool started = false;
  };

  DdpOptions options;
  int world = 1;
  std::vector<Tensor> params;
  std::vector<size_t> bucket_of;
  std::vector<int64_t> offset_of;  // element offset in the bucket
  std::vector<bool> seen;
  std::vector<Bucket> buckets;
  size_t next_to_start = 0;  // buckets start in index order on every rank
  bool late = false;
  DdpStats stats;

  void* slot(size_t i) {
    Bucket& b = buckets[bucket_of[i]];
    return static_cast<char*>(b.local.data()) + offset_of[i] * dtype_size(b.dtype);
  }

  // The gradient hook: `g` is about to be added to params[i].grad.
  void on_grad(size_t i, const Tensor& g) {
    Bucket& b = buckets[bucket_of[i]];
    if (seen[i]) {  // a second use of the parameter in this forward
      if (b.started)
        late = true;
      else
        put(slot(i), g, true);
      return;
    }
    seen[i] = true;
    const Tensor old = params[i].grad();
    put(slot(i), g, false);
    if (old.defined()) put(slot(i), old, true);
    ++b.ready;
    if (options.overlap) {
      while (next_to_start < buckets.size() && buckets[next_to_start].ready == buckets[next_to_start].params.size()) {
        start(buckets[next_to_start++]);
        ++stats.buckets_started_early;
      }
      progress();
    }
  }

  void start(Bucket& b) {
    b.started = true;
    if (world == 1) {  // nothing to exchange (and MPI may not even be initialised)
      if (options.deterministic && b.numel > 0)
        std::memcpy(b.gathered.data(), b.local.data(), static_cast<size_t>(b.local.nbytes()));
      return;
    }
    if (options.deterministic)
      b.request = backend::iallgather(b.local.data(), b.gathered.data(), b.numel, b.dtype, kWhat);
    else
      b.request = backend::iallreduce_sum(b.local.data(), b.numel, b.dtype, kWhat);
  }

  // MPI moves data only inside its calls: testing the started buckets lets them advance.
  void progress() {
    for (size_t k = 0; k < next_to_start; ++k)
      if (buckets[k].request) backend::test(buckets[k].request, kWhat);
  }

  // Fills the slot of every parameter of `b` that got no gradient from backward.
  void fill_unseen(Bucket& b) {
    for (size_t i : b.params) {
      if (seen[i]) continue;
      const Tensor g = params[i].grad();
      if (g.defined())
        put(slot(i), g, false);
      else
        std::memset(slot(i), 0, static_cast<size_t>(params[i].nbytes()));
    }
  }

  void reduce_all_remaining() {
    for (; next_to_start < buckets.size(); ++next_to_start) {
      fill_unseen(buckets[next_to_start]);
      start(buckets[next_to_start]);
    }
    for (Bucket& b : buckets) wait(b.request, kWhat);
  }

  void finish() {
    const auto t0 = Clock::now();
    reduce_all_remaining();
    if (late) {  // some gradient arrived after its bucket left: reduce everything again from .grad
      ++stats.late_gradients;
      std::fill(seen.begin(), seen.end(), false);
      next_to_start = 0;
      reduce_all_remaining();
    }
    for (Bucket& b : buckets) {
      if (b.dtype == DType::f32) {
        if (options.deterministic)
          average_gathered(b.gathered.data_ptr<float>(), b.local.data_ptr<float>(), b.numel, world);
        else
          divide(b.local.data_ptr<float>(), b.numel, world);
      } else {
        if (options.deterministic)
          average_gathered(b.gathered.data_ptr<double>(), b.local.data_ptr<double>(), b.numel, world);
        else
          divide(b.local.data_ptr<double>(), b.numel, world);
      }
      for (size_t i : b.params) {
        Tensor& p = params[i];
        Tensor g = p.grad();
        if (!g.defined() || !g.is_contiguous() || g.dtype() != p.dtype() || g.shape() != p.shape()) {
          g = empty(IntList(p.shape()), p.dtype());
          p.set_grad(g);
        }
        if (g.nbytes() > 0) std::memcpy(g.data(), slot(i), static_cast<size_t>(g.nbytes()));
      }
      b.ready = 0;
      b.started = false;
    }
    std::fill(seen.begin(), seen.end(), false);
    next_to_start = 0;
    late = false;
    ++stats.syncs;
    stats.wait_seconds += std::chrono::duration<double>(Clock::now() - t0).count();
  }
};

DistributedDataParallel::DistributedDataParallel(std::shared_ptr<nn::Module> module, DdpOptions options)
    : module_(std::move(module)), s_(std::make_shared<State>()) {
  if (!module_) throw ValueError(MsgId::train_bad_option, "DistributedDataParallel", "module", "null", "a module");
  if (options.bucket_bytes < 1) throw ValueError(MsgId::dist_bad_bucket, options.bucket_bytes);
  State& s = *s_;
  s.options = options;
  s.world = world_size();
  {
    NoGradGuard no_grad;
    for (Tensor t : module_->parameters()) broadcast(t, 0);
    for (Tensor t : module_->buffers()) {
      if (t.is_contiguous() &&
          (t.dtype() == DType::f32 || t.dtype() == DType::f64 || t.dtype() == DType::i32 || t.dtype() == DType::i64))
        broadcast(t, 0);
    }
  }
  const nn::NamedTensors named = module_->named_parameters();
  for (const auto& [name, p] : named) {
    if (!p.requires_grad()) continue;
    if (p.dtype() != DType::f32 && p.dtype() != DType::f64) throw DTypeError(MsgId::dist_bad_param, name, p.dtype());
    s.params.push_back(p);
  }
  const size_t np = s.params.size();
  s.bucket_of.assign(np, 0);
  s.offset_of.assign(np, 0);
  s.seen.assign(np, false);
  for (size_t k = np; k-- > 0;) {  // the last registered parameters get their gradients first
    const Tensor& p = s.params[k];
    if (s.buckets.empty() || s.buckets.back().dtype != p.dtype() ||
        (s.buckets.back().numel + p.numel()) * dtype_size(p.dtype()) > options.bucket_bytes) {
      s.buckets.emplace_back();
      s.buckets.back().dtype = p.dtype();
    }
    State::Bucket& b = s.buckets.back();
    s.bucket_of[k] = s.buckets.size() - 1;
    s.offset_of[k] = b.numel;
    b.params.push_back(k);
    b.numel += p.numel();
  }
  for (State::Bucket& b : s.buckets) {
    b.local = empty({b.numel}, b.dtype);
    if (options.deterministic) b.gathered = empty({static_cast<int64_t>(s.world) * b.numel}, b.dtype);
  }
  std::weak_ptr<State> weak = s_;
  for (size_t k = 0; k < np; ++k) {
    s.params[k].register_hook([weak, k](const Tensor& g) {
      if (auto state = weak.lock()) state->on_grad(k, g);
      return Tensor();  // the gradient itself is left as it is
    });
  }
}

DistributedDataParallel::~DistributedDataParallel() = default;

void DistributedDataParallel::finish_gradient_sync() { s_->finish(); }
int64_t DistributedDataParallel::num_buckets() const { return static_cast<int64_t>(s_->buckets.size()); }
const DdpStats& DistributedDataParallel::stats() const { return s_->stats; }

}  // namespace hangu::dist
