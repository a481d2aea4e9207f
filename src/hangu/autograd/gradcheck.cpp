#include "hangu/autograd/gradcheck.h"

#include <cmath>
#include <sstream>

#include "hangu/autograd/engine.h"
#include "hangu/core/autograd_meta.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/samples.h"

namespace hangu::autograd {
namespace {

// All float outputs flattened into one vector of doubles.
std::vector<double> flat_outputs(const std::vector<Tensor>& outs) {
  std::vector<double> v;
  for (const Tensor& o : outs) {
    if (!o.defined() || !is_floating(o.dtype())) continue;
    auto part = to_vector<double>(o);
    v.insert(v.end(), part.begin(), part.end());
  }
  return v;
}

std::vector<Tensor> detached(const std::vector<Tensor>& in) {
  std::vector<Tensor> out;
  for (const Tensor& t : in) {
    if (!t.defined()) {
      out.push_back(t);
      continue;
    }
    Tensor c = clone(t.detach());
    if (t.requires_grad()) c.set_requires_grad(true);  // gradgradcheck differentiates inside fn
    out.push_back(c);
  }
  return out;
}

}  // namespace

GradcheckResult gradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& opts) {
  std::vector<size_t> diff;
  for (size_t i = 0; i < inputs.size(); ++i)
    if (inputs[i].defined() && inputs[i].requires_grad()) diff.push_back(i);

  // Analytic rows: one backward per output element.
  std::vector<Tensor> outs = fn(inputs);
  std::vector<Tensor> float_outs;
  for (const Tensor& o : outs)
    if (o.defined() && is_floating(o.dtype())) float_outs.push_back(o);
  std::vector<double> base = flat_outputs(float_outs);
  const size_t n_out = base.size();
  // analytic[k][input][j]: d out_k / d input_j
  std::vector<std::vector<std::vector<double>>> analytic(n_out);
  size_t k = 0;
  for (const Tensor& o : float_outs) {
    for (int64_t e = 0; e < o.numel(); ++e, ++k) {
      std::vector<Tensor> dins(diff.size());
      if (o.requires_grad()) {
        Tensor v = zeros(o.shape(), o.dtype());
        std::vector<double> one(static_cast<size_t>(o.numel()), 0.0);
        one[static_cast<size_t>(e)] = 1.0;
        copy_(v, tensor(one, o.shape()));
        std::vector<Tensor> din_inputs;
        for (size_t i : diff) din_inputs.push_back(inputs[i]);
        dins = grad({o}, din_inputs, {v}, /*retain_graph=*/true, /*create_graph=*/false, /*allow_unused=*/true);
      }
      for (size_t i = 0; i < diff.size(); ++i) {
        int64_t n = inputs[diff[i]].numel();
        analytic[k].push_back(dins[i].defined() ? to_vector<double>(dins[i]) : std::vector<double>(static_cast<size_t>(n), 0.0));
      }
    }
  }

  // Numeric columns by central differences on fresh copies of the inputs.
  for (size_t i = 0; i < diff.size(); ++i) {
    std::vector<Tensor> x = detached(inputs);
    Tensor xi = contiguous(x[diff[i]]);
    x[diff[i]] = xi;
    int64_t n = xi.numel();
    for (int64_t j = 0; j < n; ++j) {
      double orig = 0;
      auto set = [&](double v) {
        dispatch_dtype(xi.dtype(), [&]<typename T>() {
          if constexpr (is_floating_v<T>) xi.data_ptr<T>()[j] = T(static_cast<opmath_t<T>>(v));
        });
      };
      dispatch_dtype(xi.dtype(), [&]<typename T>() {
        if constexpr (is_floating_v<T>) orig = static_cast<double>(static_cast<opmath_t<T>>(xi.data_ptr<T>()[j]));
      });
      set(orig + opts.eps);
      std::vector<double> plus = flat_outputs(fn(x));
      set(orig - opts.eps);
      std::vector<double> minus = flat_outputs(fn(x));
      set(orig);
      for (size_t kk = 0; kk < n_out && kk < plus.size() && kk < minus.size(); ++kk) {
        double num = (plus[kk] - minus[kk]) / (2 * opts.eps);
        double ana = analytic[kk][i][static_cast<size_t>(j)];
        if (!(std::fabs(ana - num) <= opts.atol + opts.rtol * std::fabs(num))) {
          std::ostringstream os;
          os << "input " << diff[i] << " element " << j << ", output element " << kk << ": analytic " << ana
             << " vs numeric " << num;
          return {false, os.str()};
        }
      }
    }
  }
  return {};
}

GradcheckResult gradgradcheck(const TensorFn& fn, const std::vector<Tensor>& inputs, const GradcheckOptions& opts) {
  std::vector<Tensor> outs;
  {
    NoGradGuard no_grad;
    outs = fn(detached(inputs));
  }
  // Random (but fixed) directions v for the first backward, one per float output.
  std::vector<Tensor> vs;
  uint64_t seed = 7;
  for (const Tensor& o : outs) {
    if (!o.defined() || !is_floating(o.dtype())) continue;
    Tensor v = ops::samples::make(o.shape(), o.dtype(), seed++, -1.0, 1.0);
    v.set_requires_grad(true);
    vs.push_back(v);
  }
  size_t n_in = inputs.size();
  TensorFn g = [&, n_in](const std::vector<Tensor>& all) {
    std::vector<Tensor> x(all.begin(), all.begin() + static_cast<std::ptrdiff_t>(n_in));
    std::vector<Tensor> v(all.begin() + static_cast<std::ptrdiff_t>(n_in), all.end());
    std::vector<Tensor> o = fn(x), fo, diff_in;
    for (const Tensor& t : o)
      if (t.defined() && is_floating(t.dtype())) fo.push_back(t);
    for (const Tensor& t : x)
      if (t.defined() && t.requires_grad()) diff_in.push_back(t);
    std::vector<Tensor> roots, rv;
    for (size_t i = 0; i < fo.size(); ++i)
      if (fo[i].requires_grad()) {
        roots.push_back(fo[i]);
        rv.push_back(v[i]);
      }
    if (roots.empty() || diff_in.empty()) {
      std::vector<Tensor> z;
      for (const Tensor& t : diff_in) z.push_back(zeros_like(t));
      return z;
    }
    std::vector<Tensor> r = grad(roots, diff_in, rv, true, true, true);
    for (size_t i = 0; i < r.size(); ++i)
      if (!r[i].defined()) r[i] = zeros_like(diff_in[i]);
    return r;
  };
  std::vector<Tensor> all = inputs;
  all.insert(all.end(), vs.begin(), vs.end());
  return gradcheck(g, all, opts);
}

}  // namespace hangu::autograd
