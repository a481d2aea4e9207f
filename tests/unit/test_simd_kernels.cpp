// The f32 fast kernels (kernels/cpu/simd) at every ISA level this machine has, against the
// reference loops (HANGU_ISA=reference through IsaGuard) and, for exp/log/tanh/erf, against
// double-precision values. Exact ops must give the reference's bits; approximations stay within
// the ulp bounds stated at each check. Sizes straddle the vector widths (0, 1, 15, 16, 17, 1000,
// 4097), layouts include broadcasts and non-contiguous views, and threaded results must be the
// same bits with 1 and 2 threads.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "hangu/kernels/cpu/isa.h"
#include "hangu/kernels/cpu/simd/elementwise.h"
#include "hangu/kernels/cpu/simd/f32_kernels.h"
#include "hangu/optim/sgd.h"
#include "test_util.h"

namespace hangu {
namespace {

using kernels::Isa;
using kernels::IsaGuard;
using test_util::same_bits;

const std::vector<int64_t> kSizes = {0, 1, 15, 16, 17, 1000, 4097};
constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

std::vector<Isa> fast_levels() {
  std::vector<Isa> v;
  for (Isa i : {Isa::avx2, Isa::avx512})
    if (kernels::isa_supported(i)) v.push_back(i);
  return v;
}

// The float spacing at |v| (the spacing of the largest binade for the largest floats).
double ulp(double v) {
  float f = static_cast<float>(std::fabs(v));
  if (std::isinf(f)) f = std::numeric_limits<float>::max();
  float up = std::nextafter(f, kInf);
  if (std::isinf(up)) return f - std::nextafter(f, 0.0f);
  return static_cast<double>(up) - static_cast<double>(f);
}

// n floats: N(0, scale) values, and specials at fixed places when `specials`.
Tensor data(int64_t n, uint64_t seed, double scale = 1.0, bool specials = false) {
  Generator gen(seed);
  const Shape s{n};
  Tensor t = contiguous(mul(randn(IntList(s), DType::f32, &gen), scale));
  if (specials && n > 0) {
    float* p = t.data_ptr<float>();
    const float sp[] = {kInf, -kInf, kNaN, 0.0f, -0.0f, 1e-40f, -3e-39f, 88.7f, -104.0f, 1e30f, -1e30f, 3.9f, -1.0f};
    for (int64_t i = 0; i < n; i += 7) p[i] = sp[(i / 7) % (sizeof sp / sizeof sp[0])];
  }
  return t;
}

// Runs f at the reference level and at `level`.
std::pair<Tensor, Tensor> ref_and_fast(Isa level, const std::function<Tensor()>& f) {
  Tensor ref, fast;
  {
    IsaGuard g(Isa::reference);
    ref = f();
  }
  {
    IsaGuard g(level);
    fast = f();
  }
  return {ref, fast};
}

// Every element within `bound(i, ref)` of the reference; NaN where it is NaN, infinities equal.
void expect_close(const Tensor& got, const Tensor& want, const std::function<double(int64_t, double)>& bound,
                  const std::string& what) {
  ASSERT_EQ(got.shape(), want.shape()) << what;
  std::vector<float> g = to_vector<float>(got), w = to_vector<float>(want);
  int shown = 0;
  for (size_t i = 0; i < g.size(); ++i) {
    bool ok;
    if (std::isnan(w[i]) || std::isnan(g[i]))
      ok = std::isnan(w[i]) && std::isnan(g[i]);
    else if (std::isinf(w[i]) || std::isinf(g[i]))
      ok = g[i] == w[i];
    else
      ok = std::fabs(static_cast<double>(g[i]) - w[i]) <= bound(static_cast<int64_t>(i), w[i]);
    if (!ok && shown++ < 5)
      ADD_FAILURE() << what << ": element " << i << " got " << g[i] << " (" << std::hexfloat << g[i] << "), want "
                    << std::defaultfloat << w[i] << " (" << std::hexfloat << w[i] << ")" << std::defaultfloat;
  }
}

std::function<double(int64_t, double)> ulps(double k) {
  return [k](int64_t, double w) { return k * ulp(w); };
}

std::string label(Isa level, const std::string& op, int64_t n) {
  return std::string(kernels::isa_name(level)) + " " + op + " n=" + std::to_string(n);
}

TEST(SimdKernels, ReferenceLevelHasNoFastKernels) {
  IsaGuard g(Isa::reference);
  EXPECT_EQ(kernels::simd::f32_kernels(), nullptr);
  Tensor x = data(5, 1), out = empty({5});
  EXPECT_FALSE(kernels::simd::f32_unary(kernels::simd::UnaryOp::exp, out, x));
  for (Isa level : fast_levels()) {
    IsaGuard f(level);
    ASSERT_NE(kernels::simd::f32_kernels(), nullptr);
    EXPECT_STREQ(kernels::simd::f32_kernels()->isa, kernels::isa_name(level));
    EXPECT_FALSE(kernels::simd::f32_unary(kernels::simd::UnaryOp::exp, empty({5}, DType::f64), to(x, DType::f64)));
  }
}

TEST(SimdKernels, ExactBinaryOpsGiveTheReferenceBits) {
  using Fn = std::function<Tensor(const Tensor&, const Tensor&)>;
  const std::vector<std::pair<std::string, Fn>> ops = {
      {"add", [](const Tensor& a, const Tensor& b) { return add(a, b); }},
      {"add alpha", [](const Tensor& a, const Tensor& b) { return add(a, b, 2.5); }},
      {"sub", [](const Tensor& a, const Tensor& b) { return sub(a, b); }},
      {"sub alpha", [](const Tensor& a, const Tensor& b) { return sub(a, b, -0.3); }},
      {"mul", [](const Tensor& a, const Tensor& b) { return mul(a, b); }},
      {"div", [](const Tensor& a, const Tensor& b) { return div(a, b); }},
  };
  for (Isa level : fast_levels()) {
    for (int64_t n : kSizes) {
      Tensor a = data(n, 10 + static_cast<uint64_t>(n), 1.0, true), b = data(n, 20 + static_cast<uint64_t>(n), 3.0);
      Tensor rows_a = data(3 * n, 30, 1.0, true);
      for (const auto& [name, f] : ops) {
        const std::vector<std::pair<std::string, std::function<Tensor()>>> cases = {
            {"contiguous", [&] { return f(a, b); }},
            {"scalar right", [&] { return f(a, scalar_tensor(0.7, DType::f32)); }},
            {"scalar left", [&] { return f(scalar_tensor(-1.25, DType::f32), b); }},
            {"bias (last dim)",
             [&] {
               return f(reshape(rows_a, {3, n}), b);
             }},
            {"column (first dim)",
             [&] {
               return f(reshape(rows_a, {n, 3}), unsqueeze(b, 1));
             }},
            {"non-contiguous",
             [&] {
               return f(transpose(reshape(rows_a, {3, n}), 0, 1), unsqueeze(b, 1));
             }},
            {"strided", [&] { return f(slice(rows_a, 0, 0, 3 * n, 3), b); }},
        };
        for (const auto& [layout, run] : cases) {
          auto [ref, fast] = ref_and_fast(level, run);
          EXPECT_TRUE(same_bits(ref, fast)) << label(level, name, n) << " " << layout;
        }
      }
    }
  }
}

TEST(SimdKernels, ExactUnaryOpsGiveTheReferenceBits) {
  using Fn = Tensor (*)(const Tensor&);
  const std::vector<std::pair<std::string, Fn>> ops = {
      {"neg", &neg}, {"abs", &abs}, {"relu", &relu}, {"sqrt", &sqrt}, {"rsqrt", &rsqrt}};
  for (Isa level : fast_levels())
    for (int64_t n : kSizes) {
      Tensor x = data(n, 40 + static_cast<uint64_t>(n), 2.0, true);
      Tensor m = data(2 * n, 41, 2.0, true);
      for (const auto& [name, f] : ops) {
        auto [ref, fast] = ref_and_fast(level, [&] { return f(x); });
        EXPECT_TRUE(same_bits(ref, fast)) << label(level, name, n);
        auto [ref2, fast2] = ref_and_fast(level, [&] { return f(slice(m, 0, 1, 2 * n, 2)); });
        EXPECT_TRUE(same_bits(ref2, fast2)) << label(level, name, n) << " strided";
      }
    }
}

// The clamp behind the runtime's fused Relu/Clip: bit for bit std::min(std::max(x, lo), hi), NaN
// kept, signed zeros as std's, with finite and infinite bounds, in place and not.
TEST(SimdKernels, ClampGivesTheScalarBits) {
  const std::vector<std::pair<float, float>> bounds = {{0.0f, 6.0f}, {0.0f, kInf}, {-kInf, 1.5f}, {-0.0f, 0.0f}};
  for (Isa level : fast_levels()) {
    IsaGuard guard(level);
    const kernels::simd::F32Kernels* k = kernels::simd::f32_kernels();
    ASSERT_NE(k, nullptr);
    for (int64_t n : kSizes)
      for (const auto& [lo, hi] : bounds) {
        Tensor x = data(n, 60 + static_cast<uint64_t>(n), 4.0, true);
        const float* xp = x.data_ptr<float>();
        std::vector<float> y(static_cast<size_t>(n)), in_place(xp, xp + n), want(static_cast<size_t>(n));
        for (int64_t i = 0; i < n; ++i) want[static_cast<size_t>(i)] = std::min(std::max(xp[i], lo), hi);
        k->clamp(xp, y.data(), n, lo, hi);
        k->clamp(in_place.data(), in_place.data(), n, lo, hi);
        const size_t bytes = static_cast<size_t>(n) * sizeof(float);
        EXPECT_TRUE(n == 0 || std::memcmp(y.data(), want.data(), bytes) == 0) << label(level, "clamp", n) << " " << lo;
        EXPECT_TRUE(n == 0 || std::memcmp(in_place.data(), want.data(), bytes) == 0) << label(level, "clamp", n);
      }
  }
}

// exp, log, tanh and erf against double precision: within 2 ulp of the exact value over
// magnitudes from denormals to overflow, specials exact.
TEST(SimdKernels, TranscendentalsWithinTwoUlpOfExact) {
  std::vector<float> xs = {
      0.0f, -0.0f,  1e-45f, -1e-45f, 1e-40f,  1.17549435e-38f, 1e-30f,  0.5f,  0.625f, -0.625f, 1.0f, -1.0f, 3.9192f,
      9.0f, 88.72f, 88.73f, -87.3f,  -103.9f, -104.0f,         -150.0f, 1e30f, -1e30f, 3.4e38f, kInf, -kInf, kNaN};
  Generator gen(7);
  for (double scale : {1e-3, 0.3, 1.0, 4.0, 30.0, 100.0}) {
    const Shape shape{2000};
    Tensor r = mul(randn(IntList(shape), DType::f32, &gen), scale);
    for (float v : to_vector<float>(r)) xs.push_back(v);
  }
  for (int e = -149; e <= 127; ++e) xs.push_back(std::ldexp(1.3f, e));
  const Tensor x = test_util::tf(xs);
  struct Case {
    const char* name;
    Tensor (*op)(const Tensor&);
    double (*exact)(double);
  };
  const Case cases[] = {{"exp", &exp, [](double v) { return std::exp(v); }},
                        {"log", &log, [](double v) { return std::log(v); }},
                        {"tanh", &tanh, [](double v) { return std::tanh(v); }},
                        {"erf", &erf, [](double v) { return std::erf(v); }}};
  for (Isa level : fast_levels()) {
    IsaGuard g(level);
    for (const Case& c : cases) {
      std::vector<float> got = to_vector<float>(c.op(x));
      for (size_t i = 0; i < xs.size(); ++i) {
        const double want = c.exact(static_cast<double>(xs[i]));
        const float want_f = static_cast<float>(want);
        if (std::isnan(want) || std::isinf(want_f)) {
          EXPECT_TRUE(std::isnan(want) ? std::isnan(got[i]) : got[i] == want_f)
              << c.name << "(" << xs[i] << ") = " << got[i] << ", want " << want_f;
          continue;
        }
        EXPECT_LE(std::fabs(got[i] - want), 2 * ulp(want))
            << kernels::isa_name(level) << " " << c.name << "(" << std::hexfloat << xs[i] << ") = " << got[i]
            << ", exact " << want << std::defaultfloat;
      }
    }
  }
}

TEST(SimdKernels, ApproximateUnaryOpsStayNearTheReference) {
  // Bounds against the reference kernels (float formulas on the C library's functions, themselves
  // up to 1-2 ulp off): sigmoid and silu 6 ulp; gelu and gelu_tanh 4 ulp plus |x| 2^-23 for the
  // cancellation in 1 + erf (1 + tanh) at negative x, which both sides share.
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> op;
    double ulps, abs_per_x;
  };
  const std::vector<Case> cases = {
      {"exp", [](const Tensor& x) { return exp(x); }, 3, 0},
      {"log", [](const Tensor& x) { return log(x); }, 3, 0},
      {"tanh", [](const Tensor& x) { return tanh(x); }, 4, 0},
      {"erf", [](const Tensor& x) { return erf(x); }, 3, 0},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, 6, 0},
      {"silu", [](const Tensor& x) { return silu(x); }, 6, 0},
      {"gelu", [](const Tensor& x) { return gelu(x); }, 4, std::ldexp(1.0, -23)},
      {"gelu_tanh", [](const Tensor& x) { return gelu(x, "tanh"); }, 4, std::ldexp(1.0, -23)},
  };
  for (Isa level : fast_levels())
    for (int64_t n : kSizes) {
      Tensor x = data(n, 50 + static_cast<uint64_t>(n), 3.0, true);
      std::vector<float> xv = to_vector<float>(x);
      for (const Case& c : cases) {
        auto [ref, fast] = ref_and_fast(level, [&] { return c.op(x); });
        expect_close(
            fast, ref,
            [&](int64_t i, double w) {
              const double ax = std::fabs(xv[static_cast<size_t>(i)]);
              return c.ulps * ulp(w) + (c.abs_per_x > 0 && std::isfinite(ax) ? c.abs_per_x * ax : 0.0);
            },
            label(level, c.name, n));
        // Layout never changes a result: a strided view gives the contiguous input's bits.
        IsaGuard g(level);
        Tensor wide = data(2 * n, 51, 3.0, true);
        Tensor strided = slice(wide, 0, 0, 2 * n, 2);
        EXPECT_TRUE(same_bits(c.op(strided), c.op(contiguous(strided)))) << label(level, c.name, n) << " strided";
      }
    }
}

// Gradient of sum(op(x) * g) with respect to x, by the engine (fused kernels at a fast level).
Tensor grad_of(const std::function<Tensor(const Tensor&)>& op, const Tensor& x0, const Tensor& g) {
  Tensor x = x0.detach();
  x.set_requires_grad(true);
  Tensor y = op(x);
  y.backward(g);
  return x.grad();
}

TEST(SimdKernels, FusedActivationBackwardsMatchTheirFormulas) {
  struct Case {
    const char* name;
    std::function<Tensor(const Tensor&)> op;
    double ulps, abs;  // abs: times |g| (1 + |x|)
  };
  const std::vector<Case> cases = {
      {"relu", [](const Tensor& x) { return relu(x); }, 0, 0},
      {"sigmoid", [](const Tensor& x) { return sigmoid(x); }, 12, std::ldexp(1.0, -22)},
      {"tanh", [](const Tensor& x) { return tanh(x); }, 12, std::ldexp(1.0, -22)},
      {"silu", [](const Tensor& x) { return silu(x); }, 12, std::ldexp(1.0, -21)},
      {"gelu", [](const Tensor& x) { return gelu(x); }, 12, std::ldexp(1.0, -21)},
      {"gelu_tanh", [](const Tensor& x) { return gelu(x, "tanh"); }, 12, std::ldexp(1.0, -21)},
  };
  for (Isa level : fast_levels())
    for (int64_t n : kSizes) {
      Tensor x = data(n, 60 + static_cast<uint64_t>(n), 2.5), g = data(n, 70 + static_cast<uint64_t>(n));
      std::vector<float> xv = to_vector<float>(x), gv = to_vector<float>(g);
      for (const Case& c : cases) {
        auto [ref, fast] = ref_and_fast(level, [&] { return grad_of(c.op, x, g); });
        if (c.ulps == 0) {
          EXPECT_TRUE(same_bits(ref, fast)) << label(level, c.name, n) << " backward";
          continue;
        }
        // sigmoid and tanh differ from the reference only through their forward outputs.
        expect_close(
            fast, ref,
            [&](int64_t i, double w) {
              const size_t k = static_cast<size_t>(i);
              return c.ulps * ulp(w) + c.abs * std::fabs(gv[k]) * (1 + std::fabs(xv[k]));
            },
            label(level, c.name, n) + " backward");
      }
      // A broadcast output gradient (the gradient of a sum) takes the strided path.
      IsaGuard guard(level);
      Tensor xr = x.detach();
      xr.set_requires_grad(true);
      sum(relu(xr)).backward();
      Tensor want = to(gt(x, 0), DType::f32);
      EXPECT_TRUE(same_bits(xr.grad(), want)) << label(level, "relu", n) << " backward of sum";
    }
}

// Two rows per size with the row patterns softmax must keep: ordinary values, large spreads,
// infinities and NaN (the rows holding them come out as in the reference: NaN or 0/1).
Tensor softmax_input(int64_t n, uint64_t seed) {
  Tensor t = data(3 * n, seed, 4.0);
  if (n > 2) {
    float* p = t.data_ptr<float>();
    p[n] = 80.0f;  // row 1: a wide spread
    p[n + 1] = -80.0f;
    p[2 * n] = -kInf;  // row 2: -inf entries
    p[2 * n + 1] = -kInf;
  }
  return reshape(t, {3, n});
}

TEST(SimdKernels, SoftmaxAndLogSoftmaxRows) {
  for (Isa level : fast_levels())
    for (int64_t n : kSizes) {
      Tensor x = softmax_input(n, 80 + static_cast<uint64_t>(n));
      // softmax: exp (<= 1.3 ulp) corrected for the rounding of x - max, a division, the sum: 4 ulp.
      auto [ref, fast] = ref_and_fast(level, [&] { return softmax(x, 1); });
      expect_close(fast, ref, ulps(4), label(level, "softmax", n));
      auto [lref, lfast] = ref_and_fast(level, [&] { return log_softmax(x, 1); });
      expect_close(lfast, lref, ulps(3), label(level, "log_softmax", n));
      auto [cref, cfast] = ref_and_fast(level, [&] { return softmax(transpose(x, 0, 1), 0); });
      expect_close(cfast, cref, ulps(4), label(level, "softmax non-contiguous", n));
    }
  // NaN, +inf and all -inf rows behave like the reference.
  Tensor special =
      reshape(tensor(std::vector<float>{1, kNaN, 2, 3, 1, kInf, 2, 3, -kInf, -kInf, -kInf, -kInf}), {3, 4});
  for (Isa level : fast_levels())
    for (bool log : {false, true}) {
      auto [ref, fast] = ref_and_fast(level, [&] { return log ? log_softmax(special, 1) : softmax(special, 1); });
      expect_close(fast, ref, ulps(0), label(level, log ? "log_softmax specials" : "softmax specials", 4));
    }
}

TEST(SimdKernels, SoftmaxBackwardRows) {
  for (Isa level : fast_levels())
    for (int64_t n : kSizes) {
      Tensor x = reshape(data(3 * n, 90 + static_cast<uint64_t>(n), 3.0), {3, n});
      Tensor g = reshape(data(3 * n, 91 + static_cast<uint64_t>(n)), {3, n});
      for (bool log : {false, true}) {
        auto op = [log](const Tensor& t) { return log ? log_softmax(t, 1) : softmax(t, 1); };
        auto [ref, fast] = ref_and_fast(level, [&] { return grad_of(op, x, g); });
        // Bound: 4 ulp plus the cancellation in g - sum(...) (2^-20 of the terms' size).
        Tensor y = op(x);
        std::vector<float> yv = to_vector<float>(y), gv = to_vector<float>(g);
        std::vector<double> scale(yv.size());
        for (int64_t r = 0; r < 3; ++r) {
          double s = 0;
          for (int64_t j = 0; j < n; ++j) {
            const size_t k = static_cast<size_t>(r * n + j);
            s += log ? std::fabs(gv[k]) : std::fabs(gv[k] * yv[k]);
          }
          for (int64_t j = 0; j < n; ++j) {
            const size_t k = static_cast<size_t>(r * n + j);
            scale[k] = log ? std::fabs(gv[k]) + std::exp(yv[k]) * s : std::fabs(yv[k]) * (std::fabs(gv[k]) + s);
          }
        }
        expect_close(
            fast, ref, [&](int64_t i, double w) { return 4 * ulp(w) + std::ldexp(scale[static_cast<size_t>(i)], -20); },
            label(level, log ? "log_softmax backward" : "softmax backward", n));
      }
    }
}

TEST(SimdKernels, LayerNormAndRmsNormRows) {
  for (Isa level : fast_levels())
    for (int64_t n : kSizes) {
      if (n == 0) continue;  // normalized_shape must be non-empty: covered by the nn tests
      Tensor x = reshape(add(data(4 * n, 100 + static_cast<uint64_t>(n), 2.0), 0.5), {4, n});
      Tensor g = reshape(data(4 * n, 101 + static_cast<uint64_t>(n)), {4, n});
      const std::vector<int64_t> ns = {n};
      for (bool rms : {false, true}) {
        auto op = [&](const Tensor& t) {
          return rms ? rms_norm(t, ns, Tensor(), 1e-5) : layer_norm(t, ns, Tensor(), Tensor(), 1e-5);
        };
        // Forward: the same roundings as the composed ops, sums in another order: 2 ulp.
        auto [ref, fast] = ref_and_fast(level, [&] { return op(x); });
        expect_close(
            fast, ref, [](int64_t, double w) { return 2 * ulp(w) + 1e-7; },
            label(level, rms ? "rms_norm" : "layer_norm", n));
        auto [gref, gfast] = ref_and_fast(level, [&] { return grad_of(op, x, g); });
        Tensor xhat = op(x);
        std::vector<float> hv = to_vector<float>(xhat), gv = to_vector<float>(g);
        std::vector<float> xv = to_vector<float>(x);
        std::vector<double> scale(hv.size());
        for (int64_t r = 0; r < 4; ++r) {
          double ga = 0, gh = 0, m = 0, v = 0;
          for (int64_t j = 0; j < n; ++j) m += xv[static_cast<size_t>(r * n + j)];
          m = rms ? 0 : m / n;
          for (int64_t j = 0; j < n; ++j) {
            const size_t k = static_cast<size_t>(r * n + j);
            ga += std::fabs(gv[k]);
            gh += std::fabs(gv[k] * hv[k]);
            v += (xv[k] - m) * (xv[k] - m);
          }
          const double rstd = 1 / std::sqrt(v / n + 1e-5);
          for (int64_t j = 0; j < n; ++j) {
            const size_t k = static_cast<size_t>(r * n + j);
            scale[k] = rstd * (std::fabs(gv[k]) + std::fabs(hv[k]) * gh / n + ga / n);
          }
        }
        expect_close(
            gfast, gref,
            [&](int64_t i, double w) { return 4 * ulp(w) + std::ldexp(scale[static_cast<size_t>(i)], -21); },
            label(level, rms ? "rms_norm backward" : "layer_norm backward", n));
      }
    }
}

// Batch norm's core over [N, C, S]: one row per channel made of N segments of S elements.
TEST(SimdKernels, BatchNormChannels) {
  constexpr int64_t kN = 3, kC = 4;
  for (Isa level : fast_levels())
    for (int64_t n : kSizes) {
      if (n == 0) continue;
      Tensor x = reshape(add(data(kN * kC * n, 160 + static_cast<uint64_t>(n), 2.0), 0.5), {kN, kC, n});
      Tensor g = reshape(data(kN * kC * n, 161 + static_cast<uint64_t>(n)), {kN, kC, n});
      auto op = [](const Tensor& t) { return batch_norm(t, Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5); };
      auto [ref, fast] = ref_and_fast(level, [&] { return op(x); });
      expect_close(
          fast, ref, [](int64_t, double w) { return 2 * ulp(w) + 1e-7; }, label(level, "batch_norm", n));
      auto [gref, gfast] = ref_and_fast(level, [&] { return grad_of(op, x, g); });
      std::vector<float> hv = to_vector<float>(op(x)), gv = to_vector<float>(g), xv = to_vector<float>(x);
      std::vector<double> scale(hv.size());
      const double count = static_cast<double>(kN * n);
      auto at = [&](int64_t i, int64_t c, int64_t j) { return static_cast<size_t>((i * kC + c) * n + j); };
      for (int64_t c = 0; c < kC; ++c) {
        double ga = 0, gh = 0, m = 0, v = 0;
        for (int64_t i = 0; i < kN; ++i)
          for (int64_t j = 0; j < n; ++j) m += xv[at(i, c, j)];
        m /= count;
        for (int64_t i = 0; i < kN; ++i)
          for (int64_t j = 0; j < n; ++j) {
            const size_t k = at(i, c, j);
            ga += std::fabs(gv[k]);
            gh += std::fabs(gv[k] * hv[k]);
            v += (xv[k] - m) * (xv[k] - m);
          }
        const double rstd = 1 / std::sqrt(v / count + 1e-5);
        for (int64_t i = 0; i < kN; ++i)
          for (int64_t j = 0; j < n; ++j) {
            const size_t k = at(i, c, j);
            scale[k] = rstd * (std::fabs(gv[k]) + std::fabs(hv[k]) * gh / count + ga / count);
          }
      }
      expect_close(
          gfast, gref, [&](int64_t i, double w) { return 4 * ulp(w) + std::ldexp(scale[static_cast<size_t>(i)], -21); },
          label(level, "batch_norm backward", n));
    }
}

// Training-mode batch norm with weight, bias and running statistics: one fused kernel each way
// (the affine part, the gradients of w and b and the statistics included) against the composite
// ops of the reference level; and a second derivative, which leaves the fused backward for the
// composite formulas.
TEST(SimdKernels, BatchNormAffineFusedMatchesTheComposite) {
  constexpr int64_t kN = 3, kC = 4;
  for (Isa level : fast_levels())
    for (int64_t n : {int64_t{1}, int64_t{17}, int64_t{1000}}) {
      const Tensor x0 = reshape(add(data(kN * kC * n, 170 + static_cast<uint64_t>(n), 2.0), 0.5), {kN, kC, n});
      const Tensor g = reshape(data(kN * kC * n, 171 + static_cast<uint64_t>(n)), {kN, kC, n});
      const Tensor w0 = add(data(kC, 172), 1.0), b0 = data(kC, 173);
      auto run = [&](bool second) {
        Tensor x = x0.detach(), w = w0.detach(), b = b0.detach();
        for (Tensor* t : {&x, &w, &b}) t->set_requires_grad(true);
        Tensor rm = zeros({kC}, DType::f32), rv = ones({kC}, DType::f32);
        Tensor y = batch_norm(x, rm, rv, w, b, true, 0.1, 1e-5);
        std::vector<Tensor> grads = autograd::grad({y}, {x, w, b}, {g}, true, second);
        if (second)  // d/dx of sum(dx * g): through the composite backward
          return std::vector<Tensor>{autograd::grad({sum(mul(grads[0], g))}, {x}, {}, false, false)[0]};
        std::vector<Tensor> flat;
        for (const Tensor& t : {y.detach(), grads[0], grads[1], grads[2], rm, rv}) flat.push_back(reshape(t, {-1}));
        return flat;
      };
      auto [ref, fast] = ref_and_fast(level, [&] { return cat(run(false), 0); });
      // y, dx: O(1) values from sums in another order; dw, db: sums of 3n terms; the statistics.
      expect_close(
          fast, ref, [&](int64_t, double w) { return 8 * ulp(w) + 2e-6 * (1 + std::fabs(w)); },
          label(level, "batch_norm affine: y, dx, dw, db, running stats", n));
      auto [ref2, fast2] = ref_and_fast(level, [&] { return run(true)[0]; });
      expect_close(
          fast2, ref2, [&](int64_t, double w) { return 8 * ulp(w) + 1e-5 * (1 + std::fabs(w)); },
          label(level, "batch_norm second derivative", n));
    }
}

TEST(SimdKernels, SumsAndMeans) {
  const std::vector<int64_t> sizes = {0, 1, 15, 16, 17, 1000, 4097, 40000};
  for (Isa level : fast_levels())
    for (int64_t n : sizes) {
      Tensor x = add(data(n, 110 + static_cast<uint64_t>(n), 2.0), 0.25);
      double abs_sum = 0;
      for (float v : to_vector<float>(x)) abs_sum += std::fabs(v);
      // Whole sums: double accumulation in another order within each fixed chunk: 1 ulp.
      for (bool m : {false, true}) {
        auto [ref, fast] = ref_and_fast(level, [&] { return m ? mean(x) : sum(x); });
        expect_close(
            fast, ref, [&](int64_t, double w) { return ulp(w) + 1e-12 * abs_sum; },
            label(level, m ? "mean" : "sum", n));
      }
      // Leading dims (a bias gradient): the reference's order exactly, so the same bits.
      Tensor x2 = reshape(data(3 * n, 120, 1.5), {n, 3});
      Tensor x3 = reshape(data(6 * n, 121, 1.5), {2, n, 3});
      const std::vector<int64_t> d0 = {0}, d01 = {0, 1}, d1 = {1}, d12 = {1, 2};
      for (bool m : {false, true}) {
        auto s = [m](const Tensor& t, IntList dims, bool keep) { return m ? mean(t, dims, keep) : sum(t, dims, keep); };
        auto [r0, f0] = ref_and_fast(level, [&] { return s(x2, d0, false); });
        EXPECT_TRUE(same_bits(r0, f0)) << label(level, "sum dim 0", n);
        auto [r1, f1] = ref_and_fast(level, [&] { return s(x3, d01, true); });
        EXPECT_TRUE(same_bits(r1, f1)) << label(level, "sum dims 0,1", n);
        auto [r2, f2] = ref_and_fast(level, [&] { return s(x3, d12, false); });
        expect_close(f2, r2, ulps(1), label(level, "sum dims 1,2", n));
        auto [r3, f3] = ref_and_fast(level, [&] { return s(x3, d1, false); });  // middle dim: the reference
        EXPECT_TRUE(same_bits(r3, f3)) << label(level, "sum dim 1 of 3", n);
        const std::vector<int64_t> d02 = {0, 2};  // all but the middle: a bias gradient over N, H, W
        auto [r4, f4] = ref_and_fast(level, [&] { return s(x3, d02, true); });
        expect_close(f4, r4, ulps(1), label(level, "sum dims 0,2", n));
      }
    }
}

TEST(SimdKernels, ThreadedResultsAreTheSameBitsForOneAndTwoThreads) {
  Tensor x = data(100000, 130, 3.0), rows = reshape(data(64 * 1000, 131, 3.0), {64, 1000});
  Tensor cols = reshape(data(40000 * 8, 132), {40000, 8});
  const std::vector<int64_t> d0 = {0};
  for (Isa level : fast_levels()) {
    IsaGuard g(level);
    const std::vector<std::pair<std::string, std::function<Tensor()>>> cases = {
        {"sum", [&] { return sum(x); }},
        {"mean", [&] { return mean(x); }},
        {"column sums", [&] { return sum(cols, d0); }},
        {"bias gradient sums",
         [&] {
           return sum(reshape(cols, {400, 8, 100}), std::vector<int64_t>{0, 2});
         }},
        {"softmax", [&] { return softmax(rows, 1); }},
        {"log_softmax", [&] { return log_softmax(rows, 1); }},
        {"layer_norm", [&] { return layer_norm(rows, std::vector<int64_t>{1000}, Tensor(), Tensor(), 1e-5); }},
        {"batch_norm",
         [&] {
           return batch_norm(reshape(rows, {16, 4, 1000}), Tensor(), Tensor(), Tensor(), Tensor(), true, 0.1, 1e-5);
         }},
        {"gelu", [&] { return gelu(x); }},
        {"add", [&] { return add(x, 1.5); }},
    };
    for (const auto& [name, f] : cases) {
      auto [one, two] = test_util::with_1_and_2_threads(f);
      EXPECT_TRUE(same_bits(one, two)) << kernels::isa_name(level) << " " << name;
    }
  }
}

// Plain (not differentiable) float32 update through the optimizers at each level.
std::vector<Tensor> optimizer_run(Isa level, const std::function<std::unique_ptr<optim::Optimizer>(Tensor)>& make,
                                  int64_t n) {
  IsaGuard g(level);
  Tensor p = data(n, 140 + static_cast<uint64_t>(n));
  p.set_requires_grad(true);
  auto opt = make(p);
  for (int step = 0; step < 3; ++step) {
    opt->zero_grad();
    p.set_grad(data(n, 150 + static_cast<uint64_t>(step)));
    opt->step();
  }
  return {p.detach()};
}

TEST(SimdKernels, OptimizerUpdatesGiveTheReferenceBits) {
  using Make = std::function<std::unique_ptr<optim::Optimizer>(Tensor)>;
  const std::vector<std::pair<std::string, Make>> makers = {
      {"sgd",
       [](Tensor p) {
         optim::SGDOptions o;
         o.lr = 0.1;
         return std::make_unique<optim::SGD>(std::vector<Tensor>{p}, o);
       }},
      {"sgd momentum wd",
       [](Tensor p) {
         optim::SGDOptions o;
         o.lr = 0.05, o.momentum = 0.9, o.dampening = 0.1, o.weight_decay = 1e-2;
         return std::make_unique<optim::SGD>(std::vector<Tensor>{p}, o);
       }},
      {"sgd nesterov maximize",
       [](Tensor p) {
         optim::SGDOptions o;
         o.lr = 0.05, o.momentum = 0.8, o.nesterov = true, o.maximize = true;
         return std::make_unique<optim::SGD>(std::vector<Tensor>{p}, o);
       }},
      {"adam",
       [](Tensor p) {
         optim::AdamOptions o;
         o.lr = 1e-3, o.weight_decay = 1e-2;
         return std::make_unique<optim::Adam>(std::vector<Tensor>{p}, o);
       }},
      {"adam amsgrad maximize",
       [](Tensor p) {
         optim::AdamOptions o;
         o.amsgrad = true, o.maximize = true;
         return std::make_unique<optim::Adam>(std::vector<Tensor>{p}, o);
       }},
      {"adamw",
       [](Tensor p) {
         optim::AdamWOptions o;
         o.weight_decay = 0.1;
         return std::make_unique<optim::AdamW>(std::vector<Tensor>{p}, o);
       }},
  };
  for (Isa level : fast_levels())
    for (int64_t n : {int64_t{1}, int64_t{17}, int64_t{4097}, int64_t{70000}})
      for (const auto& [name, make] : makers) {
        Tensor ref = optimizer_run(Isa::reference, make, n)[0], fast = optimizer_run(level, make, n)[0];
        EXPECT_TRUE(same_bits(ref, fast)) << label(level, name, n);
      }
}

}  // namespace
}  // namespace hangu
