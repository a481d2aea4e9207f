// fma_peak_gflops: the chains of fma_peak__avx512.cpp / __avx2.cpp on every thread at once.
#include "hangu/kernels/cpu/fma_peak.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <vector>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/isa.h"

namespace hangu::kernels {
namespace {

double scalar_chains(int64_t iters, float* sink) {
  float acc[8] = {1.0f, 1.1f, 1.2f, 1.3f, 1.4f, 1.5f, 1.6f, 1.7f};
  for (int64_t it = 0; it < iters; ++it)
    for (float& a : acc) a = a * 0.9999999f + 1e-7f;
  for (float a : acc) *sink += a;
  return 2.0 * 8.0 * static_cast<double>(iters);
}

}  // namespace

double fma_peak_gflops(double seconds) {
  using peak_detail::fma_chains__avx2;
  using peak_detail::fma_chains__avx512;
  const Isa isa = active_isa() != Isa::reference ? active_isa() : (isa_supported(Isa::avx2) ? Isa::avx2 : Isa::reference);
  auto chains = isa == Isa::avx512 ? fma_chains__avx512 : isa == Isa::avx2 ? fma_chains__avx2 : scalar_chains;
  // Many equal pieces taken dynamically: the wall time is the work over the threads that ran it,
  // even when a worker starts late.
  const int threads = std::max(1, get_num_threads());
  constexpr int64_t kPieceIters = 1 << 16;
  float sink = 0.0f;
  chains(kPieceIters, &sink);  // warm up the vector units (their clocks and power)
  const auto t0 = std::chrono::steady_clock::now();
  chains(kPieceIters, &sink);
  const double piece_s = std::max(1e-6, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  const int64_t pieces = std::max<int64_t>(4 * threads, static_cast<int64_t>(seconds * threads / piece_s));
  std::vector<float> sinks(static_cast<size_t>(pieces), 0.0f);
  // The best of three rounds: the first ones may still see the other cores' clocks ramping up or a
  // worker thread being woken.
  double best = 0.0;
  for (int round = 0; round < 3; ++round) {
    std::atomic<int64_t> flops_done{0};
    const auto t1 = std::chrono::steady_clock::now();
    parallel_for(0, pieces, 1, [&](int64_t p0, int64_t p1) {
      double f = 0.0;
      for (int64_t p = p0; p < p1; ++p) f += chains(kPieceIters, &sinks[static_cast<size_t>(p)]);
      flops_done.fetch_add(static_cast<int64_t>(f), std::memory_order_relaxed);
    });
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
    best = std::max(best, static_cast<double>(flops_done.load()) / wall / 1e9);
  }
  for (float s : sinks) sink += s;
  volatile float keep = sink;  // the sums are used, so the chains are computed
  (void)keep;
  return best;
}

}  // namespace hangu::kernels
