// The f32 GEMM (kernels/cpu/gemm.h) at every ISA level this machine has, against
// f32_gemm__reference (double accumulation). Stated bound per element of C:
//   |ours - reference| <= (k + 4) * 2^-23 * (|alpha| * sum_p |a_ip| |b_pj| + |beta| * |c_ij|)
// (k roundings of an f32 sum, plus alpha, beta and the reference's own final rounding).
// Also: beta == 0 never reads C (NaN-filled C must not leak), elements of C outside the view stay
// untouched, fused epilogues equal the unfused product followed by bias and activation, and 1 and
// 2 threads give the same bits.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "cli_util.h"
#include "hangu/core/error.h"
#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/fma_peak.h"
#include "hangu/kernels/cpu/gemm.h"
#include "hangu/kernels/cpu/gemm_bf16.h"
#include "hangu/kernels/cpu/isa.h"

namespace hangu {
namespace {

using kernels::Activation;
using kernels::GemmDesc;
using kernels::GemmEpilogue;
using kernels::Isa;
using kernels::IsaGuard;

std::vector<Isa> machine_isas() {
  std::vector<Isa> out;
  for (Isa i : {Isa::reference, Isa::avx2, Isa::avx512})
    if (kernels::isa_supported(i)) out.push_back(i);
  return out;
}

// How a rows x cols matrix lies in memory (strides in elements).
enum class Layout { row, col, row_padded, col_padded, strided };

struct Placement {
  int64_t rs = 0, cs = 0, size = 0;  // size: elements of one matrix's span
};

Placement place(int64_t rows, int64_t cols, Layout l) {
  Placement p;
  switch (l) {
    case Layout::row:
      p.rs = cols, p.cs = 1;
      break;
    case Layout::col:
      p.rs = 1, p.cs = rows;
      break;
    case Layout::row_padded:
      p.rs = cols + 5, p.cs = 1;
      break;
    case Layout::col_padded:
      p.rs = 1, p.cs = rows + 3;
      break;
    case Layout::strided:
      p.rs = 2 * cols + 1, p.cs = 2;
      break;
  }
  p.size = rows == 0 || cols == 0 ? 0 : (rows - 1) * p.rs + (cols - 1) * p.cs + 1;
  return p;
}

void fill(std::vector<float>& v, uint32_t seed) {
  uint32_t s = seed * 2654435761u + 7u;
  for (float& x : v) {
    s = s * 1664525u + 1013904223u;
    x = static_cast<float>(s >> 8) * (2.0f / 16777216.0f) - 1.0f;
  }
}

// A batched product with its operands; batch strides of 0 broadcast an operand.
struct Case {
  GemmDesc d;
  float alpha = 1, beta = 0;
  std::vector<float> a, b, c0;

  Case(int64_t batch, int64_t m, int64_t n, int64_t k, Layout la, Layout lb, Layout lc, float alpha_, float beta_,
       bool broadcast_a = false, bool broadcast_b = false)
      : alpha(alpha_), beta(beta_) {
    const Placement pa = place(m, k, la), pb = place(k, n, lb), pc = place(m, n, lc);
    d.batch = batch, d.m = m, d.n = n, d.k = k;
    d.a_rs = pa.rs, d.a_cs = pa.cs, d.a_bs = broadcast_a ? 0 : pa.size + 2;
    d.b_rs = pb.rs, d.b_cs = pb.cs, d.b_bs = broadcast_b ? 0 : pb.size + 1;
    d.c_rs = pc.rs, d.c_cs = pc.cs, d.c_bs = pc.size + 4;
    a.resize(static_cast<size_t>(std::max<int64_t>(1, (batch - 1) * d.a_bs + pa.size)));
    b.resize(static_cast<size_t>(std::max<int64_t>(1, (batch - 1) * d.b_bs + pb.size)));
    c0.resize(static_cast<size_t>(std::max<int64_t>(1, (batch - 1) * d.c_bs + pc.size)));
    fill(a, static_cast<uint32_t>(m * 31 + k));
    fill(b, static_cast<uint32_t>(n * 17 + k));
    if (beta == 0.0f)
      std::fill(c0.begin(), c0.end(), std::numeric_limits<float>::quiet_NaN());
    else
      fill(c0, static_cast<uint32_t>(m + n));
  }

  std::vector<float> run(const GemmEpilogue* ep = nullptr) const {
    std::vector<float> c = c0;
    kernels::f32_gemm(d, alpha, a.data(), b.data(), beta, c.data(), ep);
    return c;
  }
  std::vector<float> reference() const {
    std::vector<float> c = c0;
    kernels::f32_gemm__reference(d, alpha, a.data(), b.data(), beta, c.data());
    return c;
  }
  int64_t c_index(int64_t bi, int64_t i, int64_t j) const { return bi * d.c_bs + i * d.c_rs + j * d.c_cs; }
};

std::string describe(const Case& t, Isa isa) {
  return std::string(kernels::isa_name(isa)) + " batch " + std::to_string(t.d.batch) + " m " + std::to_string(t.d.m) +
         " n " + std::to_string(t.d.n) + " k " + std::to_string(t.d.k) + " strides a(" + std::to_string(t.d.a_rs) +
         "," + std::to_string(t.d.a_cs) + ") b(" + std::to_string(t.d.b_rs) + "," + std::to_string(t.d.b_cs) + ") c(" +
         std::to_string(t.d.c_rs) + "," + std::to_string(t.d.c_cs) + ") alpha " + std::to_string(t.alpha) + " beta " +
         std::to_string(t.beta);
}

// Checks `got` against the reference within the stated bound, and that nothing outside the view
// of C changed. Returns the number of failures (reported once, not per element).
int check_case(const Case& t, const std::vector<float>& got, Isa isa) {
  const std::vector<float> ref = t.reference();
  std::vector<char> in_view(t.c0.size(), 0);
  int bad = 0;
  std::string first;
  for (int64_t bi = 0; bi < t.d.batch; ++bi)
    for (int64_t i = 0; i < t.d.m; ++i)
      for (int64_t j = 0; j < t.d.n; ++j) {
        const int64_t ci = t.c_index(bi, i, j);
        in_view[static_cast<size_t>(ci)] = 1;
        double mag = 0;
        for (int64_t p = 0; p < t.d.k; ++p)
          mag += std::fabs(t.a[static_cast<size_t>(bi * t.d.a_bs + i * t.d.a_rs + p * t.d.a_cs)]) *
                 std::fabs(t.b[static_cast<size_t>(bi * t.d.b_bs + p * t.d.b_rs + j * t.d.b_cs)]);
        const double c_mag = t.beta == 0.0f ? 0.0 : std::fabs(t.beta) * std::fabs(t.c0[static_cast<size_t>(ci)]);
        const double bound = static_cast<double>(t.d.k + 4) * std::ldexp(1.0, -23) * (std::fabs(t.alpha) * mag + c_mag);
        const double g = got[static_cast<size_t>(ci)], r = ref[static_cast<size_t>(ci)];
        if (!(std::fabs(g - r) <= bound)) {
          if (bad++ == 0)
            first = "C[" + std::to_string(bi) + "," + std::to_string(i) + "," + std::to_string(j) +
                    "] = " + std::to_string(g) + ", reference " + std::to_string(r) + ", bound " +
                    std::to_string(bound);
        }
      }
  for (size_t x = 0; x < t.c0.size(); ++x)
    if (!in_view[x] && std::memcmp(&got[x], &t.c0[x], sizeof(float)) != 0) {
      if (bad++ == 0) first = "element " + std::to_string(x) + " outside the view of C was written";
    }
  EXPECT_EQ(bad, 0) << describe(t, isa) << ": " << first;
  return bad;
}

const std::vector<int64_t> kSizes = {0, 1, 2, 3, 5, 7, 15, 16, 17, 31, 33, 64, 100, 257};
const Layout kLayouts[] = {Layout::row, Layout::col, Layout::row_padded, Layout::col_padded, Layout::strided};
const std::pair<float, float> kScales[] = {{1.0f, 0.0f}, {0.5f, 0.0f}, {1.5f, -0.75f}, {1.0f, 1.0f}, {-2.0f, 0.25f}};

TEST(Gemm, EdgeShapesLayoutsAndScalesAtEveryIsa) {
  for (Isa isa : machine_isas()) {
    IsaGuard guard(isa);
    int failures = 0;
    for (size_t im = 0; im < kSizes.size() && failures < 5; ++im)
      for (size_t in = 0; in < kSizes.size() && failures < 5; ++in) {
        const size_t v = im * kSizes.size() + in;
        const int64_t k = kSizes[(im + 2 * in) % kSizes.size()];
        const auto [alpha, beta] = kScales[v % 5];
        Case t(1, kSizes[im], kSizes[in], k, kLayouts[v % 5], kLayouts[(v / 5) % 5], kLayouts[(v / 3) % 5], alpha,
               beta);
        failures += check_case(t, t.run(), isa);
      }
  }
}

TEST(Gemm, DeepWideAndTallProductsCrossEveryBlock) {
  // k beyond one k block, m beyond one m block, n over many tasks, and GEMV shapes.
  struct Shape {
    int64_t m, n, k;
    Layout la, lb, lc;
  };
  const Shape shapes[] = {
      {50, 70, 1000, Layout::row, Layout::row, Layout::row},
      {45, 33, 801, Layout::col, Layout::col_padded, Layout::row_padded},
      {2100, 20, 10, Layout::row, Layout::row, Layout::row},
      {2100, 40, 9, Layout::col, Layout::row, Layout::col},
      {9, 1500, 40, Layout::row_padded, Layout::col, Layout::row},
      {1, 3000, 70, Layout::row, Layout::row, Layout::row},
      {1, 700, 300, Layout::row, Layout::col, Layout::row_padded},
      {1, 300, 65, Layout::strided, Layout::strided, Layout::strided},
      {900, 1, 130, Layout::col, Layout::row, Layout::row},
      {900, 1, 130, Layout::row, Layout::col, Layout::col_padded},
      {130, 1, 33, Layout::strided, Layout::strided, Layout::strided},
      {1, 1, 1000, Layout::row, Layout::row, Layout::row},
  };
  for (Isa isa : machine_isas()) {
    IsaGuard guard(isa);
    for (const Shape& s : shapes)
      for (auto [alpha, beta] : {std::pair{1.0f, 0.0f}, std::pair{0.75f, -1.25f}}) {
        Case t(1, s.m, s.n, s.k, s.la, s.lb, s.lc, alpha, beta);
        check_case(t, t.run(), isa);
      }
  }
}

// A so large that its packed copy is split into several row blocks (B packed again for each):
// each row's bits must equal those of a product over just a slice of the rows (one block), and
// sampled elements must meet the bound against a double-precision sum.
TEST(Gemm, RowBlocksOfAHugeProductMatchSmallerProducts) {
  const int64_t m = 2100, n = 70, k = 4100;
  std::vector<float> a(static_cast<size_t>(m * k)), b(static_cast<size_t>(k * n));
  fill(a, 11);
  fill(b, 12);
  GemmDesc d;
  d.m = m, d.n = n, d.k = k;
  d.a_rs = k, d.a_cs = 1, d.b_rs = n, d.b_cs = 1, d.c_rs = n, d.c_cs = 1;
  for (Isa isa : machine_isas()) {
    if (isa == Isa::reference) continue;
    IsaGuard guard(isa);
    std::vector<float> whole(static_cast<size_t>(m * n)), part(static_cast<size_t>(m * n));
    kernels::f32_gemm(d, 1.0f, a.data(), b.data(), 0.0f, whole.data());
    for (int64_t r0 = 0; r0 < m; r0 += 700) {
      GemmDesc s = d;
      s.m = 700;
      kernels::f32_gemm(s, 1.0f, a.data() + r0 * k, b.data(), 0.0f, part.data() + r0 * n);
    }
    EXPECT_EQ(std::memcmp(whole.data(), part.data(), whole.size() * sizeof(float)), 0) << kernels::isa_name(isa);
    for (int64_t q = 0; q < 300; ++q) {
      const int64_t i = (q * 977) % m, j = (q * 31) % n;
      double sum = 0, mag = 0;
      for (int64_t p = 0; p < k; ++p) {
        const double x = a[static_cast<size_t>(i * k + p)], y = b[static_cast<size_t>(p * n + j)];
        sum += x * y;
        mag += std::fabs(x * y);
      }
      EXPECT_LE(std::fabs(whole[static_cast<size_t>(i * n + j)] - sum), (k + 4) * std::ldexp(1.0, -23) * mag)
          << kernels::isa_name(isa) << " C[" << i << "," << j << "]";
    }
  }
}

TEST(Gemm, BatchedWithBroadcastOperands) {
  for (Isa isa : machine_isas()) {
    IsaGuard guard(isa);
    for (int v = 0; v < 4; ++v) {
      const bool ba = v == 1 || v == 3, bb = v == 2 || v == 3;
      Case small(5, 7, 9, 11, Layout::row, Layout::col, Layout::row_padded, 1.0f, v % 2 ? 0.5f : 0.0f, ba, bb);
      check_case(small, small.run(), isa);
      Case big(3, 70, 90, 110, kLayouts[v], kLayouts[v + 1], Layout::row, 1.25f, 0.0f, ba, bb);
      check_case(big, big.run(), isa);
      Case gemv(4, 1, 200, 150, Layout::row, kLayouts[v], Layout::row, 1.0f, 1.0f, ba, bb);
      check_case(gemv, gemv.run(), isa);
    }
  }
}

// The unfused twin: the same product, then bias and activation per element (double math).
float activate(double x, Activation act) {
  switch (act) {
    case Activation::none:
      return static_cast<float>(x);
    case Activation::relu:
      return x < 0 ? 0.0f : static_cast<float>(x);
    case Activation::gelu_tanh:
      return static_cast<float>(0.5 * x * (1.0 + std::tanh(0.7978845608028654 * (x + 0.044715 * x * x * x))));
    case Activation::silu:
      return static_cast<float>(x / (1.0 + std::exp(-x)));
  }
  return 0;
}

TEST(Gemm, FusedEpilogueMatchesUnfused) {
  struct Shape {
    int64_t batch, m, n, k;
    Layout lc;
  };
  // Tiles with edges, GEMV rows and columns, k == 0, several k blocks, column-major C.
  const Shape shapes[] = {{1, 37, 45, 29, Layout::row},    {2, 1, 300, 70, Layout::row},  {1, 150, 1, 40, Layout::row},
                          {1, 20, 33, 0, Layout::row},     {1, 40, 50, 800, Layout::row}, {1, 23, 19, 31, Layout::col},
                          {1, 17, 21, 13, Layout::strided}};
  const Activation acts[] = {Activation::none, Activation::relu, Activation::gelu_tanh, Activation::silu};
  const GemmEpilogue::Bias biases[] = {GemmEpilogue::Bias::none, GemmEpilogue::Bias::row, GemmEpilogue::Bias::col};
  for (Isa isa : machine_isas()) {
    IsaGuard guard(isa);
    for (const Shape& s : shapes) {
      // Scaled so the activations see both signs and their curved parts.
      Case t(s.batch, s.m, s.n, s.k, Layout::row, Layout::col, s.lc, 3.0f, s.k == 0 ? 0.5f : 0.0f);
      std::vector<float> bias(static_cast<size_t>(std::max(s.m, s.n)));
      fill(bias, 99);
      const std::vector<float> plain = t.run();
      for (Activation act : acts)
        for (GemmEpilogue::Bias bk : biases) {
          GemmEpilogue ep;
          ep.bias = bk == GemmEpilogue::Bias::none ? nullptr : bias.data();
          ep.bias_kind = bk;
          ep.act = act;
          const std::vector<float> fused = t.run(&ep);
          int bad = 0;
          for (int64_t bi = 0; bi < s.batch; ++bi)
            for (int64_t i = 0; i < s.m; ++i)
              for (int64_t j = 0; j < s.n; ++j) {
                const size_t ci = static_cast<size_t>(t.c_index(bi, i, j));
                float v = plain[ci];  // the bias is added in f32, as the fused store does
                if (bk == GemmEpilogue::Bias::row) v += bias[static_cast<size_t>(i)];
                if (bk == GemmEpilogue::Bias::col) v += bias[static_cast<size_t>(j)];
                const float want = activate(v, act);
                // none and relu are exact; gelu and silu use a vector exp of about 1 ulp.
                const double tol =
                    act == Activation::none || act == Activation::relu ? 0.0 : 1e-5 * std::fabs(want) + 1e-6;
                if (!(std::fabs(fused[ci] - want) <= tol) && bad++ == 0)
                  ADD_FAILURE() << describe(t, isa) << " act " << static_cast<int>(act) << " bias "
                                << static_cast<int>(bk) << ": C[" << bi << "," << i << "," << j << "] = " << fused[ci]
                                << ", unfused " << want;
              }
        }
    }
  }
}

TEST(Gemm, SameBitsWithOneAndTwoThreads) {
  struct Shape {
    int64_t batch, m, n, k;
    Layout la, lb, lc;
  };
  const Shape shapes[] = {
      {1, 300, 260, 500, Layout::row, Layout::row, Layout::row},
      {1, 257, 129, 700, Layout::col, Layout::col, Layout::row_padded},
      {1, 2000, 40, 300, Layout::row, Layout::row, Layout::row},
      {1, 40, 2000, 300, Layout::row, Layout::col, Layout::col},
      {1, 1, 3000, 700, Layout::row, Layout::row, Layout::row},
      {1, 1, 3000, 700, Layout::row, Layout::col, Layout::row},
      {1, 3000, 1, 700, Layout::col, Layout::row, Layout::row},
      {64, 20, 30, 40, Layout::row, Layout::row, Layout::row},
  };
  const int saved = get_num_threads();
  for (Isa isa : machine_isas()) {
    IsaGuard guard(isa);
    for (const Shape& s : shapes) {
      Case t(s.batch, s.m, s.n, s.k, s.la, s.lb, s.lc, 1.0f, 0.5f);
      std::vector<float> bias(static_cast<size_t>(s.n));
      fill(bias, 5);
      GemmEpilogue ep{bias.data(), GemmEpilogue::Bias::col, Activation::silu};
      set_num_threads(1);
      const std::vector<float> one = t.run(&ep);
      set_num_threads(2);
      const std::vector<float> two = t.run(&ep);
      set_num_threads(3);
      const std::vector<float> three = t.run(&ep);
      EXPECT_EQ(std::memcmp(one.data(), two.data(), one.size() * sizeof(float)), 0) << describe(t, isa);
      EXPECT_EQ(std::memcmp(one.data(), three.data(), one.size() * sizeof(float)), 0) << describe(t, isa);
    }
  }
  set_num_threads(saved);
}

TEST(Gemm, DtypeEntryDispatches) {
  GemmDesc d;
  d.m = 9, d.n = 11, d.k = 13;
  d.a_rs = 13, d.a_cs = 1, d.b_rs = 11, d.b_cs = 1, d.c_rs = 11, d.c_cs = 1;
  std::vector<float> a(117), b(143), c1(99), c2(99);
  fill(a, 1);
  fill(b, 2);
  kernels::gemm(DType::f32, d, 1, a.data(), b.data(), 0, c1.data());
  kernels::f32_gemm(d, 1.0f, a.data(), b.data(), 0.0f, c2.data());
  EXPECT_EQ(std::memcmp(c1.data(), c2.data(), c1.size() * sizeof(float)), 0);

  std::vector<double> da(a.begin(), a.end()), db(b.begin(), b.end()), dc1(99), dc2(99);
  kernels::gemm(DType::f64, d, 2.0, da.data(), db.data(), 0, dc1.data());
  kernels::f64_gemm__reference(d, 2.0, da.data(), db.data(), 0.0, dc2.data());
  EXPECT_EQ(std::memcmp(dc1.data(), dc2.data(), dc1.size() * sizeof(double)), 0);

  std::vector<BFloat16> ha(a.begin(), a.end()), hb(b.begin(), b.end()), hc1(99), hc2(99);
  kernels::gemm(DType::bf16, d, 1, ha.data(), hb.data(), 0, hc1.data());
  kernels::bf16_gemm(d, 1.0f, ha.data(), hb.data(), 0.0f, hc2.data());
  EXPECT_EQ(std::memcmp(hc1.data(), hc2.data(), hc1.size() * sizeof(BFloat16)), 0);
}

TEST(Gemm, BadArgumentsAreValueErrors) {
  GemmDesc d;
  d.m = -1, d.n = 2, d.k = 2;
  float x = 0;
  try {
    kernels::f32_gemm(d, 1.0f, &x, &x, 0.0f, &x);
    ADD_FAILURE() << "expected an error";
  } catch (const ValueError& e) {
    EXPECT_EQ(e.id(), MsgId::gemm_bad_sizes);
  }
  d.m = 1, d.n = 1, d.k = 1;
  GemmEpilogue ep;
  ep.bias_kind = GemmEpilogue::Bias::row;
  try {
    kernels::f32_gemm(d, 1.0f, &x, &x, 0.0f, &x, &ep);
    ADD_FAILURE() << "expected an error";
  } catch (const ValueError& e) {
    EXPECT_EQ(e.id(), MsgId::gemm_bias_missing);
    EXPECT_NE(std::string(e.what()).find("row"), std::string::npos) << e.what();
  }
}

TEST(Gemm, BenchMatmulCommand) {
  using test_cli::contains;
  auto r = test_cli::run_hangu("bench matmul --m 33 --n 17 --k 9 --reps 2 --json --threads 2");
  EXPECT_EQ(r.code, 0) << r.out;
  for (const char* key : {"\"gflops\"", "\"median_ms\"", "\"min_ms\"", "\"m\":33", "\"threads\":2"})
    EXPECT_TRUE(contains(r.out, key)) << key << " in " << r.out;
  r = test_cli::run_hangu("bench matmul --m 4 --n 3 --k 2 --reps 1 --isa reference");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "4x3x2") && contains(r.out, "reference")) << r.out;
  r = test_cli::run_hangu("bench matmul --m 4 --n 4");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "--k")) << r.out;
  r = test_cli::run_hangu("bench matmul --m 4 --n 4 --k 4 --dtype f16");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "--dtype") && contains(r.out, "f16")) << r.out;
  r = test_cli::run_hangu("bench matmul --m 0 --n 4 --k 4");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "--m")) << r.out;
  r = test_cli::run_hangu("bench matmul --m 4 --n 4 --k 4 --isa sse9");
  EXPECT_EQ(r.code, 2) << r.out;
  EXPECT_TRUE(contains(r.out, "sse9")) << r.out;
}

// The FMA peak benchmark reports a positive, finite rate at every level (how fast is not a test).
TEST(Gemm, BenchPeakCommand) {
  using test_cli::contains;
  auto r = test_cli::run_hangu("bench peak --json --threads 2");
  EXPECT_EQ(r.code, 0) << r.out;
  for (const char* key : {"\"benchmark\":\"peak\"", "\"gflops\"", "\"threads\":2"})
    EXPECT_TRUE(contains(r.out, key)) << key << " in " << r.out;
  r = test_cli::run_hangu("bench peak --isa reference", "zh_CN.UTF-8");
  EXPECT_EQ(r.code, 0) << r.out;
  EXPECT_TRUE(contains(r.out, "FMA 峰值") && contains(r.out, "reference")) << r.out;
  for (kernels::Isa isa : {kernels::Isa::reference, kernels::Isa::avx2, kernels::Isa::avx512}) {
    if (!kernels::isa_supported(isa)) continue;
    kernels::IsaGuard guard(isa);
    const double g = kernels::fma_peak_gflops(0.01);
    EXPECT_TRUE(std::isfinite(g) && g > 0.0) << kernels::isa_name(isa) << ": " << g;
  }
}

}  // namespace
}  // namespace hangu
