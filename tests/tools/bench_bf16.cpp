// bench_bf16: bf16 GEMM against our f32 GEMM in the same run (min and median of interleaved
// repetitions; wall time, and CPU time, which other processes on a shared machine disturb less),
// and the m == 1 GEMV's memory bandwidth. A developer tool, not a test:
//   bench_bf16 [--size S] [--reps R] [--threads T] [--gemv-k K] [--gemv-n N] [--gemv-rotate R]
// Every path this machine can run is measured; "auto" is bf16_gemm's own choice.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <functional>
#include <string>
#include <vector>

#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/gemm.h"
#include "hangu/kernels/cpu/gemm_bf16.h"
#include "hangu/kernels/cpu/isa.h"

namespace {

using hangu::BFloat16;
using hangu::kernels::Bf16GemmPath;
using hangu::kernels::GemmDesc;

double cpu_now() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

struct Stat {
  std::string name;
  double work = 0;  // flops or bytes per call
  std::function<void()> run;
  std::vector<double> times;  // wall seconds
  std::vector<double> cpu;    // CPU seconds of the process (all threads): robust to other load
  double min() const { return *std::min_element(times.begin(), times.end()); }
  double min_cpu() const { return *std::min_element(cpu.begin(), cpu.end()); }
  double median() const {
    std::vector<double> t = times;
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
  }
};

// Runs every entry `reps` times, interleaved, so that load from other processes hits all alike.
void measure(std::vector<Stat>& stats, int reps) {
  for (Stat& s : stats) s.run();  // warm up: packing buffers, pages, caches
  for (int r = 0; r < reps; ++r)
    for (Stat& s : stats) {
      const double c0 = cpu_now();
      const auto t0 = std::chrono::steady_clock::now();
      s.run();
      s.times.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      s.cpu.push_back(cpu_now() - c0);
    }
}

GemmDesc row_major(int64_t m, int64_t n, int64_t k) {
  GemmDesc d;
  d.m = m;
  d.n = n;
  d.k = k;
  d.a_rs = k;
  d.a_cs = 1;
  d.b_rs = n;
  d.b_cs = 1;
  d.c_rs = n;
  d.c_cs = 1;
  return d;
}

int64_t arg(int argc, char** argv, const char* name, int64_t def) {
  for (int i = 1; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], name) == 0) return std::atoll(argv[i + 1]);
  return def;
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t s = arg(argc, argv, "--size", 2048);
  const int reps = static_cast<int>(arg(argc, argv, "--reps", 7));
  const int64_t only_threads = arg(argc, argv, "--threads", 0);
  const int64_t gk = arg(argc, argv, "--gemv-k", 4096), gn = arg(argc, argv, "--gemv-n", 4096);

  std::vector<float> af(static_cast<size_t>(s * s)), bf(af.size()), cf(af.size());
  std::vector<BFloat16> ab(af.size()), bb(af.size()), cb(af.size());
  for (size_t i = 0; i < af.size(); ++i) {
    af[i] = static_cast<float>((i * 7919) % 1000) / 1000.0f - 0.5f;
    bf[i] = static_cast<float>((i * 104729) % 1000) / 1000.0f - 0.5f;
    ab[i] = BFloat16(af[i]);
    bb[i] = BFloat16(bf[i]);
  }
  // Weights cycle through `rotate` copies: with more bytes than the last-level cache, the GEMV
  // reads from memory, as a language model's decoding step does.
  const int64_t rotate = arg(argc, argv, "--gemv-rotate", 1);
  std::vector<BFloat16> w(static_cast<size_t>(gk * gn * rotate)), x(static_cast<size_t>(gk));
  std::vector<float> wf(static_cast<size_t>(gk * gn)), xf(x.size()), y(static_cast<size_t>(gn));
  int64_t turn = 0;  // which copy of the weights the next bf16 GEMV reads
  auto next_w = [&] { return w.data() + (turn++ % rotate) * gk * gn; };
  for (size_t i = 0; i < wf.size(); ++i) wf[i] = static_cast<float>((i * 31) % 997) / 997.0f - 0.5f;
  for (size_t i = 0; i < w.size(); ++i) w[i] = BFloat16(wf[i % wf.size()]);
  for (size_t i = 0; i < x.size(); ++i) xf[i] = static_cast<float>(i % 13) / 13.0f, x[i] = BFloat16(xf[i]);

  const GemmDesc d = row_major(s, s, s);
  // y = x W^T with W [n, k] row-major (a linear layer's weight): B = W^T has b_rs = 1, b_cs = k.
  GemmDesc gv;
  gv.m = 1;
  gv.n = gn;
  gv.k = gk;
  gv.a_rs = gk;
  gv.a_cs = 1;
  gv.b_rs = 1;
  gv.b_cs = gk;
  gv.c_rs = gn;
  gv.c_cs = 1;
  const GemmDesc gv_rows = row_major(1, gn, gk);  // B [k, n] row-major

  std::printf(
      "machine: isa %s, bf16 path %s, size %lld^3, reps %d\n", hangu::kernels::isa_name(hangu::kernels::active_isa()),
      hangu::kernels::bf16_gemm_path_name(hangu::kernels::bf16_gemm_active_path()), static_cast<long long>(s), reps);
  for (int threads : {1, 2}) {
    if (only_threads != 0 && threads != only_threads) continue;
    hangu::set_num_threads(threads);
    const double flops = 2.0 * static_cast<double>(s) * s * s;
    std::vector<Stat> g;
    g.push_back(
        {"f32_gemm", flops, [&] { hangu::kernels::f32_gemm(d, 1.0f, af.data(), bf.data(), 0.0f, cf.data()); }, {}, {}});
    for (Bf16GemmPath p : {Bf16GemmPath::avx512_widen, Bf16GemmPath::avx512_dot, Bf16GemmPath::avx2_widen}) {
      if (!hangu::kernels::bf16_gemm_path_supported(p)) continue;
      g.push_back({std::string("bf16 ") + hangu::kernels::bf16_gemm_path_name(p),
                   flops,
                   [&, p] { hangu::kernels::bf16_gemm_on(p, d, 1.0f, ab.data(), bb.data(), 0.0f, cb.data()); },
                   {},
                   {}});
    }
    g.push_back({"bf16 auto (f32 C)",
                 flops,
                 [&] { hangu::kernels::bf16_gemm_f32out(d, 1.0f, ab.data(), bb.data(), 0.0f, cf.data()); },
                 {},
                 {}});
    measure(g, reps);
    std::printf("\n%d thread(s), GEMM %lld^3    GFLOP/s: wall min   wall median   per CPU-s   (min/f32: wall, CPU)\n",
                threads, static_cast<long long>(s));
    for (const Stat& st : g)
      std::printf("  %-22s %12.1f %13.1f %11.1f   %6.2fx %6.2fx\n", st.name.c_str(), st.work / st.min() / 1e9,
                  st.work / st.median() / 1e9, st.work / st.min_cpu() / 1e9, g[0].min() / st.min(),
                  g[0].min_cpu() / st.min_cpu());

    const double wbytes = static_cast<double>(gk) * gn * 2;
    std::vector<Stat> v;
    v.push_back({"f32 gemv x W^T",
                 wbytes * 2,
                 [&] { hangu::kernels::f32_gemm(gv, 1.0f, xf.data(), wf.data(), 0.0f, y.data()); },
                 {},
                 {}});
    for (Bf16GemmPath p : {Bf16GemmPath::avx512_widen, Bf16GemmPath::avx512_dot, Bf16GemmPath::avx2_widen}) {
      if (!hangu::kernels::bf16_gemm_path_supported(p)) continue;
      const std::string n = hangu::kernels::bf16_gemm_path_name(p);
      v.push_back({"bf16 x W^T " + n,
                   wbytes,
                   [&, p] { hangu::kernels::bf16_gemm_on(p, gv, 1.0f, x.data(), next_w(), 0.0f, y.data()); },
                   {},
                   {}});
      v.push_back({"bf16 x B " + n,
                   wbytes,
                   [&, p] { hangu::kernels::bf16_gemm_on(p, gv_rows, 1.0f, x.data(), next_w(), 0.0f, y.data()); },
                   {},
                   {}});
    }
    measure(v, reps * 3);
    std::printf(
        "%d thread(s), GEMV 1x%lldx%lld (f32 C, %lld weight copies)  GB/s of weights: wall min   wall median   "
        "per CPU-s   min ms\n",
        threads, static_cast<long long>(gn), static_cast<long long>(gk), static_cast<long long>(rotate));
    for (const Stat& st : v)
      std::printf("  %-26s %12.1f %13.1f %11.1f %8.3f\n", st.name.c_str(), st.work / st.min() / 1e9,
                  st.work / st.median() / 1e9, st.work / st.min_cpu() / 1e9, st.min() * 1e3);
  }
  return 0;
}
