// Targeted checks of the functional NN operators (ops/nn_functional.h): loss semantics (ignore
// index, weights, smoothing), batch-norm running stats, dropout masks, attention masks, and
// gradchecks of every loss and norm in float64.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <string>

#include "hangu/autograd/engine.h"
#include "hangu/autograd/gradcheck.h"
#include "hangu/hangu.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/samples.h"
#include "test_util.h"

namespace hangu {
namespace {

using autograd::gradcheck;
using V = std::vector<Tensor>;

Tensor f64(std::initializer_list<int64_t> shape, uint64_t seed, double lo = -2.0, double hi = 2.0) {
  return ops::samples::make(shape, DType::f64, seed, lo, hi);
}
Tensor idx(std::vector<int64_t> v) { return tensor<int64_t>(v); }

void expect_close(const Tensor& a, const Tensor& b, double tol = 1e-10) {
  ASSERT_EQ(a.shape(), b.shape());
  auto va = to_vector<double>(to(a, DType::f64)), vb = to_vector<double>(to(b, DType::f64));
  for (size_t i = 0; i < va.size(); ++i) EXPECT_NEAR(va[i], vb[i], tol) << "element " << i;
}

double item(const Tensor& t) { return t.item<double>(); }

void expect_gradcheck(const autograd::TensorFn& fn, V inputs) {
  for (auto& t : inputs)
    if (t.is_floating_point()) t.set_requires_grad(true);
  auto r = gradcheck(fn, inputs);
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(NNFunctional, CrossEntropyIsNegativeLogSoftmaxGathered) {
  Tensor x = f64({4, 5}, 1), t = idx({0, 3, 4, 1});
  Tensor expect = neg(squeeze(gather(log_softmax(x, 1), 1, unsqueeze(t, 1)), 1));
  expect_close(cross_entropy(x, t, Tensor(), Reduction::none), expect);
  expect_close(cross_entropy(x, t), mean(expect));
  expect_close(cross_entropy(x, t, Tensor(), Reduction::sum), sum(expect));
  expect_close(nll_loss(log_softmax(x, 1), t, Tensor(), Reduction::none), expect);
}

TEST(NNFunctional, IgnoreIndexIsExcludedFromTheMean) {
  Tensor x = f64({4, 3}, 2), t = idx({0, -100, 2, -100});
  Tensor per = cross_entropy(x, t, Tensor(), Reduction::none);
  auto v = to_vector<double>(per);
  EXPECT_EQ(v[1], 0.0);
  EXPECT_EQ(v[3], 0.0);
  EXPECT_NEAR(item(cross_entropy(x, t)), (v[0] + v[2]) / 2, 1e-12);
}

TEST(NNFunctional, WeightedMeanDividesByTheTargetWeights) {
  Tensor x = f64({3, 3}, 3), t = idx({0, 2, 2}), w = tensor<double>({0.5, 1.0, 3.0});
  auto per = to_vector<double>(cross_entropy(x, t, Tensor(), Reduction::none));
  double num = 0.5 * per[0] + 3.0 * per[1] + 3.0 * per[2];
  EXPECT_NEAR(item(cross_entropy(x, t, w)), num / 6.5, 1e-12);
  EXPECT_NEAR(item(cross_entropy(x, t, w, Reduction::sum)), num, 1e-12);
  EXPECT_NEAR(item(nll_loss(log_softmax(x, 1), t, w)), num / 6.5, 1e-12);
}

TEST(NNFunctional, LabelSmoothingFormula) {
  Tensor x = f64({4, 5}, 4), t = idx({1, 0, 4, 2});
  double eps = 0.2;
  Tensor lp = log_softmax(x, 1);
  Tensor nll = neg(squeeze(gather(lp, 1, unsqueeze(t, 1)), 1));
  Tensor smooth = neg(mean(lp, {1}));
  Tensor expect = add(mul(nll, 1 - eps), mul(smooth, eps));
  expect_close(cross_entropy(x, t, Tensor(), Reduction::none, -100, eps), expect);
  expect_close(cross_entropy(x, t, Tensor(), Reduction::mean, -100, eps), mean(expect));
  // Probability targets: one-hot targets give the same loss.
  Tensor probs = to(one_hot(t, 5), DType::f64);
  expect_close(cross_entropy(x, probs, Tensor(), Reduction::none, -100, eps), expect);
}

TEST(NNFunctional, LabelSmoothingWithIgnoreDividesByKeptTargets) {
  Tensor x = f64({4, 3}, 22), t = idx({2, -100, 0, 1});
  double eps = 0.3;
  Tensor lp = log_softmax(x, 1);
  auto nll = to_vector<double>(nll_loss(lp, t, Tensor(), Reduction::none));
  auto smooth = to_vector<double>(neg(sum(lp, {1})));
  double total = 0;
  for (int i : {0, 2, 3}) total += (1 - eps) * nll[static_cast<size_t>(i)] + eps / 3 * smooth[static_cast<size_t>(i)];
  EXPECT_NEAR(item(cross_entropy(x, t, Tensor(), Reduction::mean, -100, eps)), total / 3, 1e-12);
  EXPECT_EQ(to_vector<double>(cross_entropy(x, t, Tensor(), Reduction::none, -100, eps))[1], 0.0);
}

TEST(NNFunctional, EdgePoints) {
  // Logs clamped at -100, like PyTorch.
  Tensor p = tensor<double>({0.0, 1.0, 0.5}), y = tensor<double>({1.0, 0.0, 0.5});
  auto b = to_vector<double>(binary_cross_entropy(p, y, Tensor(), Reduction::none));
  EXPECT_EQ(b[0], 100.0);
  EXPECT_EQ(b[1], 100.0);
  EXPECT_NEAR(b[2], std::log(2.0), 1e-15);
  // Zero KL targets contribute 0 (not 0 * log 0 = NaN).
  Tensor kl = kl_div(tensor<double>({-1.0, -2.0}), tensor<double>({0.0, 1.0}), "none");
  EXPECT_EQ(to_vector<double>(kl)[0], 0.0);
  EXPECT_NEAR(to_vector<double>(kl)[1], 2.0, 1e-15);
  // Large logits stay finite.
  auto l = to_vector<double>(binary_cross_entropy_with_logits(tensor<double>({-800.0, 800.0}),
                                                              tensor<double>({1.0, 0.0}), Tensor(), Reduction::none));
  EXPECT_NEAR(l[0], 800.0, 1e-9);
  EXPECT_NEAR(l[1], 800.0, 1e-9);
  // Every target ignored: 0 / 0 under mean, like PyTorch.
  EXPECT_TRUE(std::isnan(item(cross_entropy(f64({2, 3}, 23), idx({-100, -100})))));
}

TEST(NNFunctional, CrossEntropyGradientIsSoftmaxMinusOneHot) {
  Tensor x = f64({3, 4}, 5), t = idx({3, 0, 1});
  x.set_requires_grad(true);
  cross_entropy(x, t).backward();
  Tensor expect = mul(sub(softmax(x.detach(), 1), to(one_hot(t, 4), DType::f64)), 1.0 / 3);
  expect_close(x.grad(), expect);
}

TEST(NNFunctional, ClassErrors) {
  Tensor x = f64({2, 3}, 6);
  EXPECT_THROW(cross_entropy(x, idx({0, 3})), IndexError);
  EXPECT_THROW(cross_entropy(x, idx({0, 1, 2})), ShapeError);
  EXPECT_THROW(nll_loss(x, idx({-1, 0})), IndexError);
  EXPECT_NO_THROW(cross_entropy(x, idx({0, -100})));
  EXPECT_THROW(parse_reduction("avg"), ValueError);
}

TEST(NNFunctional, BatchNormUpdatesRunningStatsWithUnbiasedVariance) {
  Tensor x = f64({4, 2, 3}, 7);
  Tensor rm = tensor<double>({0.5, -0.5}), rv = tensor<double>({1.0, 2.0});
  Tensor rm0 = clone(rm), rv0 = clone(rv);
  Tensor out = batch_norm(x, rm, rv, Tensor(), Tensor(), true, 0.1, 1e-5);
  std::vector<int64_t> dims = {0, 2};
  Tensor bm = mean(x, dims), bv = var(x, dims, 1.0), bvb = var(x, dims, 0.0);
  expect_close(rm, add(mul(rm0, 0.9), mul(bm, 0.1)));
  expect_close(rv, add(mul(rv0, 0.9), mul(bv, 0.1)));
  // Normalised with the biased variance.
  Tensor expect = div(sub(x, reshape(bm, {1, 2, 1})), sqrt(add(reshape(bvb, {1, 2, 1}), 1e-5)));
  expect_close(out, expect);
}

TEST(NNFunctional, BatchNormEvalUsesRunningStats) {
  Tensor x = f64({3, 2}, 8);
  Tensor rm = tensor<double>({0.5, -0.5}), rv = tensor<double>({1.5, 0.5});
  Tensor w = tensor<double>({2.0, 3.0}), b = tensor<double>({0.1, 0.2});
  Tensor rm0 = clone(rm);
  Tensor out = batch_norm(x, rm, rv, w, b, false);
  Tensor expect = add(mul(div(sub(x, rm), sqrt(add(rv, 1e-5))), w), b);
  expect_close(out, expect);
  expect_close(rm, rm0, 0.0);  // eval leaves the stats alone
}

TEST(NNFunctional, LayerAndGroupNormMatchTheirFormulas) {
  Tensor x = f64({2, 4, 3}, 9);
  Tensor w = f64({3}, 10), b = f64({3}, 11);
  Tensor m = mean(x, {2}, true), v = var(x, {2}, 0.0, true);
  expect_close(layer_norm(x, std::vector<int64_t>{3}, w, b), add(mul(div(sub(x, m), sqrt(add(v, 1e-5))), w), b));
  // Group norm with C groups is instance norm; with 1 group it is layer norm over (C, L).
  expect_close(group_norm(x, 4), layer_norm(x, std::vector<int64_t>{3}));
  expect_close(group_norm(x, 1), layer_norm(x, std::vector<int64_t>{4, 3}));
  Tensor r = rms_norm(x, std::vector<int64_t>{3}, w);
  expect_close(r, mul(div(x, sqrt(add(mean(square(x), {2}, true), 1e-6))), w));
}

TEST(NNFunctional, DropoutMaskProperties) {
  Tensor x = ones({100, 100}, DType::f32);
  Generator g1(123), g2(123);
  double p = 0.3;
  Tensor a = dropout(x, p, true, &g1), b = dropout(x, p, true, &g2);
  EXPECT_TRUE(test_util::same_bits(a, b));  // same seed, same mask
  auto v = to_vector<float>(a);
  int64_t kept = 0;
  for (float e : v) {
    if (e != 0.0f) {
      ++kept;
      EXPECT_FLOAT_EQ(e, static_cast<float>(1.0 / (1.0 - p)));
    }
  }
  EXPECT_NEAR(static_cast<double>(kept) / 10000.0, 1.0 - p, 0.02);
  // Backward uses the same mask: grad = out / x for x = 1.
  Tensor xr = ones({100, 100}, DType::f32);
  xr.set_requires_grad(true);
  Generator g3(123);
  Tensor out = dropout(xr, p, true, &g3);
  sum(out).backward();
  EXPECT_TRUE(test_util::same_bits(xr.grad(), a));
  // Identity in eval and for p = 0.
  EXPECT_TRUE(dropout(x, p, false).is_same(x));
  EXPECT_THROW(dropout(x, 1.5, true), ValueError);
  expect_close(dropout(x, 1.0, true), zeros({100, 100}), 0.0);
}

TEST(NNFunctional, EmbeddingGradientSkipsPaddingRow) {
  Tensor w = f64({4, 2}, 12);
  w.set_requires_grad(true);
  Tensor out = embedding(w, tensor<int64_t>({1, 0, 1, 3}, std::vector<int64_t>{2, 2}), 0);
  EXPECT_EQ(out.shape(), (Shape{2, 2, 2}));
  sum(out).backward();
  expect_close(w.grad(), tensor<double>({0, 0, 2, 2, 0, 0, 1, 1}, std::vector<int64_t>{4, 2}));
  EXPECT_THROW(embedding(w, idx({4})), IndexError);
  EXPECT_THROW(embedding(w, idx({-1})), IndexError);
}

TEST(NNFunctional, CausalAttentionEqualsTheExplicitFormula) {
  Tensor q = f64({2, 3, 4}, 13), k = f64({2, 3, 4}, 14), v = f64({2, 3, 2}, 15);
  Tensor s = div(matmul(q, transpose(k, 1, 2)), 2.0);
  Tensor keep = tensor<int64_t>({1, 0, 0, 1, 1, 0, 1, 1, 1}, std::vector<int64_t>{3, 3});
  Tensor masked = masked_fill(s, eq(keep, 0), -INFINITY);
  Tensor expect = matmul(softmax(masked, -1), v);
  expect_close(scaled_dot_product_attention(q, k, v, Tensor(), 0.0, true), expect);
  // The same mask given as a bool tensor, and as an additive float mask.
  Tensor bmask = ne(keep, 0);
  expect_close(scaled_dot_product_attention(q, k, v, bmask), expect);
  Tensor fmask = masked_fill(zeros({3, 3}, DType::f64), logical_not(bmask), -INFINITY);
  expect_close(scaled_dot_product_attention(q, k, v, fmask), expect);
}

TEST(NNFunctional, LossesMatchFormulas) {
  Tensor x = f64({3, 4}, 16), t = f64({3, 4}, 17);
  Tensor d = sub(x, t);
  expect_close(mse_loss(x, t), mean(square(d)));
  expect_close(l1_loss(x, t, Reduction::sum), sum(abs(d)));
  Tensor ad = abs(d);
  expect_close(huber_loss(x, t, Reduction::none, 0.7),
               where(lt(ad, 0.7), mul(square(d), 0.5), mul(sub(ad, 0.35), 0.7)));
  expect_close(smooth_l1_loss(x, t, Reduction::none, 0.7), div(huber_loss(x, t, Reduction::none, 0.7), 0.7));
  Tensor p = f64({3, 4}, 18, 0.05, 0.95), y = f64({3, 4}, 19, 0.0, 1.0);
  Tensor bce = neg(add(mul(y, log(p)), mul(sub(1.0, y), log(sub(1.0, p)))));
  expect_close(binary_cross_entropy(p, y, Tensor(), Reduction::none), bce);
  Tensor logits = f64({3, 4}, 20);
  expect_close(binary_cross_entropy_with_logits(logits, y, Tensor(), Reduction::none),
               binary_cross_entropy(sigmoid(logits), y, Tensor(), Reduction::none));
  Tensor pw = f64({4}, 21, 0.5, 3.0);
  Tensor sp = log1p(exp(neg(logits)));  // softplus(-x)
  expect_close(binary_cross_entropy_with_logits(logits, y, Tensor(), Reduction::none, pw),
               add(mul(sub(1.0, y), logits), mul(add(mul(sub(pw, 1.0), y), 1.0), sp)));
  Tensor lp = log_softmax(x, 1), q = softmax(t, 1);
  expect_close(kl_div(lp, q, "batchmean"), div(sum(mul(q, sub(log(q), lp))), 3.0));
  expect_close(kl_div(lp, log(q), "sum", true), sum(mul(q, sub(log(q), lp))));
  EXPECT_TRUE(std::isnan(item(mse_loss(zeros({0}, DType::f64), zeros({0}, DType::f64)))));
}

// Gradchecks (float64) of every loss and norm.
TEST(NNFunctionalGrad, ClassLosses) {
  Tensor x = f64({4, 3}, 30), t = idx({0, -100, 2, 1}), w = f64({3}, 31, 0.5, 2.0);
  for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
    expect_gradcheck([&](const V& in) { return V{cross_entropy(in[0], t, w, r, -100, 0.1)}; }, {x});
    expect_gradcheck([&](const V& in) { return V{nll_loss(in[0], t, w, r)}; }, {x});
  }
  Tensor x3 = f64({2, 3, 2}, 32), probs = softmax(f64({2, 3, 2}, 33), 1);
  expect_gradcheck([&](const V& in) { return V{cross_entropy(in[0], in[1], Tensor(), Reduction::mean, -100, 0.2)}; },
                   {x3, probs});
  expect_gradcheck([&](const V& in) { return V{cross_entropy(in[0], in[1], w, Reduction::none)}; }, {x3, probs});
}

TEST(NNFunctionalGrad, ClassWeights) {
  Tensor x = f64({4, 3}, 34), t = idx({0, -100, 2, 1}), w = f64({3}, 35, 0.5, 2.0);
  for (Reduction r : {Reduction::none, Reduction::sum})
    expect_gradcheck([&](const V& in) { return V{cross_entropy(in[0], t, in[1], r, -100, 0.1)}; }, {x, w});
  Tensor probs = softmax(f64({4, 3}, 36), 1);
  expect_gradcheck([&](const V& in) { return V{cross_entropy(in[0], in[1], in[2])}; }, {x, probs, w});
}

TEST(NNFunctionalGrad, PointwiseLosses) {
  Tensor x = f64({3, 4}, 40), t = f64({3, 4}, 41);
  for (Reduction r : {Reduction::none, Reduction::mean, Reduction::sum}) {
    expect_gradcheck([&](const V& in) { return V{mse_loss(in[0], in[1], r)}; }, {x, t});
    expect_gradcheck([&](const V& in) { return V{l1_loss(in[0], in[1], r)}; }, {x, t});
    expect_gradcheck([&](const V& in) { return V{smooth_l1_loss(in[0], in[1], r, 0.5)}; }, {x, t});
    expect_gradcheck([&](const V& in) { return V{huber_loss(in[0], in[1], r, 0.7)}; }, {x, t});
  }
  Tensor p = f64({3, 4}, 42, 0.05, 0.95), y = f64({3, 4}, 43, 0.0, 1.0), w = f64({4}, 44, 0.5, 2.0);
  expect_gradcheck([&](const V& in) { return V{binary_cross_entropy(in[0], in[1], in[2], Reduction::mean)}; },
                   {p, y, w});
  Tensor pw = f64({4}, 45, 0.5, 3.0);
  expect_gradcheck(
      [&](const V& in) { return V{binary_cross_entropy_with_logits(in[0], in[1], in[2], Reduction::sum, in[3])}; },
      {x, y, w, pw});
  expect_gradcheck([&](const V& in) { return V{binary_cross_entropy_with_logits(in[0], in[1])}; }, {x, y});
  Tensor q = softmax(t, 1);
  expect_gradcheck([&](const V& in) { return V{kl_div(in[0], in[1], "batchmean")}; }, {x, q});
  expect_gradcheck([&](const V& in) { return V{kl_div(in[0], in[1], "none", true)}; }, {x, t});
}

TEST(NNFunctionalGrad, Norms) {
  Tensor x = f64({3, 2, 4}, 50), w = f64({2}, 51), b = f64({2}, 52);
  Tensor rm = zeros({2}, DType::f64), rv = ones({2}, DType::f64);
  expect_gradcheck([&](const V& in) { return V{batch_norm(in[0], Tensor(), Tensor(), in[1], in[2], true)}; },
                   {x, w, b});
  expect_gradcheck([&](const V& in) { return V{batch_norm(in[0], rm, rv, in[1], in[2], false)}; }, {x, w, b});
  Tensor lw = f64({2, 4}, 53), lb = f64({2, 4}, 54);
  expect_gradcheck(
      [&](const V& in) {
        return V{layer_norm(in[0], std::vector<int64_t>{2, 4}, in[1], in[2])};
      },
      {x, lw, lb});
  expect_gradcheck([&](const V& in) { return V{rms_norm(in[0], std::vector<int64_t>{4}, in[1])}; }, {x, f64({4}, 55)});
  Tensor gx = f64({2, 4, 3}, 56), gw = f64({4}, 57), gb = f64({4}, 58);
  expect_gradcheck([&](const V& in) { return V{group_norm(in[0], 2, in[1], in[2])}; }, {gx, gw, gb});
}

TEST(NNFunctionalGrad, EmbeddingDropoutAttention) {
  Tensor w = f64({5, 3}, 60), i = idx({4, 0, 4, 2});
  expect_gradcheck([&](const V& in) { return V{embedding(in[0], i)}; }, {w});
  expect_gradcheck(
      [&](const V& in) {
        Generator g(7);
        return V{dropout(in[0], 0.4, true, &g)};
      },
      {f64({3, 4}, 61)});
}

// Attention is a plain composition: its gradient needs matmul, softmax and masked_fill backward.
TEST(NNFunctionalGrad, Attention) {
  Tensor q = f64({2, 3, 4}, 62), k = f64({2, 5, 4}, 63), v = f64({2, 5, 2}, 64);
  expect_gradcheck([&](const V& in) { return V{scaled_dot_product_attention(in[0], in[1], in[2])}; }, {q, k, v});
  expect_gradcheck(
      [&](const V& in) { return V{scaled_dot_product_attention(in[0], in[1], in[2], Tensor(), 0.0, true)}; },
      {f64({2, 3, 4}, 66), f64({2, 3, 4}, 67), f64({2, 3, 2}, 68)});
}

void expect_gradgradcheck(const autograd::TensorFn& fn, V inputs) {
  for (auto& t : inputs)
    if (t.is_floating_point()) t.set_requires_grad(true);
  auto r = autograd::gradgradcheck(fn, inputs);
  EXPECT_TRUE(r.ok) << r.message;
}

TEST(NNFunctionalGrad, SecondDerivatives) {
  auto check = [&](const char* what, const std::function<void()>& body) {
    SCOPED_TRACE(what);
    body();
  };
  Tensor x = f64({3, 4}, 80), t = f64({3, 4}, 81), y = f64({3, 4}, 82, 0.0, 1.0);
  check("mse_loss", [&] {
    expect_gradgradcheck([](const V& in) { return V{mse_loss(in[0], in[1])}; }, {x, t});
  });
  check("huber_loss", [&] {
    expect_gradgradcheck([](const V& in) { return V{huber_loss(in[0], in[1], Reduction::sum, 0.7)}; }, {x, t});
  });
  check("bce_with_logits", [&] {
    expect_gradgradcheck([](const V& in) { return V{binary_cross_entropy_with_logits(in[0], in[1])}; }, {x, y});
  });
  check("kl_div", [&] {
    expect_gradgradcheck([](const V& in) { return V{kl_div(in[0], in[1], "batchmean", true)}; }, {x, t});
  });
  check("cross_entropy", [&] {
    Tensor ti = idx({0, -100, 3});
    expect_gradgradcheck([&](const V& in) { return V{cross_entropy(in[0], ti, Tensor(), Reduction::mean, -100, 0.1)}; },
                         {x});
    expect_gradgradcheck([](const V& in) { return V{cross_entropy(in[0], in[1])}; }, {x, softmax(t, 1)});
  });
  check("norms", [&] {
    expect_gradgradcheck([](const V& in) { return V{layer_norm(in[0], std::vector<int64_t>{4}, in[1], in[2])}; },
                         {x, f64({4}, 83), f64({4}, 84)});
    expect_gradgradcheck([](const V& in) { return V{rms_norm(in[0], std::vector<int64_t>{4})}; }, {x});
    Tensor g = f64({2, 4, 3}, 85);
    expect_gradgradcheck([](const V& in) { return V{group_norm(in[0], 2)}; }, {g});
    expect_gradgradcheck([](const V& in) { return V{batch_norm(in[0], Tensor(), Tensor(), Tensor(), Tensor(), true)}; },
                         {g});
  });
}

// The fused backward of the class losses and norms equals the gradient of their plain composition.
TEST(NNFunctionalGrad, FusedMatchesComposite) {
  Tensor x = f64({4, 5}, 90), up = f64({4}, 91);
  x.set_requires_grad(true);
  Tensor t = idx({1, 4, -100, 0});
  auto grad_of = [&](const Tensor& out, const Tensor& gout) { return autograd::grad({out}, {x}, {gout})[0]; };
  Tensor valid = to(ne(t, -100), DType::f64);
  Tensor composite = mul(
      neg(squeeze(gather(log_softmax(x, 1), 1, unsqueeze(where(ne(t, -100), t, Scalar(int64_t{0})), 1)), 1)), valid);
  expect_close(grad_of(cross_entropy(x, t, Tensor(), Reduction::none), up), grad_of(composite, up));
  Tensor w = f64({5}, 92);
  Tensor m = mean(x, {1}, true), v = var(x, {1}, 0.0, true);
  Tensor ln = mul(div(sub(x, m), sqrt(add(v, 1e-5))), w);
  Tensor upx = f64({4, 5}, 93);
  expect_close(grad_of(layer_norm(x, std::vector<int64_t>{5}, w), upx), grad_of(ln, upx), 1e-9);
}

}  // namespace
}  // namespace hangu
