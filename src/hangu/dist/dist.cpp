#include "hangu/dist/dist.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <type_traits>

#include "hangu/core/error.h"
#include "hangu/dist/backend.h"

namespace hangu::dist {
namespace {

constexpr double kDefaultTimeout = 300.0;
constexpr double kMaxTimeout = 86400.0;

double timeout_from_env() {
  const char* v = std::getenv("HANGU_DIST_TIMEOUT");
  if (!v || !*v) return kDefaultTimeout;
  char* end = nullptr;
  double s = std::strtod(v, &end);
  if (end == v || *end != '\0' || !(s >= 1.0 && s <= kMaxTimeout))
    throw ValueError(MsgId::dist_bad_env, "HANGU_DIST_TIMEOUT", v, "seconds in [1, 86400]");
  return s;
}

double g_timeout = -1.0;  // < 0: not read from the environment yet

void check_tensor(const Tensor& t, const char* what) {
  const bool ok_dtype = t.defined() && (t.dtype() == DType::f32 || t.dtype() == DType::f64 || t.dtype() == DType::i32 ||
                                        t.dtype() == DType::i64);
  if (!ok_dtype || !t.is_contiguous())
    throw DTypeError(MsgId::dist_bad_tensor, what, t.defined() ? std::string(dtype_name(t.dtype())) : "undefined",
                     t.defined() ? shape_str(t.shape()) : "");
}

// out[i] = op over ranks r = 0, 1, ... of in[r * n + i], in rank order.
template <typename T>
void combine(const T* in, T* out, int64_t n, int world, ReduceOp op) {
  for (int64_t i = 0; i < n; ++i) {
    T acc = in[i];
    for (int r = 1; r < world; ++r) {
      const T v = in[static_cast<int64_t>(r) * n + i];
      switch (op) {
        case ReduceOp::sum:
        case ReduceOp::mean:
          acc = acc + v;
          break;
        case ReduceOp::max:
          acc = std::max(acc, v);
          break;
        case ReduceOp::min:
          acc = std::min(acc, v);
          break;
      }
    }
    if (op == ReduceOp::mean) acc = static_cast<T>(acc / static_cast<T>(world));
    out[i] = acc;
  }
}

}  // namespace

bool built_with_mpi() { return backend::built_with_mpi(); }

int launcher_world_size() {
  for (const char* name : {"OMPI_COMM_WORLD_SIZE", "PMIX_SIZE", "PMI_SIZE", "MPI_LOCALNRANKS"}) {
    const char* v = std::getenv(name);
    if (!v || !*v) continue;
    char* end = nullptr;
    long n = std::strtol(v, &end, 10);
    if (end != v && *end == '\0' && n > 0 && n < (1L << 24)) return static_cast<int>(n);
  }
  return 0;
}

void init(int* argc, char*** argv) {
  if (g_timeout < 0) g_timeout = timeout_from_env();  // a bad value fails before MPI starts
  backend::init(argc, argv);
}

bool init_if_launched(int* argc, char*** argv, const char* context) {
  const int n = launcher_world_size();
  if (n <= 1) return false;
  if (!built_with_mpi()) throw Unsupported(MsgId::dist_not_built, context, n);
  init(argc, argv);
  return true;
}

void finalize() { backend::finalize(); }
void abort(int exit_code) { backend::abort(exit_code); }
bool is_initialized() { return backend::initialized(); }
int rank() { return backend::initialized() ? backend::rank() : 0; }
int world_size() { return backend::initialized() ? backend::size() : 1; }

double timeout_seconds() {
  if (g_timeout < 0) g_timeout = timeout_from_env();
  return g_timeout;
}

void set_timeout_seconds(double seconds) {
  if (!(seconds >= 1.0 && seconds <= kMaxTimeout))
    throw ValueError(MsgId::train_bad_option, "dist::set_timeout_seconds", "seconds", seconds, "[1, 86400]");
  g_timeout = seconds;
}

void wait(backend::Request& r, const char* what) {
  if (backend::test(r, what)) return;
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  const double limit = timeout_seconds();
  // Poll with a growing sleep: a spinning rank would take a core from the rank it waits for.
  auto nap = std::chrono::microseconds(20);
  while (!backend::test(r, what)) {
    if (std::chrono::duration<double>(Clock::now() - t0).count() > limit)
      throw Error(MsgId::dist_timeout, what, rank(), world_size(), static_cast<int64_t>(limit));
    std::this_thread::sleep_for(nap);
    nap = std::min(nap * 2, std::chrono::microseconds(1000));
  }
}

void all_reduce(Tensor& t, ReduceOp op) {
  check_tensor(t, "dist::all_reduce");
  const int world = world_size();
  if (world == 1) {
    return;  // sum, mean, max and min of one tensor are the tensor
  }
  const int64_t n = t.numel();
  Tensor gathered = empty({static_cast<int64_t>(world) * n}, t.dtype());
  backend::Request r = backend::iallgather(t.data(), gathered.data(), n, t.dtype(), "dist::all_reduce");
  wait(r, "dist::all_reduce");
  dispatch_dtype(t.dtype(), [&]<typename T>() {
    if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double> || std::is_same_v<T, int32_t> ||
                  std::is_same_v<T, int64_t>)
      combine<T>(gathered.data_ptr<T>(), t.data_ptr<T>(), n, world, op);
  });
}

void broadcast(Tensor& t, int root) {
  check_tensor(t, "dist::broadcast");
  const int world = world_size();
  if (root < 0 || root >= world) throw IndexError(MsgId::dist_bad_root, "dist::broadcast", root, world);
  if (world == 1) return;
  backend::Request r = backend::ibcast(t.data(), t.numel(), t.dtype(), root, "dist::broadcast");
  wait(r, "dist::broadcast");
}

Tensor all_gather(const Tensor& t) {
  check_tensor(t, "dist::all_gather");
  const int world = world_size();
  Shape shape{static_cast<int64_t>(world)};
  shape.insert(shape.end(), t.shape().begin(), t.shape().end());
  Tensor out = empty(IntList(shape), t.dtype());
  if (world == 1) {
    if (t.nbytes() > 0) std::memcpy(out.data(), t.data(), static_cast<size_t>(t.nbytes()));
    return out;
  }
  backend::Request r = backend::iallgather(t.data(), out.data(), t.numel(), t.dtype(), "dist::all_gather");
  wait(r, "dist::all_gather");
  return out;
}

void barrier() {
  if (world_size() == 1) return;
  backend::Request r = backend::ibarrier("dist::barrier");
  wait(r, "dist::barrier");
}

}  // namespace hangu::dist
