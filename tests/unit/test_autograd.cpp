#include <gtest/gtest.h>

#include <cmath>

#include "hangu/autograd/engine.h"
#include "hangu/autograd/gradcheck.h"
#include "hangu/hangu.h"
#include "hangu/ops/samples.h"

namespace hangu {
namespace {

Tensor f64(std::initializer_list<int64_t> shape, uint64_t seed) {
  Tensor t = ops::samples::make(shape, DType::f64, seed, -1.0, 1.0);
  t.set_requires_grad(true);
  return t;
}

TEST(Autograd, ChainRuleThroughAddMulExpSum) {
  Tensor x = f64({3}, 1), y = f64({3}, 2);
  Tensor loss = sum(mul(exp(x), add(x, y)));
  loss.backward();
  // d/dx = exp(x)(x+y) + exp(x); d/dy = exp(x)
  auto xv = to_vector<double>(x), yv = to_vector<double>(y), gx = to_vector<double>(x.grad()),
       gy = to_vector<double>(y.grad());
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(gx[i], std::exp(xv[i]) * (xv[i] + yv[i] + 1), 1e-12);
    EXPECT_NEAR(gy[i], std::exp(xv[i]), 1e-12);
  }
}

TEST(Autograd, GradientsAccumulateAndBroadcastIsSummed) {
  Tensor x = f64({2, 3}, 3), b = f64({3}, 4);
  sum(add(x, b)).backward();
  sum(add(x, b)).backward();
  for (double v : to_vector<double>(b.grad())) EXPECT_DOUBLE_EQ(v, 4.0);  // 2 rows x 2 passes
  for (double v : to_vector<double>(x.grad())) EXPECT_DOUBLE_EQ(v, 2.0);
}

TEST(Autograd, NoGradGuardAndDetachRecordNothing) {
  Tensor x = f64({2}, 5);
  {
    NoGradGuard g;
    EXPECT_FALSE(exp(x).requires_grad());
  }
  EXPECT_FALSE(exp(x.detach()).requires_grad());
  EXPECT_TRUE(exp(x).requires_grad());
}

TEST(Autograd, SecondBackwardWithoutRetainGraphIsAClearError) {
  Tensor x = f64({2}, 6);
  Tensor l = sum(exp(x));
  l.backward();
  try {
    l.backward();
    FAIL() << "expected an error";
  } catch (const ValueError& e) {
    EXPECT_NE(std::string(e.what()).find("retain_graph"), std::string::npos);
  }
}

TEST(Autograd, GradOfGradThroughExp) {
  Tensor x = f64({3}, 7);
  Tensor y = sum(exp(x));
  auto g = autograd::grad({y}, {x}, {}, false, /*create_graph=*/true);
  auto gg = autograd::grad({sum(g[0])}, {x});
  auto xv = to_vector<double>(x), ggv = to_vector<double>(gg[0]);
  for (size_t i = 0; i < 3; ++i) EXPECT_NEAR(ggv[i], std::exp(xv[i]), 1e-12);
  EXPECT_FALSE(x.grad().defined());  // grad() never touches .grad
}

TEST(Autograd, HooksAndRetainGrad) {
  Tensor x = f64({2}, 8);
  Tensor h = exp(x);
  h.retain_grad();
  h.register_hook([](const Tensor& g) { return mul(g, 2.0); });
  sum(h).backward();
  for (double v : to_vector<double>(h.grad())) EXPECT_DOUBLE_EQ(v, 1.0);
  auto xv = to_vector<double>(x), gx = to_vector<double>(x.grad());
  for (size_t i = 0; i < 2; ++i) EXPECT_NEAR(gx[i], 2 * std::exp(xv[i]), 1e-12);
}

TEST(Autograd, GradcheckAndGradgradcheck) {
  Tensor x = f64({2, 3}, 9), y = f64({3}, 10);
  auto fn = [](const std::vector<Tensor>& in) { return std::vector<Tensor>{sum(mul(exp(in[0]), in[1]), {1})}; };
  auto r = autograd::gradcheck(fn, {x, y});
  EXPECT_TRUE(r.ok) << r.message;
  auto rr = autograd::gradgradcheck(fn, {x, y});
  EXPECT_TRUE(rr.ok) << rr.message;
}

TEST(Autograd, GradcheckCatchesAWrongDerivative) {
  Tensor x = f64({3}, 11);
  // A hook that doubles the gradient makes the analytic Jacobian wrong.
  auto fn = [](const std::vector<Tensor>& in) {
    Tensor y = exp(in[0]);
    y.register_hook([](const Tensor& g) { return mul(g, 2.0); });
    return std::vector<Tensor>{y};
  };
  EXPECT_FALSE(autograd::gradcheck(fn, {x}).ok);
}

}  // namespace
}  // namespace hangu
