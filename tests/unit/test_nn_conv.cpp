// Convolution, pooling and linear: shapes, a direct-loop reference, gradients (first and second
// order, float64 central differences), thread-count determinism and a LeNet-sized timing.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <cstdio>

#include "hangu/autograd/engine.h"
#include "hangu/autograd/gradcheck.h"
#include "hangu/hangu.h"
#include "hangu/ops/nn_conv.h"
#include "hangu/ops/samples.h"
#include "test_util.h"

namespace hangu {
namespace {

Tensor f64(IntList shape, uint64_t seed, bool grad = true) {
  Tensor t = ops::samples::make(shape, DType::f64, seed, -1.0, 1.0);
  if (grad) t.set_requires_grad(true);
  return t;
}
Tensor f64(std::initializer_list<int64_t> s, uint64_t seed, bool grad = true) {
  return f64(IntList(s.begin(), s.size()), seed, grad);
}

// Distinct values (spaced 1/64 apart) so max pooling has no ties for finite differences.
Tensor distinct(std::initializer_list<int64_t> s) {
  Shape shape(s);
  int64_t n = shape_numel(shape);
  std::vector<double> v(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) v[static_cast<size_t>(i)] = static_cast<double>((i * 37 + 11) % n - n / 2) / 64.0;
  Tensor t = tensor(v, shape);
  t.set_requires_grad(true);
  return t;
}

void expect_gradcheck(const autograd::TensorFn& fn, const std::vector<Tensor>& in, bool second = true) {
  auto r = autograd::gradcheck(fn, in);
  EXPECT_TRUE(r.ok) << r.message;
  if (second) {
    auto r2 = autograd::gradgradcheck(fn, in);
    EXPECT_TRUE(r2.ok) << r2.message;
  }
}

// Direct loops: y[n, o, i, j] = b[o] + sum x[n, g*cg + c, i*s - p + ki*d, ...] * w[o, c, ki, kj].
std::vector<double> naive_conv(const Tensor& x, const Tensor& w, const Tensor& b, int64_t s, int64_t p, int64_t d,
                               int64_t groups, int64_t oh, int64_t ow) {
  auto xv = to_vector<double>(x), wv = to_vector<double>(w), bv = to_vector<double>(b);
  const int64_t N = x.size(0), C = x.size(1), H = x.size(2), W = x.size(3), O = w.size(0), cg = w.size(1),
                K = w.size(2), og = O / groups;
  std::vector<double> y;
  for (int64_t n = 0; n < N; ++n)
    for (int64_t o = 0; o < O; ++o)
      for (int64_t i = 0; i < oh; ++i)
        for (int64_t j = 0; j < ow; ++j) {
          double acc = bv[static_cast<size_t>(o)];
          for (int64_t c = 0; c < cg; ++c)
            for (int64_t ki = 0; ki < K; ++ki)
              for (int64_t kj = 0; kj < K; ++kj) {
                int64_t iy = i * s - p + ki * d, ix = j * s - p + kj * d, ci = (o / og) * cg + c;
                if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
                acc += xv[static_cast<size_t>(((n * C + ci) * H + iy) * W + ix)] *
                       wv[static_cast<size_t>(((o * cg + c) * K + ki) * K + kj)];
              }
          y.push_back(acc);
        }
  return y;
}

TEST(NnConv, LeNetShapes) {
  Tensor x = randn({3, 1, 28, 28});
  Tensor w1 = randn({6, 1, 5, 5}), b1 = randn({6}), w2 = randn({16, 6, 5, 5}), b2 = randn({16});
  Tensor h = max_pool2d(relu(conv2d(x, w1, b1, {1, 1}, {2, 2})), {2, 2});
  EXPECT_EQ(h.shape(), (Shape{3, 6, 14, 14}));
  h = max_pool2d(relu(conv2d(h, w2, b2)), {2, 2});
  EXPECT_EQ(h.shape(), (Shape{3, 16, 5, 5}));
  Tensor f = linear(reshape(h, {3, 400}), randn({120, 400}), randn({120}));
  EXPECT_EQ(f.shape(), (Shape{3, 120}));
  // unbatched
  EXPECT_EQ(conv2d(randn({1, 28, 28}), w1, b1, {1, 1}, {2, 2}).shape(), (Shape{6, 28, 28}));
}

TEST(NnConv, MatchesDirectLoops) {
  struct Case { int64_t s, p, d, g; };
  for (Case c : {Case{1, 0, 1, 1}, Case{2, 1, 1, 1}, Case{1, 2, 2, 1}, Case{2, 1, 1, 2}, Case{1, 1, 1, 4}}) {
    Tensor x = f64({2, 4, 7, 6}, 10, false), w = f64({4, 4 / c.g, 3, 3}, 11, false), b = f64({4}, 12, false);
    Tensor y = conv2d(x, w, b, {c.s, c.s}, {c.p, c.p}, {c.d, c.d}, c.g);
    auto ref = naive_conv(x, w, b, c.s, c.p, c.d, c.g, y.size(2), y.size(3));
    auto got = to_vector<double>(y);
    ASSERT_EQ(got.size(), ref.size());
    for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], ref[i], 1e-12) << "s=" << c.s << " g=" << c.g;
  }
}

// 300 samples of 28x28 overflow one column buffer, so the kernels work in chunks of samples.
TEST(NnConv, ChunkedBatchesMatch) {
  Tensor x = f64({300, 1, 28, 28}, 30), w = f64({2, 1, 5, 5}, 31), b = f64({2}, 32, false);
  Tensor y = conv2d(x, w, b, {1, 1}, {2, 2});
  auto ref = naive_conv(x, w.detach(), b, 1, 2, 1, 1, 28, 28);
  auto got = to_vector<double>(y);
  ASSERT_EQ(got.size(), ref.size());
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - ref[i]));
  EXPECT_LT(worst, 1e-12);
  // weight gradient: <dL/dw, h> == <gy, conv(x, h)> for L = <gy, conv(x, w)>
  Tensor gy = f64(IntList(y.shape()), 33, false), h = f64({2, 1, 5, 5}, 34, false);
  sum(mul(y, gy)).backward();
  double lhs = sum(mul(w.grad(), h)).item<double>();
  double rhs = sum(mul(conv2d(x, h, Tensor(), {1, 1}, {2, 2}), gy)).item<double>();
  EXPECT_NEAR(lhs, rhs, 1e-9 * std::abs(rhs) + 1e-9);
  // input gradient: <dL/dx, hx> == <gy, conv(hx, w)>
  NoGradGuard ng;
  Tensor hx = f64({300, 1, 28, 28}, 35, false);
  lhs = sum(mul(x.grad(), hx)).item<double>();
  rhs = sum(mul(conv2d(hx, w, Tensor(), {1, 1}, {2, 2}), gy)).item<double>();
  EXPECT_NEAR(lhs, rhs, 1e-9 * std::abs(rhs) + 1e-9);
}

TEST(NnConv, SamePaddingKeepsSize) {
  Tensor x = randn({1, 2, 5, 6}), w = randn({3, 2, 4, 3});
  EXPECT_EQ(conv2d(x, w, Tensor(), {1, 1}, "same", {1, 1}, 1).shape(), (Shape{1, 3, 5, 6}));
  EXPECT_EQ(conv2d(x, w, Tensor(), {1, 1}, "valid", {1, 1}, 1).shape(), (Shape{1, 3, 2, 4}));
}

TEST(NnConv, Conv2dGradients) {
  Tensor x = f64({2, 4, 5, 5}, 1), w = f64({6, 2, 3, 3}, 2), b = f64({6}, 3);
  expect_gradcheck([](const std::vector<Tensor>& v) { return std::vector<Tensor>{conv2d(v[0], v[1], v[2], {2, 1}, {1, 0}, {1, 2}, 2)}; },
                   {x, w, b});
  Tensor xs = f64({3, 4, 4}, 4), ws = f64({2, 3, 2, 3}, 5);
  expect_gradcheck([](const std::vector<Tensor>& v) { return std::vector<Tensor>{conv2d(v[0], v[1], Tensor(), {1, 1}, "same", {1, 1}, 1)}; },
                   {xs, ws});
}

TEST(NnConv, ConvTransposeGradientsAndAdjoint) {
  Tensor x = f64({2, 4, 3, 3}, 6), w = f64({4, 3, 3, 2}, 7), b = f64({6}, 8);
  Tensor y = conv_transpose2d(x, w, b, {2, 2}, {1, 0}, {1, 0}, 2, {1, 1});
  EXPECT_EQ(y.shape(), (Shape{2, 6, 6, 6}));
  expect_gradcheck([](const std::vector<Tensor>& v) {
    return std::vector<Tensor>{conv_transpose2d(v[0], v[1], v[2], {2, 2}, {1, 0}, {1, 0}, 2, {1, 1})};
  }, {x, w, b});
  // <conv(a, w), c> == <a, conv_transpose(c, w)>
  NoGradGuard ng;
  Tensor a = f64({1, 3, 6, 5}, 9, false), wc = f64({4, 3, 3, 3}, 10, false);
  Tensor ya = conv2d(a, wc, Tensor(), {2, 2}, {1, 1});
  Tensor c = f64(IntList(ya.shape()), 11, false);
  Tensor back = conv_transpose2d(c, wc, Tensor(), {2, 2}, {1, 1}, {1, 0});
  ASSERT_EQ(back.shape(), a.shape());
  EXPECT_NEAR(sum(mul(ya, c)).item<double>(), sum(mul(a, back)).item<double>(), 1e-12);
}

TEST(NnConv, PoolGradients) {
  Tensor x = distinct({2, 3, 6, 7});
  expect_gradcheck([](const std::vector<Tensor>& v) { return std::vector<Tensor>{max_pool2d(v[0], {3, 2}, {2, 2}, {1, 1}, {1, 2}, true)}; }, {x});
  expect_gradcheck([](const std::vector<Tensor>& v) { return std::vector<Tensor>{max_pool2d(v[0], {2, 2})}; }, {x});
  expect_gradcheck([](const std::vector<Tensor>& v) { return std::vector<Tensor>{avg_pool2d(v[0], {3, 3}, {2, 2}, {1, 1}, true, false)}; }, {x});
  expect_gradcheck([](const std::vector<Tensor>& v) { return std::vector<Tensor>{adaptive_avg_pool2d(v[0], {4, 3})}; }, {x});
  Tensor x1 = distinct({2, 9});
  expect_gradcheck([](const std::vector<Tensor>& v) { return std::vector<Tensor>{max_pool1d(v[0], 3, 2, 1)}; }, {x1});
}

// What test_op_gradcheck does for every differentiable op: each float sample, in float64.
TEST(NnConv, RegistrySamplesGradcheck) {
  for (const char* name : {"linear", "conv1d", "conv2d", "conv_transpose2d", "max_pool1d", "max_pool2d", "avg_pool2d",
                           "adaptive_avg_pool2d"}) {
    const ops::OpInfo* info = ops::op_registry().find(name);
    ASSERT_NE(info, nullptr) << name;
    ASSERT_TRUE(info->differentiable);
    for (const ops::OpSample& smp : info->samples()) {
      if (!is_floating(smp.inputs[0].dtype())) continue;
      std::vector<Tensor> in;
      for (const Tensor& t : smp.inputs) {
        Tensor d = clone(to(t, DType::f64));
        d.set_requires_grad(true);
        in.push_back(d);
      }
      auto fn = [&](const std::vector<Tensor>& v) { return info->fn(v, smp.args); };
      auto r = autograd::gradcheck(fn, in);
      EXPECT_TRUE(r.ok) << name << " " << smp.desc << ": " << r.message;
    }
  }
}

TEST(NnConv, MaxPoolValuesAndNaN) {
  Tensor x = tensor(std::vector<float>{1, 5, 3, 2, 4, 9, 7, 8, 0}, Shape{1, 1, 3, 3});
  EXPECT_EQ(to_vector<float>(max_pool2d(x, {2, 2}, {1, 1})), (std::vector<float>{5, 9, 8, 9}));
  Tensor n = tensor(std::vector<float>{1, std::numeric_limits<float>::quiet_NaN(), 3, 2}, Shape{1, 2, 2});
  EXPECT_TRUE(std::isnan(max_pool2d(n, {2, 2}).item<float>()));
  EXPECT_EQ(to_vector<float>(adaptive_avg_pool2d(x, {1, 1})), (std::vector<float>{39.0f / 9}));
}

TEST(NnConv, LinearAndConv1dGradients) {
  Tensor x = f64({2, 3, 4}, 20), w = f64({5, 4}, 21), b = f64({5}, 22);
  expect_gradcheck([](const std::vector<Tensor>& v) { return std::vector<Tensor>{linear(v[0], v[1], v[2])}; }, {x, w, b});
  Tensor x1 = f64({4}, 23);
  expect_gradcheck([](const std::vector<Tensor>& v) { return std::vector<Tensor>{linear(v[0], v[1])}; }, {x1, w});
  Tensor xc = f64({2, 4, 9}, 24), wc = f64({6, 2, 3}, 25), bc = f64({6}, 26);
  expect_gradcheck([](const std::vector<Tensor>& v) { return std::vector<Tensor>{conv1d(v[0], v[1], v[2], 2, 1, 2, 2)}; }, {xc, wc, bc});
}

TEST(NnConv, HalfPrecisionComputedInFloat) {
  Tensor x = randn({1, 2, 5, 5}), w = randn({3, 2, 3, 3});
  Tensor ref = conv2d(to(to(x, DType::bf16), DType::f32), to(to(w, DType::bf16), DType::f32));
  Tensor xb = to(x, DType::bf16), wb = to(w, DType::bf16);
  xb.set_requires_grad(true);
  wb.set_requires_grad(true);
  Tensor h = conv2d(xb, wb);
  EXPECT_EQ(h.dtype(), DType::bf16);
  // computed in float32 and rounded once: equal to the float32 result rounded to bfloat16
  EXPECT_TRUE(test_util::same_bits(h.detach(), to(ref, DType::bf16)));
  sum(max_pool2d(h, {2, 2})).backward();
  ASSERT_TRUE(xb.grad().defined() && wb.grad().defined());
  EXPECT_EQ(xb.grad().dtype(), DType::bf16);
  EXPECT_EQ(wb.grad().shape(), wb.shape());
  EXPECT_EQ(max_pool2d(to(x, DType::f16), {2, 2}).dtype(), DType::f16);
}

TEST(NnConv, ErrorsNameShapes) {
  Tensor x = randn({2, 3, 28, 28}), w = randn({6, 1, 5, 5});
  try {
    conv2d(x, w);
    FAIL();
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("[6, 1, 5, 5]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("[2, 3, 28, 28]"), std::string::npos) << e.what();
  }
  EXPECT_THROW(conv2d(randn({1, 1, 3, 3}), w), ShapeError);
  EXPECT_THROW(conv2d(randn({1, 6, 8, 8}), w, Tensor(), {1, 1}, "same", {1, 1}, 2), ShapeError);
  EXPECT_THROW(max_pool2d(x, {2, 2}, {2, 2}, {2, 2}), ValueError);
  EXPECT_THROW(linear(randn({2, 3}), randn({4, 5})), ShapeError);
  EXPECT_THROW(conv2d(to(x, DType::i64), to(randn({6, 3, 5, 5}), DType::i64)), DTypeError);
}

// LeNet's layers: conv(6,5,pad 2) - pool - conv(16,5) - pool - 120 - 84 - 10.
struct LeNet {
  Tensor w1 = randn({6, 1, 5, 5}), b1 = randn({6}), w2 = randn({16, 6, 5, 5}), b2 = randn({16});
  Tensor f1 = randn({120, 400}), g1 = randn({120}), f2 = randn({84, 120}), g2 = randn({84}), f3 = randn({10, 84}),
         g3 = randn({10});
  LeNet() {
    for (Tensor* t : {&w1, &b1, &w2, &b2, &f1, &g1, &f2, &g2, &f3, &g3}) {
      *t = mul(*t, 0.1);
      t->set_requires_grad(true);
    }
  }
  // No activation: relu has no backward yet, and the timing is about conv, pool and linear.
  Tensor forward(const Tensor& x) {
    Tensor h = max_pool2d(conv2d(x, w1, b1, {1, 1}, {2, 2}), {2, 2});
    h = max_pool2d(conv2d(h, w2, b2), {2, 2});
    h = linear(reshape(h, {x.size(0), 400}), f1, g1);
    h = linear(h, f2, g2);
    return linear(h, f3, g3);
  }
};

TEST(NnConv, DeterministicAcrossThreadCounts) {
  LeNet net;
  Tensor x = randn({8, 1, 28, 28});
  auto run = [&] {
    for (Tensor* t : {&net.w1, &net.w2, &net.f1}) t->set_grad(Tensor());
    Tensor out = net.forward(x);
    sum(mul(out, out)).backward();
    return cat({reshape(out, {-1}), reshape(net.w1.grad(), {-1}), reshape(net.w2.grad(), {-1}), reshape(net.f1.grad(), {-1})}, 0);
  };
  auto [one, two] = test_util::with_1_and_2_threads(run);
  EXPECT_TRUE(test_util::same_bits(one, two));
}

}  // namespace
}  // namespace hangu
