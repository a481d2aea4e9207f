// Gradients of the reductions, scans, softmax and matrix products: gradcheck and gradgradcheck
// in float64 on argument variants, plus exact values where torch has a convention (ties,
// zeros, zero norms).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "hangu/autograd/engine.h"
#include "hangu/autograd/gradcheck.h"
#include "hangu/hangu.h"
#include "hangu/ops/samples.h"

namespace hangu {
namespace {

using V = std::vector<int64_t>;
using Fn = std::function<Tensor(const std::vector<Tensor>&)>;

Tensor f64(Shape shape, uint64_t seed, double lo = -1.0, double hi = 1.0) {
  Tensor t = ops::samples::make(shape, DType::f64, seed, lo, hi);
  t.set_requires_grad(true);
  return t;
}

Tensor leaf(const std::vector<double>& v, Shape shape) {
  Tensor t = tensor(v, shape);
  t.set_requires_grad(true);
  return t;
}

// gradcheck and gradgradcheck of a one-output function.
void check(const std::string& what, const Fn& fn, const std::vector<Tensor>& in, bool second = true) {
  auto f = [&](const std::vector<Tensor>& x) { return std::vector<Tensor>{fn(x)}; };
  auto r = autograd::gradcheck(f, in);
  EXPECT_TRUE(r.ok) << what << ": " << r.message;
  if (!second) return;
  auto rr = autograd::gradgradcheck(f, in);
  EXPECT_TRUE(rr.ok) << what << " (second order): " << rr.message;
}

std::vector<double> grad_of(const Tensor& y, const Tensor& x) {
  auto g = autograd::grad({sum(y)}, {x});
  return to_vector<double>(g[0]);
}

struct DimCase {
  V dims;
  bool keepdim;
};

const std::vector<DimCase> kDimCases = {{{}, false}, {{1}, false}, {{0}, true}, {{-1, 0}, false}, {{0, 2}, true}};

TEST(ReductionGrad, SumMeanProd) {
  for (const auto& c : kDimCases) {
    std::string w = "dims " + shape_str(c.dims) + (c.keepdim ? " keepdim" : "");
    check("sum " + w, [&](auto& x) { return sum(x[0], c.dims, c.keepdim); }, {f64({2, 3, 2}, 1)});
    check("mean " + w, [&](auto& x) { return mean(x[0], c.dims, c.keepdim); }, {f64({2, 3, 2}, 2)});
    check("prod " + w, [&](auto& x) { return prod(x[0], c.dims, c.keepdim); }, {f64({2, 3, 2}, 3, 0.5, 1.5)});
  }
  check("mean 0-d", [](auto& x) { return mean(x[0]); }, {f64({}, 4)});
  check("prod 0-d", [](auto& x) { return prod(x[0], V{0}); }, {f64({}, 5)});
}

TEST(ReductionGrad, MeanWithDtypeGivesGradientInInputDtype) {
  Tensor x = ops::samples::make({2, 3}, DType::f32, 6);
  x.set_requires_grad(true);
  Tensor y = mean(x, V{1}, false, DType::f64);
  EXPECT_EQ(y.dtype(), DType::f64);
  auto g = autograd::grad({sum(y)}, {x});
  EXPECT_EQ(g[0].dtype(), DType::f32);
  for (float v : to_vector<float>(g[0])) EXPECT_FLOAT_EQ(v, 1.0f / 3.0f);
}

TEST(ReductionGrad, ProdWithZeros) {
  // One zero: only the zero gets a gradient, the product of the others.
  Tensor x = leaf({2, 0, 3, 4}, {4});
  EXPECT_EQ(grad_of(prod(x), x), (std::vector<double>{0, 24, 0, 0}));
  // Two zeros in a row: no gradient in that row; the other row is out / x.
  Tensor m = leaf({0, 2, 0, 1, 2, 3}, {2, 3});
  EXPECT_EQ(grad_of(prod(m, V{1}), m), (std::vector<double>{0, 0, 0, 6, 3, 2}));
  Tensor m2 = leaf({0, 2, 5, 1, 2, 3}, {2, 3});
  EXPECT_EQ(grad_of(prod(m2, V{1}, true), m2), (std::vector<double>{10, 0, 0, 6, 3, 2}));
  // Multilinear, so central differences are exact at zeros too.
  check("prod one zero", [](auto& x) { return prod(x[0], V{0}); }, {leaf({0, 2, 3, 1, 0.5, -1}, {3, 2})});
  check("prod two zeros", [](auto& x) { return prod(x[0]); }, {leaf({0, 2, 0, -1.5}, {4})});
}

TEST(ReductionGrad, AmaxAminMaxMin) {
  for (const auto& c : kDimCases) {
    std::string w = "dims " + shape_str(c.dims) + (c.keepdim ? " keepdim" : "");
    check("amax " + w, [&](auto& x) { return amax(x[0], c.dims, c.keepdim); }, {f64({2, 3, 2}, 10)});
    check("amin " + w, [&](auto& x) { return amin(x[0], c.dims, c.keepdim); }, {f64({2, 3, 2}, 11)});
  }
  check("max", [](auto& x) { return max(x[0]); }, {f64({3, 4}, 12)});
  check("min", [](auto& x) { return min(x[0]); }, {f64({3, 4}, 13)});
  for (int64_t d : {0, 1, -1})
    for (bool k : {false, true}) {
      std::string w = "dim " + std::to_string(d) + (k ? " keepdim" : "");
      check("max " + w, [&](auto& x) { return max(x[0], d, k).first; }, {f64({3, 4}, 14)});
      check("min " + w, [&](auto& x) { return min(x[0], d, k).first; }, {f64({3, 4}, 15)});
    }
  check("max 0-d dim", [](auto& x) { return max(x[0], 0).first; }, {f64({}, 16)});
}

TEST(ReductionGrad, TiesShareTheGradientExceptAlongADim) {
  Tensor x = leaf({1, 3, 3, 0, 3, 2}, {2, 3});
  auto third = 1.0 / 3.0;
  EXPECT_EQ(grad_of(max(x), x), (std::vector<double>{0, third, third, 0, third, 0}));
  EXPECT_EQ(grad_of(amax(x, V{1}), x), (std::vector<double>{0, 0.5, 0.5, 0, 1, 0}));
  EXPECT_EQ(grad_of(amin(x, V{0}), x), (std::vector<double>{0, 0.5, 0, 1, 0.5, 1}));
  // max(dim): the first occurrence, as the returned index.
  EXPECT_EQ(grad_of(max(x, 1).first, x), (std::vector<double>{0, 1, 0, 0, 1, 0}));
  EXPECT_EQ(grad_of(min(x, 0, true).first, x), (std::vector<double>{0, 1, 0, 1, 0, 1}));
}

// Values PyTorch 1.13 gives at zeros, NaNs and degenerate corrections.
TEST(ReductionGrad, EdgeValuesMatchTorch) {
  const double nan = std::numeric_limits<double>::quiet_NaN(), inf = std::numeric_limits<double>::infinity();
  Tensor z = leaf({2, 0, 3, 0, 1, 4, 5, 6, 7}, {3, 3});
  EXPECT_EQ(grad_of(prod(z, V{0}, true), z), (std::vector<double>{0, 6, 28, 10, 0, 21, 0, 0, 12}));
  Tensor c = leaf({2, 0, 3, 0, 5}, {5});
  EXPECT_EQ(grad_of(cumprod(c, 0), c), (std::vector<double>{1, 8, 0, 0, 0}));
  Tensor c2 = leaf({1, 0, 2, 3, 4, 0}, {2, 3});
  EXPECT_EQ(grad_of(cumprod(c2, 1), c2), (std::vector<double>{1, 3, 0, 5, 3, 12}));
  // A NaN maximum: max() shares the gradient among the NaNs, amax gives NaN (torch's formulas).
  Tensor n = leaf({1, nan, nan, 2}, {4});
  EXPECT_EQ(grad_of(max(n), n), (std::vector<double>{0, 0.5, 0.5, 0}));
  for (double v : grad_of(amax(n), n)) EXPECT_TRUE(std::isnan(v));
  EXPECT_EQ(grad_of(max(reshape(n, {2, 2}), 1).first, n), (std::vector<double>{0, 1, 1, 0}));
  // var over n == correction elements (full reduction): inf * grad; a negative dof is used as is.
  Tensor one = leaf({0.3}, {});
  EXPECT_EQ(grad_of(var(one), one), (std::vector<double>{inf}));
  Tensor two = leaf({0.3, 0.5}, {2});
  auto gv = grad_of(var(two, V{}, 3.0), two);
  EXPECT_NEAR(gv[0], 0.2, 1e-12);
  EXPECT_NEAR(gv[1], -0.2, 1e-12);
  // Norms of order < 1 give 0 at zero elements.
  Tensor h = leaf({0, 0.5, -2}, {3});
  auto gh = grad_of(norm(h, 0.5), h);
  EXPECT_EQ(gh[0], 0.0);
  EXPECT_NEAR(gh[1], 3.0, 1e-12);
  EXPECT_NEAR(gh[2], -1.5, 1e-12);
}

TEST(ReductionGrad, VarStd) {
  for (double corr : {0.0, 1.0, 2.0})
    for (const auto& c : kDimCases) {
      std::string w = "corr " + std::to_string(corr) + " dims " + shape_str(c.dims) + (c.keepdim ? " keepdim" : "");
      check("var " + w, [&](auto& x) { return var(x[0], c.dims, corr, c.keepdim); }, {f64({3, 3, 2}, 20)});
      check("std " + w, [&](auto& x) { return hangu::std(x[0], c.dims, corr, c.keepdim); }, {f64({3, 3, 2}, 21)});
    }
  // A constant group: std 0, gradient 0 as torch.
  Tensor x = leaf({2, 2, 2}, {3});
  for (double v : grad_of(hangu::std(x), x)) EXPECT_EQ(v, 0.0);
}

TEST(ReductionGrad, Logsumexp) {
  for (const auto& c : kDimCases) {
    if (c.dims.empty()) continue;
    check("logsumexp dims " + shape_str(c.dims), [&](auto& x) { return logsumexp(x[0], c.dims, c.keepdim); },
          {f64({2, 3, 2}, 30, -3, 3)});
  }
  check("logsumexp all", [](auto& x) { return logsumexp(x[0], V{0, 1}); }, {f64({3, 4}, 31, -3, 3)});
}

TEST(ReductionGrad, Norm) {
  const double inf = std::numeric_limits<double>::infinity();
  for (double p : {2.0, 1.0, inf, -inf, 3.0, 1.5, 0.5, -1.5, 0.0})
    for (const auto& c : kDimCases) {
      std::string w = "p " + std::to_string(p) + " dims " + shape_str(c.dims) + (c.keepdim ? " keepdim" : "");
      check("norm " + w, [&](auto& x) { return norm(x[0], p, c.dims, c.keepdim); }, {f64({2, 3, 2}, 40)});
    }
  check("norm fro", [](auto& x) { return norm(x[0], "fro"); }, {f64({3, 4}, 41)});
}

TEST(ReductionGrad, NormAtZeroGivesZero) {
  for (double p : {2.0, 3.0, 1.5, 0.5, 0.0}) {
    Tensor x = leaf({0, 0, 0}, {3});
    for (double v : grad_of(norm(x, p), x)) EXPECT_EQ(v, 0.0) << "p " << p;
  }
  Tensor x = leaf({0, 3, -4}, {3});
  EXPECT_EQ(grad_of(norm(x, 1.0), x), (std::vector<double>{0, 1, -1}));
  auto g = grad_of(norm(x, 2.0), x);
  EXPECT_DOUBLE_EQ(g[1], 0.6);
  EXPECT_DOUBLE_EQ(g[2], -0.8);
  // inf norm: ties of |x| share.
  Tensor t = leaf({1, -4, 4}, {3});
  EXPECT_EQ(grad_of(norm(t, std::numeric_limits<double>::infinity()), t), (std::vector<double>{0, -0.5, 0.5}));
}

TEST(ReductionGrad, ScansAndSoftmax) {
  for (int64_t d : {0, 1, -1, -3}) {
    std::string w = "dim " + std::to_string(d);
    check("cumsum " + w, [&](auto& x) { return cumsum(x[0], d); }, {f64({2, 3, 4}, 50)});
    check("cumprod " + w, [&](auto& x) { return cumprod(x[0], d); }, {f64({2, 3, 4}, 51, 0.5, 1.5)});
    check("softmax " + w, [&](auto& x) { return softmax(x[0], d); }, {f64({2, 3, 4}, 52, -3, 3)});
    check("log_softmax " + w, [&](auto& x) { return log_softmax(x[0], d); }, {f64({2, 3, 4}, 53, -3, 3)});
  }
  check("cumsum 0-d", [](auto& x) { return cumsum(x[0], 0); }, {f64({}, 54)});
  check("softmax 0-d", [](auto& x) { return softmax(x[0], 0); }, {f64({}, 55)});
  check("cumprod negative values", [](auto& x) { return cumprod(x[0], 1); }, {f64({3, 5}, 56, -1.5, 1.5)});
  // Zeros: d out_j / d x_i = prod_{k <= j, k != i} x_k.
  check("cumprod with zeros", [](auto& x) { return cumprod(x[0], 1); },
        {leaf({0.5, 0, 2, 0, -1.5, 1, 1.5, 0, 3}, {3, 3})});
  Tensor x = leaf({2, 0, 3}, {3});
  // out = [2, 0, 0]: d/dx0 = 1, d/dx1 = 2 + 2*3, d/dx2 = 0.
  EXPECT_EQ(grad_of(cumprod(x, 0), x), (std::vector<double>{1, 8, 0}));
}

TEST(ReductionGrad, ScanWithDtypeGivesGradientInInputDtype) {
  Tensor x = ops::samples::make({4}, DType::f32, 57);
  x.set_requires_grad(true);
  auto g = autograd::grad({sum(cumsum(x, 0, DType::f64))}, {x});
  EXPECT_EQ(g[0].dtype(), DType::f32);
  EXPECT_EQ(to_vector<float>(g[0]), (std::vector<float>{4, 3, 2, 1}));
  auto gs = autograd::grad({sum(softmax(x, 0, DType::f64))}, {x});
  for (float v : to_vector<float>(gs[0])) EXPECT_NEAR(v, 0.0f, 1e-6f);
}

TEST(LinalgGrad, Matmul) {
  const std::vector<std::pair<Shape, Shape>> cases = {{{5}, {5}},
                                                      {{4}, {4, 3}},
                                                      {{3, 4}, {4}},
                                                      {{3, 4}, {4, 2}},
                                                      {{2, 3, 4}, {2, 4, 2}},
                                                      {{2, 1, 3, 4}, {3, 4, 2}},
                                                      {{4}, {2, 4, 3}},
                                                      {{2, 3, 4}, {4}},
                                                      {{3, 4}, {2, 4, 2}},
                                                      {{2, 1, 2, 3}, {1, 3, 3, 2}}};
  uint64_t seed = 60;
  for (const auto& [a, b] : cases)
    check("matmul " + shape_str(a) + " x " + shape_str(b), [](auto& x) { return matmul(x[0], x[1]); },
          {f64(a, seed++), f64(b, seed++)});
  // Broadcast batch dims: the gradient of the broadcast operand is summed over them.
  Tensor a = f64({3, 4}, 70), b = ones({5, 4, 2}, DType::f64);
  auto g = autograd::grad({sum(matmul(a, b))}, {a});
  for (double v : to_vector<double>(g[0])) EXPECT_DOUBLE_EQ(v, 10.0);  // 5 batches x 2 columns
}

TEST(LinalgGrad, Products) {
  check("mm", [](auto& x) { return mm(x[0], x[1]); }, {f64({3, 4}, 80), f64({4, 2}, 81)});
  check("mm transposed", [](auto& x) { return mm(t(x[0]), x[1]); }, {f64({4, 3}, 82), f64({4, 2}, 83)});
  check("bmm", [](auto& x) { return bmm(x[0], x[1]); }, {f64({2, 3, 4}, 84), f64({2, 4, 2}, 85)});
  check("mv", [](auto& x) { return mv(x[0], x[1]); }, {f64({3, 4}, 86), f64({4}, 87)});
  check("dot", [](auto& x) { return dot(x[0], x[1]); }, {f64({5}, 88), f64({5}, 89)});
  check("outer", [](auto& x) { return outer(x[0], x[1]); }, {f64({3}, 90), f64({4}, 91)});
  // Only one operand requires grad.
  Tensor fixed = ops::samples::make({4, 2}, DType::f64, 92);
  check("mm one side", [&](auto& x) { return mm(x[0], fixed); }, {f64({3, 4}, 93)});
}

TEST(LinalgGrad, AddmmBaddbmm) {
  for (auto [beta, alpha] : {std::pair{1.0, 1.0}, {0.5, 2.0}, {0.0, -1.5}}) {
    std::string w = "beta " + std::to_string(beta) + " alpha " + std::to_string(alpha);
    check("addmm " + w, [&](auto& x) { return addmm(x[0], x[1], x[2], beta, alpha); },
          {f64({3, 2}, 100), f64({3, 4}, 101), f64({4, 2}, 102)});
    check("addmm broadcast input " + w, [&](auto& x) { return addmm(x[0], x[1], x[2], beta, alpha); },
          {f64({2}, 103), f64({3, 4}, 104), f64({4, 2}, 105)});
    check("baddbmm " + w, [&](auto& x) { return baddbmm(x[0], x[1], x[2], beta, alpha); },
          {f64({2, 3, 2}, 106), f64({2, 3, 4}, 107), f64({2, 4, 2}, 108)});
    check("baddbmm 0-d input " + w, [&](auto& x) { return baddbmm(x[0], x[1], x[2], beta, alpha); },
          {f64({}, 109), f64({2, 3, 4}, 110), f64({2, 4, 2}, 111)});
  }
}

TEST(LinalgGrad, Einsum) {
  const std::vector<std::pair<std::string, std::vector<Shape>>> cases = {
      {"ij,jk->ik", {{3, 4}, {4, 2}}},
      {"bhqd,bhkd->bhqk", {{2, 2, 3, 4}, {2, 2, 2, 4}}},
      {"bn,anm,bm->ba", {{3, 4}, {2, 4, 5}, {3, 5}}},
      {"ii->i", {{4, 4}}},
      {"ii", {{3, 3}}},
      {"iij->j", {{3, 3, 2}}},
      {"i,j->ij", {{3}, {4}}},
      {"...ij,...jk", {{2, 1, 3, 4}, {3, 4, 2}}},
      {"ij->j", {{3, 4}}},
      {"ij->ji", {{3, 4}}},
      {"i,i->", {{5}, {5}}},
      {"ij,jk->ik", {{2, 1}, {3, 4}}},
      {",i->i", {{}, {3}}},
  };
  uint64_t seed = 120;
  for (const auto& [eq, shapes] : cases) {
    std::vector<Tensor> in;
    for (const auto& s : shapes) in.push_back(f64(s, seed++));
    check(
        "einsum " + eq, [eq = eq](auto& x) { return einsum(eq, x); }, in);
  }
}

TEST(ReductionGrad, NothingRecordsWithoutRequiresGrad) {
  Tensor x = ops::samples::make({2, 3}, DType::f64, 130, 0.5, 1.5), y = ops::samples::make({3, 2}, DType::f64, 131);
  const std::vector<Tensor> outs = {sum(x),
                                    mean(x, V{1}),
                                    prod(x),
                                    amax(x, V{0}),
                                    max(x),
                                    max(x, 1).first,
                                    var(x),
                                    hangu::std(x, V{1}),
                                    logsumexp(x, V{1}),
                                    norm(x, 3.0),
                                    cumsum(x, 1),
                                    cumprod(x, 0),
                                    softmax(x, 1),
                                    log_softmax(x, 0),
                                    matmul(x, y),
                                    mm(x, y),
                                    bmm(unsqueeze(x, 0), unsqueeze(y, 0)),
                                    mv(x, select(y, 1, 0)),
                                    dot(select(x, 0, 0), select(y, 1, 0)),
                                    outer(select(x, 0, 0), select(y, 1, 0)),
                                    addmm(ones({2, 2}, DType::f64), x, y),
                                    einsum("ij,jk->ik", {x, y})};
  for (const Tensor& o : outs) {
    EXPECT_FALSE(o.requires_grad());
    EXPECT_FALSE(o.grad_fn());
  }
  Tensor z = f64({2, 3}, 132);
  NoGradGuard guard;
  EXPECT_FALSE(softmax(z, 1).requires_grad());
  EXPECT_FALSE(matmul(z, y).requires_grad());
  EXPECT_FALSE(einsum("ij->j", {z}).requires_grad());
}

}  // namespace
}  // namespace hangu
