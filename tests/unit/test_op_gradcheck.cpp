// Gradient coverage of the registry: every op registered with differentiable = true passes
// autograd::gradcheck in float64 on its small floating-point samples (and gradgradcheck for the
// elementwise, reduction and linalg groups). An op without a usable float sample, or whose output
// does not require grad when a float input does (a missing backward), fails.
// One parameterised test per op; HANGU_TEST_OPS=a,b restricts the list (as in test_op_registry).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>

#include "hangu/autograd/engine.h"
#include "hangu/autograd/gradcheck.h"
#include "hangu/core/autograd_meta.h"
#include "hangu/core/rng.h"
#include "hangu/hangu.h"
#include "test_util.h"
#include "hangu/ops/registry.h"

namespace hangu {
namespace {

using ops::OpInfo;

constexpr int64_t kMaxElements = 60;  // per input: the numeric Jacobian costs 2 forwards per element

std::vector<std::string> differentiable_ops() { return test_util::registered_ops(/*differentiable_only=*/true); }

bool wants_gradgradcheck(const OpInfo& op) {
  return op.group == "unary" || op.group == "binary" || op.group == "reduction" || op.group == "linalg";
}

// In-place forms (add_, clamp_, ...) may be left unrecorded: then they must refuse inputs that
// require grad (a ValueError) rather than drop the gradient silently.
bool is_inplace(const OpInfo& op) { return !op.name.empty() && op.name.back() == '_'; }

bool all_finite(const Tensor& t) {
  for (double v : to_vector<double>(t))
    if (!std::isfinite(v)) return false;
  return true;
}

// The sample's inputs for the check: floating inputs become float64 leaves requiring grad, others
// pass unchanged. Empty when the sample is not usable: no float input, a float input too large,
// 0-size, or not finite (derivatives at inf/NaN mean nothing).
std::vector<Tensor> prepare(const ops::OpSample& s) {
  std::vector<Tensor> in;
  bool any_float = false;
  for (const Tensor& t : s.inputs) {
    if (!t.defined() || !is_floating(t.dtype())) {
      in.push_back(t);
      continue;
    }
    if (t.numel() == 0 || t.numel() > kMaxElements || !all_finite(t)) return {};
    Tensor x = clone(to(t.detach(), DType::f64));
    x.set_requires_grad(true);
    in.push_back(x);
    any_float = true;
  }
  if (!any_float) return {};
  return in;
}

// Reseeds the default generator before each call, so random ops are the same function every time.
autograd::TensorFn as_function(const OpInfo& op, const ops::OpArgs& args) {
  return [&op, args](const std::vector<Tensor>& in) {
    manual_seed(1234);
    return op.fn(in, args);
  };
}

// True when fn is not differentiable at the sample: for some float input element, the one-sided
// difference quotients of some output disagree (a kink such as relu at 0, clamp at a bound,
// remainder where a / b is an integer). Such a point has no derivative to check; which
// subgradient we pick there is compared with PyTorch by test_op_registry's backward test.
bool on_a_kink(const autograd::TensorFn& fn, const std::vector<Tensor>& inputs) {
  NoGradGuard no_grad;
  const double h = 1e-7;
  std::vector<Tensor> x;
  for (const Tensor& t : inputs) x.push_back(t.defined() ? clone(t.detach()) : t);
  auto flat = [&] {
    std::vector<double> v;
    for (const Tensor& o : fn(x))
      if (o.defined() && is_floating(o.dtype())) {
        auto p = to_vector<double>(o);
        v.insert(v.end(), p.begin(), p.end());
      }
    return v;
  };
  std::vector<double> base = flat();
  for (size_t i = 0; i < x.size(); ++i) {
    if (!inputs[i].defined() || !inputs[i].requires_grad()) continue;
    double* p = x[i].data_ptr<double>();  // a fresh float64 clone: contiguous
    for (int64_t j = 0; j < x[i].numel(); ++j) {
      const double orig = p[j];
      p[j] = orig + h;
      std::vector<double> plus = flat();
      p[j] = orig - h;
      std::vector<double> minus = flat();
      p[j] = orig;
      for (size_t k = 0; k < base.size() && k < plus.size() && k < minus.size(); ++k) {
        double right = (plus[k] - base[k]) / h, left = (base[k] - minus[k]) / h;
        if (std::fabs(right - left) > 1e-3 * (1 + std::fabs(right) + std::fabs(left))) return true;
      }
    }
  }
  return false;
}

class OpGradTest : public ::testing::TestWithParam<std::string> {
 protected:
  const OpInfo& op() const { return *ops::op_registry().find(GetParam()); }
};

TEST_P(OpGradTest, Gradcheck) {
  const OpInfo& info = op();
  ASSERT_TRUE(info.samples);
  std::vector<ops::OpSample> samples = info.samples();
  int checked = 0, kinks = 0;
  for (size_t k = 0; k < samples.size(); ++k) {
    const ops::OpSample& s = samples[k];
    std::vector<Tensor> in = prepare(s);
    if (in.empty()) continue;
    SCOPED_TRACE(info.name + " sample " + std::to_string(k) + " (" + s.desc + "), args " + s.args.to_json());
    autograd::TensorFn fn = as_function(info, s.args);
    std::vector<Tensor> out;
    try {
      out = fn(in);
    } catch (const Error& e) {
      if (is_inplace(info) && e.kind() == ErrorKind::value) {
        ++checked;  // an in-place form that is not recorded refuses inputs requiring grad: fine
        continue;
      }
      ADD_FAILURE() << "threw: " << e.what();
      continue;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "threw: " << e.what();
      continue;
    }
    bool float_out = false, f64_finite = true;
    for (size_t j = 0; j < out.size(); ++j) {
      if (!out[j].defined() || !is_floating(out[j].dtype())) continue;
      float_out = true;
      EXPECT_TRUE(out[j].requires_grad()) << "output " << j << " does not require grad: missing backward";
      f64_finite = f64_finite && out[j].dtype() == DType::f64 && all_finite(out[j]);
    }
    // Central differences need float64 outputs (not an explicit dtype=float16 say) and finite
    // values (not the NaN of var over one element).
    if (!float_out || !f64_finite) continue;
    if (on_a_kink(fn, in)) {
      ++kinks;  // not differentiable at this sample: see on_a_kink
      continue;
    }
    try {
      autograd::GradcheckResult r = autograd::gradcheck(fn, in);
      EXPECT_TRUE(r.ok) << "gradcheck: " << r.message;
      if (r.ok && wants_gradgradcheck(info)) {
        autograd::GradcheckResult rr = autograd::gradgradcheck(fn, in);
        EXPECT_TRUE(rr.ok) << "gradgradcheck: " << rr.message;
      }
    } catch (const std::exception& e) {
      ADD_FAILURE() << "gradcheck threw: " << e.what();
    }
    ++checked;
  }
  if (std::getenv("HANGU_GRADCHECK_VERBOSE"))
    std::printf("%s: %d samples checked, %d on a kink, of %zu\n", info.name.c_str(), checked, kinks, samples.size());
  if (checked == 0)
    FAIL() << "no float sample for gradcheck (finite, non-empty, at most " << kMaxElements << " elements per input"
           << (kinks ? ", off the op's kinks" : "") << ") for op '" << info.name << "'";
}

// ---- conventions at points gradcheck skips (kinks, ties, zeros), as PyTorch 1.13 -------------

Tensor leaf(std::vector<double> v) {
  Tensor t = tensor(v, Shape{static_cast<int64_t>(v.size())});
  t.set_requires_grad(true);
  return t;
}

// d sum(out) / d inputs.
std::vector<std::vector<double>> grads_of(const Tensor& out, const std::vector<Tensor>& inputs) {
  std::vector<std::vector<double>> r;
  for (const Tensor& g : autograd::grad({out}, inputs, {ones_like(out)}, false, false, true))
    r.push_back(g.defined() ? to_vector<double>(g) : std::vector<double>{});
  return r;
}

TEST(ElementwiseGrad, NothingRecordedWithoutInputsRequiringGrad) {
  Tensor x = tensor(std::vector<double>{0.5, 1.5}, Shape{2});
  for (const Tensor& out : {exp(x), add(x, x), pow(x, 2.0), clamp(x, 0.0, 1.0), where(gt(x, 1), x, 0.0), relu(x)}) {
    EXPECT_FALSE(out.requires_grad());
    EXPECT_EQ(out.grad_fn(), nullptr);
  }
}

TEST(ElementwiseGrad, MaximumAndMinimumSplitTies) {
  Tensor a = leaf({1, 2, 3}), b = leaf({1, 5, 0});
  auto g = grads_of(maximum(a, b), {a, b});
  EXPECT_EQ(g[0], (std::vector<double>{0.5, 0, 1}));
  EXPECT_EQ(g[1], (std::vector<double>{0.5, 1, 0}));
  g = grads_of(minimum(a, b), {a, b});
  EXPECT_EQ(g[0], (std::vector<double>{0.5, 1, 0}));
  EXPECT_EQ(g[1], (std::vector<double>{0.5, 0, 1}));
}

TEST(ElementwiseGrad, KinksTakeTorchsSubgradient) {
  Tensor x = leaf({-1, 0, 2});
  EXPECT_EQ(grads_of(relu(x), {x})[0], (std::vector<double>{0, 0, 1}));
  EXPECT_EQ(grads_of(abs(x), {x})[0], (std::vector<double>{-1, 0, 1}));
  // clamp passes the gradient on the bounds themselves.
  EXPECT_EQ(grads_of(clamp(x, -1.0, 0.0), {x})[0], (std::vector<double>{1, 1, 0}));
  Tensor lo = leaf({-1, 1, 0}), hi = leaf({0, 2, 2});
  auto g = grads_of(clamp(x, lo, hi), {x, lo, hi});
  EXPECT_EQ(g[0], (std::vector<double>{1, 0, 1}));
  EXPECT_EQ(g[1], (std::vector<double>{0, 1, 0}));
  EXPECT_EQ(g[2], (std::vector<double>{0, 0, 0}));
  Tensor h = leaf({-3, 3});
  EXPECT_EQ(grads_of(hardswish(h), {h})[0], (std::vector<double>{-0.5, 1.5}));
  EXPECT_EQ(grads_of(hardsigmoid(h), {h})[0], (std::vector<double>{0, 0}));
}

TEST(ElementwiseGrad, PowAtZero) {
  Tensor a = leaf({0, 0, 2}), b = leaf({2, 0, 0});
  auto g = grads_of(pow(a, b), {a, b});
  EXPECT_EQ(g[0], (std::vector<double>{0, 0, 0}));
  EXPECT_EQ(g[1], (std::vector<double>{0, 0, std::log(2.0)}));
  Tensor x = leaf({0, 3});
  EXPECT_EQ(grads_of(pow(x, 0.0), {x})[0], (std::vector<double>{0, 0}));
  Tensor e = leaf({1, 2});
  EXPECT_EQ(grads_of(pow(0.0, e), {e})[0], (std::vector<double>{0, 0}));
}

TEST(ElementwiseGrad, RoundingDivisionHasZeroGradient) {
  Tensor a = leaf({3, -7}), b = leaf({2, 2});
  auto g = grads_of(div(a, b, "floor"), {a, b});
  EXPECT_EQ(g[0], (std::vector<double>{0, 0}));
  EXPECT_EQ(g[1], (std::vector<double>{0, 0}));
}

TEST(ElementwiseGrad, InPlaceFormsRefuseTensorsThatRequireGrad) {
  Tensor x = leaf({1, 2}), plain = tensor(std::vector<double>{1, 2}, Shape{2});
  EXPECT_THROW(add_(x, 1.0), ValueError);
  EXPECT_THROW(mul_(plain, x), ValueError);  // the result would silently lack x's gradient
  EXPECT_THROW(neg_(x), ValueError);
  EXPECT_THROW(clamp_(x, 0.0), ValueError);
  {
    NoGradGuard no_grad;
    add_(x, 1.0);  // allowed without grad mode, like torch.no_grad()
  }
  EXPECT_EQ(to_vector<double>(x), (std::vector<double>{2, 3}));
}

std::string param_name(const ::testing::TestParamInfo<std::string>& p) {
  std::string s;
  for (char c : p.param) s += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
  return s;
}

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(OpGradTest);
INSTANTIATE_TEST_SUITE_P(Registry, OpGradTest, ::testing::ValuesIn(differentiable_ops()), param_name);

}  // namespace
}  // namespace hangu
