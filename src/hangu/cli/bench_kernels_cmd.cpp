// Kernel benchmarks, one section per benchmark:
//   `hangu bench matmul --m M --n N --k K [--dtype f32|bf16] [--reps R] [--isa LEVEL] [--json]`
//   `hangu bench peak [--isa LEVEL] [--json]`: the FMA peak GEMM efficiency is quoted against
// Built with HANGU_WITH_OPENBLAS, the same product also runs through OpenBLAS in the same process,
// repetitions interleaved with ours so both see the same machine load.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <functional>
#include <new>
#include <string>
#include <thread>
#include <vector>

#include "hangu/cli/commands.h"
#include "hangu/cli/progress.h"
#include "hangu/core/error.h"
#include "hangu/core/half.h"
#include "hangu/core/i18n.h"
#include "hangu/core/thread_pool.h"
#include "hangu/io/json.h"
#include "hangu/kernels/cpu/fma_peak.h"
#include "hangu/kernels/cpu/gemm.h"
#include "hangu/kernels/cpu/isa.h"

#ifdef HANGU_WITH_OPENBLAS
#include <cblas.h>
#endif

namespace hangu::cli {
namespace {

// ---- shared by the kernel benchmarks ----

int64_t int_option(const ParsedArgs& args, const std::string& option, int64_t lo, int64_t hi, int64_t fallback,
                   const std::string& context) {
  auto v = args.value(option);
  if (!v) return fallback;
  const int64_t x = parse_int(*v, option);
  if (x < lo || x > hi)
    throw ValueError(MsgId::cli_option_range, context, option, x, std::to_string(lo) + ".." + std::to_string(hi));
  return x;
}

// --isa forces an instruction-set level for this run (an unsupported one is an error).
void apply_isa_option(const ParsedArgs& args, const std::string& context) {
  auto v = args.value("--isa");
  if (!v) return;
  auto isa = kernels::parse_isa(*v);
  if (!isa) throw ValueError(MsgId::cli_option_choice, context, "--isa", *v, "reference, avx2, avx512");
  kernels::set_active_isa(*isa);
}

struct Timing {
  double median_ms = 0, min_ms = 0;
};

Timing summarize(std::vector<double> ms) {
  std::sort(ms.begin(), ms.end());
  const size_t n = ms.size();
  return {n % 2 ? ms[n / 2] : 0.5 * (ms[n / 2 - 1] + ms[n / 2]), ms.front()};
}

double time_ms(const std::function<void()>& fn) {
  const auto t0 = std::chrono::steady_clock::now();
  fn();
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
}

// Runs each candidate `reps` times after a warm-up, in two rounds of blocks (candidate by
// candidate) so that both see the same machine load. `settle_ms` is waited before each block:
// OpenBLAS's idle threads spin for about 0.1 s after each call (and at start-up) and would take
// the cores our own threads need.
std::vector<Timing> measure(const std::vector<std::function<void()>>& fns, int64_t reps, int settle_ms) {
  std::vector<std::vector<double>> ms(fns.size());
  const int64_t rounds = reps >= 2 ? 2 : 1;
  for (int64_t round = 0; round < rounds; ++round)
    for (size_t i = 0; i < fns.size(); ++i) {
      if (settle_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(settle_ms));
      if (round == 0) fns[i]();  // warm-up: packing buffers, page faults, OpenBLAS's threads
      const int64_t n = round == 0 ? reps / rounds : reps - reps / rounds;
      for (int64_t r = 0; r < n; ++r) ms[i].push_back(time_ms(fns[i]));
    }
  std::vector<Timing> out;
  for (auto& v : ms) out.push_back(summarize(std::move(v)));
  return out;
}

// Operands are 64-byte aligned, as tensor storage is.
template <typename T>
struct Aligned64 {
  using value_type = T;
  Aligned64() = default;
  template <typename U>
  Aligned64(const Aligned64<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{64})); }
  void deallocate(T* p, size_t) { ::operator delete (p, std::align_val_t{64}); }
  bool operator==(const Aligned64&) const { return true; }
};
template <typename T>
using Buffer = std::vector<T, Aligned64<T>>;

// Deterministic values in [-1, 1): the numbers do not matter, only that they are not special.
void fill_uniform(Buffer<float>& v, uint32_t seed) {
  uint32_t s = seed * 2654435761u + 1u;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(s >> 8) * (2.0f / 16777216.0f) - 1.0f;
  }
}

// ---- bench matmul ----

struct MatmulConfig {
  int64_t m = 0, n = 0, k = 0;
  DType dtype = DType::f32;
  int64_t reps = 10;
  bool json = false;
};

MatmulConfig parse_matmul(const ParsedArgs& args) {
  const std::string ctx = "bench matmul";
  constexpr int64_t kMaxDim = 1 << 16;
  MatmulConfig c;
  for (const char* o : {"--m", "--n", "--k"})
    if (!args.value(o)) throw ValueError(MsgId::cli_option_required, ctx, o);
  c.m = int_option(args, "--m", 1, kMaxDim, 0, ctx);
  c.n = int_option(args, "--n", 1, kMaxDim, 0, ctx);
  c.k = int_option(args, "--k", 1, kMaxDim, 0, ctx);
  // Three operands of at most 2^31 elements each keep the run within a few GiB.
  for (int64_t elems : {c.m * c.k, c.k * c.n, c.m * c.n})
    if (elems > (int64_t{1} << 31))
      throw ValueError(MsgId::cli_option_range, ctx, "--m/--n/--k", elems, "m*k, k*n, m*n <= 2^31");
  if (auto d = args.value("--dtype")) {
    if (*d == "f32")
      c.dtype = DType::f32;
    else if (*d == "bf16")
      c.dtype = DType::bf16;
    else
      throw ValueError(MsgId::cli_option_choice, ctx, "--dtype", *d, "f32, bf16");
  }
  c.reps = int_option(args, "--reps", 1, 100000, c.reps, ctx);
  c.json = args.has("--json");
  apply_isa_option(args, ctx);
  return c;
}

template <typename T>
std::function<void()> our_gemm(const MatmulConfig& c, const Buffer<T>& a, const Buffer<T>& b, Buffer<T>& out,
                               DType dtype) {
  kernels::GemmDesc d;
  d.m = c.m, d.n = c.n, d.k = c.k;
  d.a_rs = c.k, d.a_cs = 1, d.b_rs = c.n, d.b_cs = 1, d.c_rs = c.n, d.c_cs = 1;
  return [d, &a, &b, &out, dtype] { kernels::gemm(dtype, d, 1, a.data(), b.data(), 0, out.data()); };
}

}  // namespace

int run_bench_matmul(const ParsedArgs& args) {
  const MatmulConfig c = parse_matmul(args);
  const double flops = 2.0 * static_cast<double>(c.m) * static_cast<double>(c.n) * static_cast<double>(c.k);
  Buffer<float> a(static_cast<size_t>(c.m * c.k)), b(static_cast<size_t>(c.k * c.n));
  Buffer<float> out(static_cast<size_t>(c.m * c.n));
  fill_uniform(a, 1);
  fill_uniform(b, 2);

  std::vector<std::function<void()>> fns;
  Buffer<BFloat16> a16, b16, out16;
  if (c.dtype == DType::bf16) {
    for (float x : a) a16.push_back(BFloat16(x));
    for (float x : b) b16.push_back(BFloat16(x));
    out16.resize(out.size());
    fns.push_back(our_gemm(c, a16, b16, out16, DType::bf16));
  }
  fns.push_back(our_gemm(c, a, b, out, DType::f32));  // bf16 runs are compared with our f32
#ifdef HANGU_WITH_OPENBLAS
  Buffer<float> out_blas(out.size());
  openblas_set_num_threads(get_num_threads());
  const int m = static_cast<int>(c.m), n = static_cast<int>(c.n), k = static_cast<int>(c.k);
  if (c.dtype == DType::f32) {
    if (c.m == 1)  // y = x @ B is B^T x for a row-major B: OpenBLAS's GEMV, as ours takes
      fns.push_back([&] {
        cblas_sgemv(CblasRowMajor, CblasTrans, k, n, 1.0f, b.data(), n, a.data(), 1, 0.0f, out_blas.data(), 1);
      });
    else
      fns.push_back([&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, m, n, k, 1.0f, a.data(), k, b.data(), n, 0.0f,
                    out_blas.data(), n);
      });
  }
#endif
#ifdef HANGU_WITH_OPENBLAS
  constexpr int kSettleMs = 250;
#else
  constexpr int kSettleMs = 0;
#endif
  const std::vector<Timing> t = measure(fns, c.reps, kSettleMs);
  auto gflops = [&](const Timing& x) { return flops / (x.median_ms * 1e6); };
  const Timing& ours = t[0];
  const std::string isa = kernels::isa_name(kernels::active_isa());
  const std::string dtype = c.dtype == DType::bf16 ? "bf16" : "f32";

  if (c.json) {
    io::Json j = io::Json::object();
    j["benchmark"] = "matmul";
    j["m"] = c.m;
    j["n"] = c.n;
    j["k"] = c.k;
    j["dtype"] = dtype;
    j["isa"] = isa;
    j["threads"] = get_num_threads();
    j["reps"] = c.reps;
    j["gflops"] = gflops(ours);
    j["gflops_best"] = flops / (ours.min_ms * 1e6);
    j["median_ms"] = ours.median_ms;
    j["min_ms"] = ours.min_ms;
    if (c.dtype == DType::bf16) {
      j["f32_gflops"] = gflops(t[1]);
      j["f32_median_ms"] = t[1].median_ms;
      j["f32_min_ms"] = t[1].min_ms;
      j["ratio_vs_f32"] = t[1].median_ms / ours.median_ms;
    }
    if (c.dtype == DType::f32 && t.size() > 1) {
      j["openblas_gflops"] = gflops(t[1]);
      j["openblas_median_ms"] = t[1].median_ms;
      j["openblas_min_ms"] = t[1].min_ms;
      j["ratio"] = t[1].median_ms / ours.median_ms;
      j["ratio_min"] = t[1].min_ms / ours.min_ms;
    }
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  const std::string shape = std::to_string(c.m) + "x" + std::to_string(c.n) + "x" + std::to_string(c.k);
  std::printf("%s\n",
              tr(MsgId::bench_matmul_result, {shape, dtype, isa, std::to_string(get_num_threads()),
                                              fixed(gflops(ours), 1), fixed(ours.median_ms, 3), fixed(ours.min_ms, 3)})
                  .c_str());
  if (t.size() > 1) {
    const std::string peer = c.dtype == DType::bf16 ? "hangu f32" : "OpenBLAS";
    std::printf("%s\n", tr(MsgId::bench_matmul_peer, {peer, fixed(gflops(t[1]), 1), fixed(t[1].median_ms, 3),
                                                      fixed(t[1].min_ms, 3), fixed(t[1].median_ms / ours.median_ms, 3)})
                            .c_str());
  }
  return 0;
}

int run_bench_peak(const ParsedArgs& args) {
  apply_isa_option(args, "bench peak");
  const double gflops = kernels::fma_peak_gflops();
  const std::string isa = kernels::isa_name(kernels::active_isa());
  if (args.has("--json")) {
    io::Json j = io::Json::object();
    j["benchmark"] = "peak";
    j["isa"] = isa;
    j["threads"] = get_num_threads();
    j["gflops"] = gflops;
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::printf("%s\n", tr(MsgId::bench_peak_result, {isa, std::to_string(get_num_threads()), fixed(gflops, 1)}).c_str());
  }
  return 0;
}

std::vector<OptionSpec> bench_kernel_options() {
  return {{"--m", true}, {"--n", true}, {"--k", true}, {"--dtype", true}, {"--reps", true}, {"--isa", true}};
}

}  // namespace hangu::cli
