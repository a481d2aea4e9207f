// sgemm microbenchmarks: our f32_gemm at each ISA level the machine has (and OpenBLAS when built
// with HANGU_WITH_OPENBLAS) on the shapes of issue 4: square, tall-skinny, short-wide and GEMV.
// Threads: HANGU_NUM_THREADS (OpenBLAS gets the same count). Counters report GFLOP/s.
#include <benchmark/benchmark.h>

#include <vector>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/gemm.h"
#include "hangu/kernels/cpu/isa.h"

#ifdef HANGU_WITH_OPENBLAS
#include <cblas.h>
#endif

namespace {

using hangu::kernels::Isa;

struct Operands {
  std::vector<float> a, b, c;
  Operands(int64_t m, int64_t n, int64_t k)
      : a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n)), c(static_cast<size_t>(m * n)) {
    uint32_t s = 12345;
    for (auto* v : {&a, &b})
      for (float& x : *v) {
        s = s * 1664525u + 1013904223u;
        x = static_cast<float>(s >> 8) * (2.0f / 16777216.0f) - 1.0f;
      }
  }
};

void set_flops(benchmark::State& st, int64_t m, int64_t n, int64_t k) {
  st.counters["GFLOPS"] =
      benchmark::Counter(2.0 * static_cast<double>(m * n * k) * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

void bm_hangu(benchmark::State& st, Isa isa) {
  const int64_t m = st.range(0), n = st.range(1), k = st.range(2);
  if (!hangu::kernels::isa_supported(isa)) {
    st.SkipWithError("ISA level not supported here");
    return;
  }
  hangu::kernels::IsaGuard guard(isa);
  Operands o(m, n, k);
  hangu::kernels::GemmDesc d;
  d.m = m, d.n = n, d.k = k;
  d.a_rs = k, d.a_cs = 1, d.b_rs = n, d.b_cs = 1, d.c_rs = n, d.c_cs = 1;
  for (auto _ : st) {
    hangu::kernels::f32_gemm(d, 1.0f, o.a.data(), o.b.data(), 0.0f, o.c.data());
    benchmark::DoNotOptimize(o.c.data());
  }
  set_flops(st, m, n, k);
}

#ifdef HANGU_WITH_OPENBLAS
void bm_openblas(benchmark::State& st) {
  const int m = static_cast<int>(st.range(0)), n = static_cast<int>(st.range(1)), k = static_cast<int>(st.range(2));
  openblas_set_num_threads(hangu::get_num_threads());
  Operands o(m, n, k);
  for (auto _ : st) {
    if (m == 1)
      cblas_sgemv(CblasRowMajor, CblasTrans, k, n, 1.0f, o.b.data(), n, o.a.data(), 1, 0.0f, o.c.data(), 1);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, o.a.data(), k, o.b.data(), n, 0.0f,
                  o.c.data(), n);
    benchmark::DoNotOptimize(o.c.data());
  }
  set_flops(st, m, n, k);
}
#endif

void shapes(benchmark::internal::Benchmark* b) {
  b->Args({256, 256, 256})
      ->Args({1024, 1024, 1024})
      ->Args({2048, 2048, 2048})
      ->Args({4096, 64, 1024})
      ->Args({64, 4096, 1024})
      ->Args({1, 4096, 4096})
      ->ArgNames({"m", "n", "k"})
      ->Unit(benchmark::kMillisecond)
      ->UseRealTime();
}

BENCHMARK_CAPTURE(bm_hangu, avx512, Isa::avx512)->Apply(shapes);
BENCHMARK_CAPTURE(bm_hangu, avx2, Isa::avx2)->Apply(shapes);
#ifdef HANGU_WITH_OPENBLAS
BENCHMARK(bm_openblas)->Apply(shapes);
#endif

}  // namespace

BENCHMARK_MAIN();
