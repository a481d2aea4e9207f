#include "hangu/core/thread_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "hangu/core/error.h"

namespace hangu {
namespace {

thread_local bool t_in_parallel = false;

struct Job {
  const std::function<void(int64_t, int64_t)>* fn = nullptr;
  int64_t begin = 0, end = 0, grain = 1, nchunks = 0;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex err_mu;
  std::exception_ptr error;

  // Runs chunks until none are left; returns when this thread can take no more.
  void work() {
    for (;;) {
      int64_t c = next.fetch_add(1, std::memory_order_relaxed);
      if (c >= nchunks) return;
      int64_t lo = begin + c * grain;
      int64_t hi = lo + grain < end ? lo + grain : end;
      try {
        (*fn)(lo, hi);
      } catch (...) {
        std::lock_guard<std::mutex> g(err_mu);
        if (!error) error = std::current_exception();
      }
      done.fetch_add(1, std::memory_order_acq_rel);
    }
  }
};

// Workers and the caller spin for a short while before sleeping: a training step is a stream of
// parallel_for calls separated by short serial gaps, and waking a sleeping thread costs 30-40 us
// (futex + scheduler), more than a small GEMM or convolution takes. The spin is bounded in time
// so that an idle pool does not burn CPU.
constexpr auto kSpin = std::chrono::microseconds(200);

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#else
  std::this_thread::yield();
#endif
}

// Spins until pred() holds or kSpin has passed; returns pred().
template <typename Pred>
bool spin_until(Pred pred) {
  const auto deadline = std::chrono::steady_clock::now() + kSpin;
  for (int i = 0;; ++i) {
    if (pred()) return true;
    cpu_relax();
    if ((i & 63) == 63 && std::chrono::steady_clock::now() >= deadline) return pred();
  }
}

class Pool {
 public:
  explicit Pool(int nthreads) : nthreads_(nthreads) {
    for (int i = 1; i < nthreads_; ++i) workers_.emplace_back([this] { loop(); });
  }
  ~Pool() {
    {
      std::lock_guard<std::mutex> g(mu_);
      stop_ = true;
      published_.fetch_add(1, std::memory_order_release);
    }
    cv_.notify_all();
    for (auto& w : workers_) w.join();
  }
  int size() const { return nthreads_; }

  void run(Job& job) {
    {
      std::lock_guard<std::mutex> g(mu_);
      job_ = &job;
      ++generation_;
      published_.store(generation_, std::memory_order_release);
    }
    cv_.notify_all();
    t_in_parallel = true;
    job.work();
    t_in_parallel = false;
    // Wait for chunks still running on workers, then retire the job so no worker touches it.
    auto finished = [&] {
      return job.done.load(std::memory_order_acquire) == job.nchunks && active_.load(std::memory_order_acquire) == 0;
    };
    spin_until(finished);
    std::unique_lock<std::mutex> lk(mu_);
    done_cv_.wait(lk, finished);
    job_ = nullptr;
  }

 private:
  void loop() {
    t_in_parallel = true;
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      if (!stop_ && !(job_ != nullptr && generation_ != seen)) {
        // Spin without the lock for the next job before sleeping on the condition variable.
        lk.unlock();
        spin_until([&] { return published_.load(std::memory_order_acquire) != seen; });
        lk.lock();
      }
      cv_.wait(lk, [&] { return stop_ || (job_ != nullptr && generation_ != seen); });
      if (stop_) return;
      seen = generation_;
      Job* job = job_;
      active_.fetch_add(1, std::memory_order_acq_rel);
      lk.unlock();
      job->work();
      lk.lock();
      active_.fetch_sub(1, std::memory_order_acq_rel);
      done_cv_.notify_all();
    }
  }

  int nthreads_;
  std::vector<std::thread> workers_;
  std::mutex mu_;
  std::condition_variable cv_, done_cv_;
  Job* job_ = nullptr;
  uint64_t generation_ = 0;
  std::atomic<uint64_t> published_{0};  // generation_ (or a stop signal), readable without mu_
  std::atomic<int> active_{0};          // workers inside job->work(); changed under mu_
  bool stop_ = false;
};

int threads_from_env() {
  const char* v = std::getenv("HANGU_NUM_THREADS");
  if (v && *v) {
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    if (*end != '\0' || n < 1 || n > 4096) throw ValueError(MsgId::bad_env_value, "HANGU_NUM_THREADS", v);
    return static_cast<int>(n);
  }
  unsigned hc = std::thread::hardware_concurrency();
  return hc ? static_cast<int>(hc) : 1;
}

std::mutex g_pool_mu;  // one parallel_for uses the pool at a time; others run serially
std::unique_ptr<Pool> g_pool;
// 0: not decided yet. Atomic and read without g_pool_mu: a parallel_for body (e.g. a GEMM inside
// a convolution's tasks) may ask for the thread count while its caller holds the mutex.
std::atomic<int> g_requested{0};

int requested_threads() {
  int n = g_requested.load(std::memory_order_relaxed);
  if (n == 0) {
    int expected = 0;
    n = threads_from_env();
    if (!g_requested.compare_exchange_strong(expected, n, std::memory_order_relaxed)) n = expected;
  }
  return n;
}

}  // namespace

int get_num_threads() { return requested_threads(); }

void set_num_threads(int n) {
  if (n < 1) throw ValueError(MsgId::bad_thread_count, n);
  std::lock_guard<std::mutex> g(g_pool_mu);
  g_requested.store(n, std::memory_order_relaxed);
  if (g_pool && g_pool->size() != n) g_pool.reset();
}

bool in_parallel_region() { return t_in_parallel; }

void parallel_for(int64_t begin, int64_t end, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  if (end <= begin) return;
  if (grain < 1) grain = 1;
  Job job;
  job.fn = &fn;
  job.begin = begin;
  job.end = end;
  job.grain = grain;
  job.nchunks = (end - begin + grain - 1) / grain;

  if (job.nchunks == 1 && !t_in_parallel) {
    // One chunk: run it here without marking a parallel region, so that a parallel_for inside it
    // (the GEMM of a convolution with a single tile, say) can still use the other threads.
    fn(begin, end);
    return;
  }
  std::unique_lock<std::mutex> lk(g_pool_mu, std::defer_lock);
  bool parallel = job.nchunks > 1 && !t_in_parallel && lk.try_lock() && requested_threads() > 1;
  if (!parallel) {
    if (lk.owns_lock()) lk.unlock();  // serial: another caller may use the pool meanwhile
    bool was = t_in_parallel;
    t_in_parallel = true;
    job.work();
    t_in_parallel = was;
  } else {
    if (!g_pool) g_pool = std::make_unique<Pool>(requested_threads());
    g_pool->run(job);
  }
  if (job.error) std::rethrow_exception(job.error);
}

}  // namespace hangu
