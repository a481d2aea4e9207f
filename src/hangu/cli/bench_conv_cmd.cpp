// `hangu bench conv --n N --c-in C --c-out C --h H --w W --kernel K [--stride S] [--padding P]
//  [--dilation D] [--groups G] [--backward] [--reps R] [--isa LEVEL] [--json]`: times the f32
// convolution kernels (kernels/cpu/conv.h) on preallocated NCHW buffers. --backward times the
// input and the weight gradient together (what a training step needs of a bias-free conv).
// bench/conv_torch.py runs the same cases through PyTorch beside this command.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "hangu/cli/commands.h"
#include "hangu/cli/progress.h"
#include "hangu/core/checked_math.h"
#include "hangu/core/error.h"
#include "hangu/core/i18n.h"
#include "hangu/core/thread_pool.h"
#include "hangu/io/json.h"
#include "hangu/kernels/cpu/conv.h"
#include "hangu/kernels/cpu/isa.h"

namespace hangu::cli {
namespace {

constexpr int64_t kMaxDim = 1 << 16;
constexpr int64_t kMaxElems = int64_t{1} << 30;  // per buffer: at most 4 GiB of f32

int64_t int_option(const ParsedArgs& args, const std::string& option, int64_t lo, int64_t hi, int64_t fallback,
                   bool required, const std::string& context) {
  auto v = args.value(option);
  if (!v) {
    if (required) throw ValueError(MsgId::cli_option_required, context, option);
    return fallback;
  }
  const int64_t x = parse_int(*v, option);
  if (x < lo || x > hi)
    throw ValueError(MsgId::cli_option_range, context, option, x, std::to_string(lo) + ".." + std::to_string(hi));
  return x;
}

struct ConvBenchConfig {
  kernels::Conv2dShape s;
  bool backward = false, json = false;
  int64_t reps = 10;
};

ConvBenchConfig parse_conv(const ParsedArgs& args) {
  const std::string ctx = "bench conv";
  ConvBenchConfig c;
  kernels::Conv2dShape& s = c.s;
  s.n = int_option(args, "--n", 0, kMaxDim, 0, true, ctx);
  s.c_in = int_option(args, "--c-in", 1, kMaxDim, 0, true, ctx);
  s.c_out = int_option(args, "--c-out", 1, kMaxDim, 0, true, ctx);
  s.h = int_option(args, "--h", 1, kMaxDim, 0, true, ctx);
  s.w = int_option(args, "--w", 1, kMaxDim, 0, true, ctx);
  s.kh = s.kw = int_option(args, "--kernel", 1, 1024, 0, true, ctx);
  s.sh = s.sw = int_option(args, "--stride", 1, 1024, 1, false, ctx);
  s.ph = s.pw = int_option(args, "--padding", 0, 1024, 0, false, ctx);
  s.dh = s.dw = int_option(args, "--dilation", 1, 1024, 1, false, ctx);
  s.groups = int_option(args, "--groups", 1, kMaxDim, 1, false, ctx);
  if (s.c_in % s.groups != 0 || s.c_out % s.groups != 0)
    throw ValueError(MsgId::conv_bench_groups, s.groups, s.c_in, s.c_out);
  const int64_t span = s.dh * (s.kh - 1) + 1;
  if (s.h + 2 * s.ph < span || s.w + 2 * s.pw < span)
    throw ValueError(MsgId::conv_bench_bad_shape, Shape{s.n, s.c_in, s.h, s.w}, s.kh, s.sh, s.ph, s.dh, s.groups);
  s.oh = (s.h + 2 * s.ph - span) / s.sh + 1;
  s.ow = (s.w + 2 * s.pw - span) / s.sw + 1;
  const Shape shapes[] = {
      {s.n, s.c_in, s.h, s.w}, {s.n, s.c_out, s.oh, s.ow}, {s.c_out, s.c_in / s.groups, s.kh, s.kw}};
  for (const Shape& sh : shapes)
    if (checked_numel(sh, "bench conv") > kMaxElems)
      throw ValueError(MsgId::cli_option_range, ctx, "--n/--c-in/--c-out/--h/--w", checked_numel(sh),
                       "<= 2^30 elements");
  c.backward = args.has("--backward");
  c.reps = int_option(args, "--reps", 1, 100000, c.reps, false, ctx);
  c.json = args.has("--json");
  if (auto v = args.value("--isa")) {
    auto isa = kernels::parse_isa(*v);
    if (!isa) throw ValueError(MsgId::cli_option_choice, ctx, "--isa", *v, "reference, avx2, avx512");
    kernels::set_active_isa(*isa);
  }
  return c;
}

// Deterministic values in [-1, 1).
std::vector<float> uniform(int64_t n, uint32_t seed) {
  std::vector<float> v(static_cast<size_t>(n));
  uint32_t s = seed * 2654435761u + 1u;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(s >> 8) * (2.0f / 16777216.0f) - 1.0f;
  }
  return v;
}

template <typename F>
std::vector<double> time_reps(F&& f, int64_t reps) {
  f();  // warm-up: faults in the buffers and grows the per-thread scratch
  std::vector<double> ms;
  for (int64_t r = 0; r < reps; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    f();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms;
}

}  // namespace

std::vector<OptionSpec> bench_conv_options() {
  return {{"--n", true},         {"--c-in", true},   {"--c-out", true},   {"--h", true},        {"--w", true},
          {"--kernel", true},    {"--stride", true}, {"--padding", true}, {"--dilation", true}, {"--groups", true},
          {"--backward", false}, {"--reps", true},   {"--isa", true}};
}

int run_bench_conv(const ParsedArgs& args) {
  const ConvBenchConfig c = parse_conv(args);
  const kernels::Conv2dShape& s = c.s;
  std::vector<float> x = uniform(s.n * s.c_in * s.h * s.w, 1);
  std::vector<float> w = uniform(s.c_out * (s.c_in / s.groups) * s.kh * s.kw, 2);
  std::vector<float> b = uniform(s.c_out, 3);
  std::vector<float> y(static_cast<size_t>(s.n * s.c_out * s.oh * s.ow));
  std::vector<float> gx, gw;
  std::vector<double> ms;
  if (c.backward) {
    gx.resize(x.size());
    gw.resize(w.size());
    y = uniform(static_cast<int64_t>(y.size()), 4);  // the output gradient
    ms = time_reps(
        [&] {
          kernels::conv2d_input_grad(DType::f32, s, y.data(), w.data(), gx.data());
          kernels::conv2d_weight_grad(DType::f32, s, y.data(), x.data(), gw.data());
        },
        c.reps);
  } else {
    ms = time_reps([&] { kernels::conv2d_forward(DType::f32, s, x.data(), w.data(), b.data(), y.data()); }, c.reps);
  }
  const size_t r = ms.size();
  const double median = r % 2 ? ms[r / 2] : 0.5 * (ms[r / 2 - 1] + ms[r / 2]), best = ms.front();
  const double flops = 2.0 * static_cast<double>(s.n * s.c_out * s.oh * s.ow) *
                       static_cast<double>((s.c_in / s.groups) * s.kh * s.kw) * (c.backward ? 2.0 : 1.0);
  const double gflops = flops / (median * 1e6);
  const std::string pass = c.backward ? "backward" : "forward";
  const std::string isa = kernels::isa_name(kernels::active_isa());
  if (c.json) {
    io::Json j = io::Json::object();
    j["benchmark"] = "conv";
    j["pass"] = pass;
    j["n"] = s.n;
    j["c_in"] = s.c_in;
    j["c_out"] = s.c_out;
    j["h"] = s.h;
    j["w"] = s.w;
    j["kernel"] = s.kh;
    j["stride"] = s.sh;
    j["padding"] = s.ph;
    j["dilation"] = s.dh;
    j["groups"] = s.groups;
    j["isa"] = isa;
    j["threads"] = get_num_threads();
    j["reps"] = c.reps;
    j["median_ms"] = median;
    j["min_ms"] = best;
    j["gflops"] = gflops;
    j["gflops_best"] = flops / (best * 1e6);
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  const std::string shape = std::to_string(s.n) + "x" + std::to_string(s.c_in) + "x" + std::to_string(s.h) + "x" +
                            std::to_string(s.w) + " k" + std::to_string(s.kh) + " s" + std::to_string(s.sh) + " p" +
                            std::to_string(s.ph) + " -> " + std::to_string(s.c_out) +
                            (s.groups > 1 ? " g" + std::to_string(s.groups) : "");
  std::printf("%s\n", tr(MsgId::conv_bench_result, {shape, pass, isa, std::to_string(get_num_threads()),
                                                    fixed(gflops, 1), fixed(median, 3), fixed(best, 3)})
                          .c_str());
  return 0;
}

}  // namespace hangu::cli
