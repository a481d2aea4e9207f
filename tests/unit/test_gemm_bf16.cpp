// bf16 GEMM (kernels/cpu/gemm_bf16.h): every path this machine can run (portable fallback, AVX2
// and AVX-512 widening, AVX512-BF16 dot) against the double-accumulating reference, over shapes
// with edges, strides, transposes, batches, alpha/beta and special values; the widening paths
// give the same bits as each other; every path gives the same bits for 1 and 2 threads.
//
// Error bound, per element of C, with S = sum_p |a_ip| |b_pj| and r the reference value:
//   f32 C:  |c - r| <= (k + 2) * 2^-23 * (|alpha| * S + |beta| * |c0|)
//           (k f32 additions of exact bf16 products, the alpha and beta roundings, each at most
//            2^-24 relative; the factor 2 leaves room for the reference's own rounding to f32)
//   bf16 C: the f32 bound plus one bf16 ulp of the result (the final rounding).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "hangu/core/error.h"
#include "hangu/core/thread_pool.h"
#include "hangu/kernels/cpu/gemm_bf16.h"
#include "hangu/kernels/cpu/isa.h"

namespace hangu {
namespace {

using kernels::Bf16GemmPath;
using kernels::GemmDesc;
using kernels::Isa;

constexpr Bf16GemmPath kAllPaths[] = {Bf16GemmPath::fallback, Bf16GemmPath::avx2_widen, Bf16GemmPath::avx512_widen,
                                      Bf16GemmPath::avx512_dot};
constexpr Bf16GemmPath kWidening[] = {Bf16GemmPath::fallback, Bf16GemmPath::avx2_widen, Bf16GemmPath::avx512_widen};
constexpr int64_t kEdges[] = {0, 1, 2, 3, 7, 16, 17, 31, 33, 64, 100, 130};

std::vector<Bf16GemmPath> runnable_paths() {
  std::vector<Bf16GemmPath> v;
  for (Bf16GemmPath p : kAllPaths)
    if (kernels::bf16_gemm_path_supported(p)) v.push_back(p);
  return v;
}

// Deterministic values in [-1, 1) on any platform (a 64-bit LCG), rounded to bf16.
struct Lcg {
  uint64_t s;
  float next() {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<float>(static_cast<int64_t>(s >> 40) - (int64_t{1} << 23)) / static_cast<float>(1 << 23);
  }
};

struct Layout {
  bool ta = false, tb = false, tc = false;  // operand stored transposed
  int64_t pad = 0;                          // extra elements per leading dimension
  int64_t batch = 1;
  bool b_broadcast = false;  // one B for every batch entry (b_bs == 0)
};

// A problem and its operands; C starts as c0 (bf16-representable values, or NaN).
struct Problem {
  GemmDesc d;
  std::vector<BFloat16> a, b;
  std::vector<float> c0;
  float alpha = 1.0f, beta = 0.0f;
};

Problem make_problem(int64_t m, int64_t n, int64_t k, const Layout& l, float alpha, float beta, uint64_t seed,
                     bool nan_c = false) {
  Problem p;
  GemmDesc& d = p.d;
  d.batch = l.batch;
  d.m = m;
  d.n = n;
  d.k = k;
  const int64_t lda = (l.ta ? m : k) + l.pad, ldb = (l.tb ? k : n) + l.pad, ldc = (l.tc ? m : n) + l.pad;
  d.a_rs = l.ta ? 1 : lda;
  d.a_cs = l.ta ? lda : 1;
  d.a_bs = (l.ta ? k : m) * lda;
  d.b_rs = l.tb ? 1 : ldb;
  d.b_cs = l.tb ? ldb : 1;
  d.b_bs = l.b_broadcast ? 0 : (l.tb ? n : k) * ldb;
  d.c_rs = l.tc ? 1 : ldc;
  d.c_cs = l.tc ? ldc : 1;
  d.c_bs = (l.tc ? n : m) * ldc;
  Lcg g{seed};
  p.a.resize(static_cast<size_t>(std::max<int64_t>(1, d.batch * d.a_bs)));
  for (BFloat16& x : p.a) x = BFloat16(g.next());
  p.b.resize(static_cast<size_t>(std::max<int64_t>(1, (l.b_broadcast ? 1 : d.batch) * (l.tb ? n : k) * ldb)));
  for (BFloat16& x : p.b) x = BFloat16(g.next());
  p.c0.resize(static_cast<size_t>(std::max<int64_t>(1, d.batch * d.c_bs)));
  for (float& x : p.c0) x = nan_c ? std::numeric_limits<float>::quiet_NaN() : static_cast<float>(BFloat16(g.next()));
  p.alpha = alpha;
  p.beta = beta;
  return p;
}

std::vector<BFloat16> to_bf16(const std::vector<float>& v) {
  std::vector<BFloat16> r(v.size());
  for (size_t i = 0; i < v.size(); ++i) r[i] = BFloat16(v[i]);
  return r;
}

std::vector<float> run_f32(Bf16GemmPath path, const Problem& p) {
  std::vector<float> c = p.c0;
  kernels::bf16_gemm_on(path, p.d, p.alpha, p.a.data(), p.b.data(), p.beta, c.data());
  return c;
}

std::vector<BFloat16> run_bf16(Bf16GemmPath path, const Problem& p) {
  std::vector<BFloat16> c = to_bf16(p.c0);
  kernels::bf16_gemm_on(path, p.d, p.alpha, p.a.data(), p.b.data(), p.beta, c.data());
  return c;
}

// Reference values and per-element bounds (elements of C outside the matrices stay c0).
struct Expected {
  std::vector<float> ref;
  std::vector<double> bound;
};

Expected expected(const Problem& p) {
  Expected e;
  e.ref = p.c0;
  kernels::bf16_gemm_f32out__reference(p.d, p.alpha, p.a.data(), p.b.data(), p.beta, e.ref.data());
  e.bound.assign(e.ref.size(), 0.0);
  const GemmDesc& d = p.d;
  for (int64_t bi = 0; bi < d.batch; ++bi)
    for (int64_t i = 0; i < d.m; ++i)
      for (int64_t j = 0; j < d.n; ++j) {
        double s = 0.0;
        for (int64_t q = 0; q < d.k; ++q)
          s += std::fabs(static_cast<float>(p.a[bi * d.a_bs + i * d.a_rs + q * d.a_cs])) *
               std::fabs(static_cast<float>(p.b[bi * d.b_bs + q * d.b_rs + j * d.b_cs]));
        const size_t at = static_cast<size_t>(bi * d.c_bs + i * d.c_rs + j * d.c_cs);
        const double c = p.beta != 0.0f ? std::fabs(p.beta * static_cast<double>(p.c0[at])) : 0.0;
        e.bound[at] = static_cast<double>(d.k + 2) * std::ldexp(1.0, -23) * (std::fabs(p.alpha) * s + c);
      }
  return e;
}

double bf16_ulp(double x) {
  if (x < std::ldexp(1.0, -126)) return std::ldexp(1.0, -133);
  return std::ldexp(1.0, std::ilogb(x) - 7);
}

std::string describe(const Problem& p, Bf16GemmPath path) {
  const GemmDesc& d = p.d;
  return std::string(kernels::bf16_gemm_path_name(path)) + " batch=" + std::to_string(d.batch) +
         " m=" + std::to_string(d.m) + " n=" + std::to_string(d.n) + " k=" + std::to_string(d.k) + " a(" +
         std::to_string(d.a_rs) + "," + std::to_string(d.a_cs) + ") b(" + std::to_string(d.b_rs) + "," +
         std::to_string(d.b_cs) + "," + std::to_string(d.b_bs) + ") c(" + std::to_string(d.c_rs) + "," +
         std::to_string(d.c_cs) + ") alpha=" + std::to_string(p.alpha) + " beta=" + std::to_string(p.beta);
}

// Checks both output types of `path` against the reference; returns false at the first failure.
bool check_path(Bf16GemmPath path, const Problem& p, const Expected& e) {
  const std::vector<float> cf = run_f32(path, p);
  const std::vector<BFloat16> cb = run_bf16(path, p);
  for (size_t i = 0; i < e.ref.size(); ++i) {
    const double r = e.ref[i], f = cf[i], b = static_cast<float>(cb[i]);
    if (std::isnan(r)) {  // only untouched NaN padding of C can be NaN here
      if (!std::isnan(f) || !std::isnan(b)) {
        ADD_FAILURE() << describe(p, path) << " at " << i << ": expected NaN, got " << f << " / " << b;
        return false;
      }
      continue;
    }
    if (!(std::fabs(f - r) <= e.bound[i])) {
      ADD_FAILURE() << describe(p, path) << " f32 C at " << i << ": " << f << " vs " << r << " bound " << e.bound[i];
      return false;
    }
    const double bb = e.bound[i] + bf16_ulp(std::fabs(r) + e.bound[i]);
    if (!(std::fabs(b - r) <= bb)) {
      ADD_FAILURE() << describe(p, path) << " bf16 C at " << i << ": " << b << " vs " << r << " bound " << bb;
      return false;
    }
  }
  return true;
}

bool same_bits(const void* x, const void* y, size_t bytes) { return std::memcmp(x, y, bytes) == 0; }

TEST(GemmBf16, PathsAndTheirSupport) {
  for (Bf16GemmPath p : kAllPaths) {
    if (kernels::bf16_gemm_path_supported(p)) continue;
    Problem pr = make_problem(2, 2, 2, {}, 1.0f, 0.0f, 1);
    try {
      run_f32(p, pr);
      ADD_FAILURE() << "unsupported path ran: " << kernels::bf16_gemm_path_name(p);
    } catch (const Error& err) {
      EXPECT_EQ(err.kind(), ErrorKind::unsupported);
      EXPECT_NE(std::string(err.what()).find(kernels::bf16_gemm_path_name(p)), std::string::npos) << err.what();
    }
  }
  EXPECT_TRUE(kernels::bf16_gemm_path_supported(Bf16GemmPath::fallback));
  // The level picks the path; bf16_gemm runs exactly that path.
  for (Isa isa : {Isa::reference, Isa::avx2, Isa::avx512}) {
    if (!kernels::isa_supported(isa)) continue;
    kernels::IsaGuard g(isa);
    const Bf16GemmPath p = kernels::bf16_gemm_active_path();
    if (isa == Isa::reference) {
      EXPECT_EQ(p, Bf16GemmPath::fallback);
    } else if (isa == Isa::avx2) {
      EXPECT_EQ(p, Bf16GemmPath::avx2_widen);
    } else {
      EXPECT_TRUE(p == Bf16GemmPath::avx512_widen || p == Bf16GemmPath::avx512_dot);
    }
    if (p == Bf16GemmPath::avx512_dot) {
      EXPECT_TRUE(kernels::bf16_dot_available());
    }
    Problem pr = make_problem(37, 45, 301, {}, 0.75f, -0.5f, 7);
    std::vector<BFloat16> cb = to_bf16(pr.c0);
    kernels::bf16_gemm(pr.d, pr.alpha, pr.a.data(), pr.b.data(), pr.beta, cb.data());
    std::vector<float> cf = pr.c0;
    kernels::bf16_gemm_f32out(pr.d, pr.alpha, pr.a.data(), pr.b.data(), pr.beta, cf.data());
    EXPECT_TRUE(same_bits(cb.data(), run_bf16(p, pr).data(), cb.size() * 2)) << kernels::isa_name(isa);
    EXPECT_TRUE(same_bits(cf.data(), run_f32(p, pr).data(), cf.size() * 4)) << kernels::isa_name(isa);
  }
}

// Every (m, n, k) of the edge sizes, row-major, on every path.
TEST(GemmBf16, AllEdgeShapesRowMajor) {
  const std::vector<Bf16GemmPath> paths = runnable_paths();
  for (int64_t m : kEdges)
    for (int64_t n : kEdges)
      for (int64_t k : kEdges) {
        const Problem p = make_problem(m, n, k, {}, 1.0f, 0.0f, static_cast<uint64_t>(m * 10000 + n * 100 + k));
        const Expected e = expected(p);
        for (Bf16GemmPath path : paths)
          if (!check_path(path, p, e)) return;
      }
}

// Transposed and padded operands (absorbed by packing), alpha and beta, on every path.
TEST(GemmBf16, TransposesStridesAlphaBeta) {
  const std::vector<Bf16GemmPath> paths = runnable_paths();
  const int64_t sizes[] = {1, 3, 17, 33, 100};
  uint64_t seed = 1;
  for (int t = 0; t < 8; ++t) {
    Layout l;
    l.ta = t & 1;
    l.tb = t & 2;
    l.tc = t & 4;
    l.pad = t % 3;
    for (int64_t m : sizes)
      for (int64_t n : sizes)
        for (int64_t k : sizes) {
          const Problem p = make_problem(m, n, k, l, -0.75f, t % 2 ? 1.5f : -0.25f, ++seed);
          const Expected e = expected(p);
          for (Bf16GemmPath path : paths)
            if (!check_path(path, p, e)) return;
        }
  }
}

TEST(GemmBf16, BatchedWithSharedAndStridedB) {
  const std::vector<Bf16GemmPath> paths = runnable_paths();
  uint64_t seed = 100;
  for (bool broadcast : {false, true})
    for (int64_t batch : {1, 3, 5})
      for (int64_t m : {1, 7, 64})
        for (int64_t n : {1, 31, 130})
          for (int64_t k : {2, 33, 100}) {
            Layout l;
            l.batch = batch;
            l.b_broadcast = broadcast;
            l.tb = (m + n) % 2 == 0;
            l.pad = 1;
            const Problem p = make_problem(m, n, k, l, 1.25f, 0.5f, ++seed);
            const Expected e = expected(p);
            for (Bf16GemmPath path : paths)
              if (!check_path(path, p, e)) return;
          }
}

// beta == 0 never reads C: NaN there must not leak. k == 0 gives alpha * 0 + beta * C.
TEST(GemmBf16, BetaZeroIgnoresNanAndEmptyK) {
  const std::vector<Bf16GemmPath> paths = runnable_paths();
  for (int64_t m : {1, 5, 33})
    for (int64_t n : {1, 17, 64})
      for (int64_t k : {0, 1, 31}) {
        Layout l;
        l.tc = n % 2 == 1;
        const Problem p = make_problem(m, n, k, l, 2.0f, 0.0f, static_cast<uint64_t>(m + n + k), true);
        const Expected e = expected(p);
        for (Bf16GemmPath path : paths) {
          const std::vector<float> cf = run_f32(path, p);
          const std::vector<BFloat16> cb = run_bf16(path, p);
          for (int64_t i = 0; i < m; ++i)
            for (int64_t j = 0; j < n; ++j) {
              const size_t at = static_cast<size_t>(i * p.d.c_rs + j * p.d.c_cs);
              ASSERT_FALSE(std::isnan(cf[at])) << describe(p, path);
              ASSERT_FALSE(std::isnan(static_cast<float>(cb[at]))) << describe(p, path);
            }
          if (!check_path(path, p, e)) return;
        }
        // k == 0 with beta != 0: exactly round(alpha * 0 + beta * c) on every path.
        if (k == 0) {
          const Problem q = make_problem(m, n, 0, l, 2.0f, -3.0f, 9);
          const Expected eq = expected(q);
          for (Bf16GemmPath path : paths) EXPECT_EQ(run_f32(path, q), eq.ref) << describe(q, path);
        }
      }
}

// Inf and NaN in the inputs propagate as in the reference; zero padding (odd k, tile edges)
// never turns an infinity into NaN.
TEST(GemmBf16, InfinityAndNanPropagate) {
  const std::vector<Bf16GemmPath> paths = runnable_paths();
  for (int64_t k : {1, 7, 33}) {
    Problem p = make_problem(19, 37, k, {}, 1.0f, 0.0f, static_cast<uint64_t>(k));
    for (BFloat16& x : p.a) x = BFloat16(std::fabs(static_cast<float>(x)) + 0.5f);
    for (BFloat16& x : p.b) x = BFloat16(std::fabs(static_cast<float>(x)) + 0.5f);
    const float inf = std::numeric_limits<float>::infinity();
    p.b[static_cast<size_t>((k - 1) * p.d.b_rs + 3)] = BFloat16(inf);   // last (odd) k row, column 3
    p.a[static_cast<size_t>(5 * p.d.a_rs + (k - 1))] = BFloat16(-inf);  // row 5 -> -inf
    p.a[static_cast<size_t>(11 * p.d.a_rs)] = BFloat16(std::numeric_limits<float>::quiet_NaN());  // row 11 NaN
    const Expected e = expected(p);
    for (Bf16GemmPath path : paths) {
      const std::vector<float> cf = run_f32(path, p);
      const std::vector<BFloat16> cb = run_bf16(path, p);
      for (size_t i = 0; i < e.ref.size(); ++i) {
        const float r = e.ref[i], b = static_cast<float>(cb[i]);
        if (std::isnan(r) || std::isinf(r)) {
          EXPECT_EQ(std::isnan(cf[i]), std::isnan(r)) << describe(p, path) << " at " << i;
          EXPECT_EQ(std::isnan(b), std::isnan(r)) << describe(p, path) << " at " << i;
          if (std::isinf(r)) {
            EXPECT_EQ(cf[i], r) << describe(p, path) << " at " << i;
            EXPECT_EQ(b, r) << describe(p, path) << " at " << i;
          }
        } else {
          EXPECT_LE(std::fabs(cf[i] - r), e.bound[i]) << describe(p, path) << " at " << i;
        }
      }
    }
  }
}

// m == 1 and n == 1 take the GEMV kernels: long k with tails, B (or A) in both orders.
TEST(GemmBf16, GemvShapes) {
  const std::vector<Bf16GemmPath> paths = runnable_paths();
  uint64_t seed = 500;
  for (int64_t k : {1, 2, 31, 33, 1000, 4113})
    for (int64_t n : {1, 5, 64, 130, 300})
      for (int t = 0; t < 4; ++t) {
        Layout l;
        l.tb = t & 1;
        l.ta = t & 2;
        l.pad = 3;
        l.batch = k < 100 ? 2 : 1;
        const Problem p = make_problem(1, n, k, l, 0.5f, t % 2 ? 0.0f : 2.0f, ++seed);
        const Expected e = expected(p);
        Layout lt = l;  // the transposed problem: n == 1
        const Problem q = make_problem(n, 1, k, lt, 0.5f, 1.0f, ++seed);
        const Expected eq = expected(q);
        for (Bf16GemmPath path : paths) {
          if (!check_path(path, p, e)) return;
          if (!check_path(path, q, eq)) return;
        }
      }
}

// The widening paths add the same products in the same order: identical bits (GEMV excluded:
// its dot form keeps lane-wise partial sums).
TEST(GemmBf16, WideningPathsAgreeBitForBit) {
  std::vector<Bf16GemmPath> paths;
  for (Bf16GemmPath p : kWidening)
    if (kernels::bf16_gemm_path_supported(p)) paths.push_back(p);
  uint64_t seed = 900;
  for (int64_t m : {2, 17, 130, 200})
    for (int64_t n : {2, 33, 100, 600})
      for (int64_t k : {3, 64, 257, 700})
        for (int t : {0, 3, 5}) {
          Layout l;
          l.ta = t & 1;
          l.tb = t & 2;
          l.tc = t & 4;
          const Problem p = make_problem(m, n, k, l, 0.5f, -1.0f, ++seed);
          const std::vector<float> f0 = run_f32(paths[0], p);
          const std::vector<BFloat16> b0 = run_bf16(paths[0], p);
          for (size_t i = 1; i < paths.size(); ++i) {
            ASSERT_TRUE(same_bits(f0.data(), run_f32(paths[i], p).data(), f0.size() * 4)) << describe(p, paths[i]);
            ASSERT_TRUE(same_bits(b0.data(), run_bf16(paths[i], p).data(), b0.size() * 2)) << describe(p, paths[i]);
          }
        }
}

// Threads split only M and N: 1 and 2 threads give the same bits, on shapes with several cache
// blocks in every dimension, batches, and the GEMV.
TEST(GemmBf16, SameBitsForOneAndTwoThreads) {
  const int saved = get_num_threads();
  struct Case {
    int64_t m, n, k, batch;
    bool tb;
  };
  const Case cases[] = {{300, 530, 700, 2, false},
                        {173, 1100, 600, 1, true},
                        {1, 3000, 4100, 1, true},
                        {1, 700, 999, 3, false},
                        {900, 1, 300, 1, false}};
  for (Bf16GemmPath path : runnable_paths())
    for (const Case& cs : cases) {
      Layout l;
      l.batch = cs.batch;
      l.tb = cs.tb;
      const Problem p = make_problem(cs.m, cs.n, cs.k, l, 1.0f, 0.5f, 42);
      set_num_threads(1);
      const std::vector<float> f1 = run_f32(path, p);
      const std::vector<BFloat16> b1 = run_bf16(path, p);
      set_num_threads(2);
      const std::vector<float> f2 = run_f32(path, p);
      const std::vector<BFloat16> b2 = run_bf16(path, p);
      EXPECT_TRUE(same_bits(f1.data(), f2.data(), f1.size() * 4)) << describe(p, path);
      EXPECT_TRUE(same_bits(b1.data(), b2.data(), b1.size() * 2)) << describe(p, path);
    }
  set_num_threads(saved);
}

// One large problem per path against the reference (several k blocks, m and n blocks).
TEST(GemmBf16, LargeProblemWithinBound) {
  Layout l;
  l.tb = true;
  l.pad = 5;
  const Problem p = make_problem(190, 600, 1100, l, 1.0f, 1.0f, 77);
  const Expected e = expected(p);
  for (Bf16GemmPath path : runnable_paths()) EXPECT_TRUE(check_path(path, p, e));
}

}  // namespace
}  // namespace hangu
