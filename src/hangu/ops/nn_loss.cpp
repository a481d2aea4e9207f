// Loss functions as functional operators (PyTorch 1.13 semantics). Pointwise losses record an
// elementwise op whose derivatives are written with ops, then reduce with sum. Class losses
// (nll_loss, cross_entropy) are linear in the log-probabilities: loss = -sum(Q * logp) for a
// coefficient tensor Q built from targets, weights, smoothing and the reduction's divisor, which
// gives both losses one backward.
#include <cmath>
#include <functional>
#include <limits>

#include "hangu/core/error.h"
#include "hangu/ops/autograd_record.h"
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/indexing.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/views.h"

namespace hangu {
namespace {

using PwFn = std::function<Tensor(const std::vector<Tensor>&)>;

void check_float(const Tensor& t, const char* op, const char* what) {
  check_defined(t, op);
  if (!t.is_floating_point()) throw DTypeError(MsgId::nnf_float_input, op, what, t.dtype());
}

void check_same_shape(const Tensor& input, const Tensor& target, const char* op) {
  if (input.shape() != target.shape()) throw ShapeError(MsgId::nnf_target_shape, op, target.shape(), input.shape());
}

// An elementwise loss f(in) whose derivative in input i is df[i](in) (none where df[i] is empty).
Tensor pointwise(const char* op, const std::vector<Tensor>& in, const PwFn& f, const std::vector<PwFn>& df) {
  ops::GradRecorder rec(op, in);
  Tensor out = f(in);
  if (rec.active())
    rec.record({out}, [in, df](const std::vector<Tensor>& g) {
      std::vector<Tensor> r(in.size());
      for (size_t i = 0; i < in.size(); ++i)
        if (i < df.size() && df[i] && in[i].defined() && in[i].is_floating_point()) r[i] = mul(g[0], df[i](in));
      return r;
    });
  return out;
}

// mean as sum * (1/n): an empty tensor gives 0 * inf = NaN, like PyTorch.
Tensor reduce(const Tensor& l, Reduction r) {
  if (r == Reduction::none) return l;
  Tensor s = sum(l);
  if (r == Reduction::sum) return s;
  return mul(s, 1.0 / static_cast<double>(l.numel()));
}

Tensor weighted(Tensor l, const Tensor& weight) { return weight.defined() ? mul(l, weight) : l; }

int64_t class_dim(const Tensor& input) { return input.dim() >= 2 ? 1 : 0; }

// A per-class weight (C) shaped to broadcast along the class dim of `input`.
Tensor class_view(const Tensor& w, const Tensor& input) {
  std::vector<int64_t> s(static_cast<size_t>(std::max<int64_t>(input.dim() - class_dim(input), 1)), 1);
  s[0] = w.size(0);
  return reshape(w.dtype() == input.dtype() ? w : to(w, input.dtype()), s);
}

// Validates input/target/weight of a class loss; returns the class count.
int64_t check_class_loss(const Tensor& input, const Tensor& target, const Tensor& weight, const char* op,
                         bool allow_probs, int64_t ignore_index) {
  check_float(input, op, "input");
  check_defined(target, op);
  if (input.dim() < 1) throw ShapeError(MsgId::nnf_input_rank, op, ">= 1", input.shape());
  int64_t cd = class_dim(input), c = input.size(cd);
  if (weight.defined()) {
    check_float(weight, op, "weight");
    if (weight.dim() != 1 || weight.size(0) != c)
      throw ShapeError(MsgId::nnf_param_shape, op, "weight", std::vector<int64_t>{c}, weight.shape());
  }
  if (allow_probs && target.is_floating_point()) {
    check_same_shape(input, target, op);
    return c;
  }
  if (target.dtype() != DType::i64) throw DTypeError(MsgId::nnf_index_dtype, op, "target", target.dtype());
  Shape expect = input.shape();
  expect.erase(expect.begin() + cd);
  if (target.shape() != expect) throw ShapeError(MsgId::nnf_target_shape, op, target.shape(), input.shape());
  Tensor tc = contiguous(target);
  const int64_t* p = static_cast<const int64_t*>(tc.data());
  for (int64_t i = 0; i < tc.numel(); ++i)
    if (p[i] != ignore_index && (p[i] < 0 || p[i] >= c)) throw IndexError(MsgId::nnf_class_out_of_range, op, p[i], c);
  return c;
}

// Q for class-index targets (see the file comment). Built with ops outside the recorded core, so
// gradients reach the weight through it.
Tensor index_coefficients(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r,
                          int64_t ignore_index, double smoothing, int64_t c) {
  DType dt = input.dtype();
  int64_t cd = class_dim(input);
  Tensor valid = ne(target, ignore_index);
  Tensor safe = where(valid, target, Scalar(int64_t{0}));
  Tensor onehot = to(movedim(one_hot(safe, c), -1, cd), dt);
  Tensor validf = to(unsqueeze(valid, cd), dt);
  Tensor wb = weight.defined() ? class_view(weight, input) : Tensor();
  Tensor q_nll = weighted(mul(onehot, validf), wb);
  Tensor denom = sum(q_nll);  // sum of w[target] over the targets not ignored
  Tensor q = r == Reduction::mean ? div(q_nll, denom) : q_nll;
  if (smoothing > 0.0) {
    // Under mean, the smoothing term shares the divisor: the weight sum of the kept targets.
    Tensor q_s = weighted(mul(full_like(input, smoothing / static_cast<double>(c)), validf), wb);
    if (r == Reduction::mean) q_s = div(q_s, denom);
    q = add(mul(q, 1.0 - smoothing), q_s);
  }
  return q;
}

// Q for probability targets: (target (1 - ls) + ls / C) w / D, D = N d1 ... under mean.
Tensor prob_coefficients(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction r, double smoothing,
                         int64_t c) {
  double d = r == Reduction::mean ? 1.0 / static_cast<double>(input.numel() / std::max<int64_t>(c, 1)) : 1.0;
  Tensor q =
      add(mul(target, (1.0 - smoothing) * d), scalar_tensor(smoothing / static_cast<double>(c) * d, input.dtype()));
  return weighted(q, weight.defined() ? class_view(weight, input) : Tensor());
}

// -sum(Q * logp) over the class dim (none) or over everything.
Tensor contract(const Tensor& q, const Tensor& logp, Reduction r, int64_t cd) {
  Tensor prod = mul(q, logp);
  std::vector<int64_t> dims = {cd};
  return neg(r == Reduction::none ? sum(prod, dims) : sum(prod));
}

// The output gradient broadcast against Q.
Tensor expand_grad(const Tensor& g, Reduction r, int64_t cd) { return r == Reduction::none ? unsqueeze(g, cd) : g; }

// The recorded core: -sum(Q * logp) with logp = log_softmax(input) (cross entropy) or the input
// itself (nll); gradients to input and to Q.
Tensor class_loss_core(const char* op, const Tensor& input, const Tensor& q, Reduction r, int64_t cd,
                       bool softmax_first) {
  ops::GradRecorder rec(op, {input, q});
  Tensor logp = softmax_first ? log_softmax(input, cd) : input;
  Tensor out = contract(q, logp, r, cd);
  if (rec.active())
    rec.record({out}, [=](const std::vector<Tensor>& g) {
      Tensor gb = expand_grad(g[0], r, cd);
      Tensor dlogp = neg(mul(q, gb));
      std::vector<int64_t> dims = {cd};
      Tensor dx = softmax_first ? sub(dlogp, mul(softmax(input, cd), sum(dlogp, dims, true))) : dlogp;
      Tensor dq = q.requires_grad() ? neg(mul(softmax_first ? log_softmax(input, cd) : input, gb)) : Tensor();
      return std::vector<Tensor>{dx, dq};
    });
  return out;
}

Tensor nan_if_empty_mean(const Tensor& out, const Tensor& input, Reduction r) {
  return r == Reduction::mean && input.numel() == 0 ? add(out, std::numeric_limits<double>::quiet_NaN()) : out;
}

}  // namespace

Tensor nll_loss(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                int64_t ignore_index) {
  const char* op = "nll_loss";
  int64_t c = check_class_loss(input, target, weight, op, false, ignore_index);
  Tensor q = index_coefficients(input, target, weight, reduction, ignore_index, 0.0, c);
  return nan_if_empty_mean(class_loss_core(op, input, q, reduction, class_dim(input), false), input, reduction);
}

Tensor cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction,
                     int64_t ignore_index, double label_smoothing) {
  const char* op = "cross_entropy";
  if (!(label_smoothing >= 0.0 && label_smoothing <= 1.0)) throw ValueError(MsgId::nnf_prob_range, op, label_smoothing);
  int64_t c = check_class_loss(input, target, weight, op, true, ignore_index);
  Tensor q = target.is_floating_point()
                 ? prob_coefficients(input, target, weight, reduction, label_smoothing, c)
                 : index_coefficients(input, target, weight, reduction, ignore_index, label_smoothing, c);
  return nan_if_empty_mean(class_loss_core(op, input, q, reduction, class_dim(input), true), input, reduction);
}

Tensor mse_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_float(input, "mse_loss", "input");
  check_float(target, "mse_loss", "target");
  auto f = [](const std::vector<Tensor>& a) { return square(sub(a[0], a[1])); };
  auto dx = [](const std::vector<Tensor>& a) { return mul(sub(a[0], a[1]), 2.0); };
  auto dt = [](const std::vector<Tensor>& a) { return mul(sub(a[0], a[1]), -2.0); };
  return reduce(pointwise("mse_loss", {input, target}, f, {dx, dt}), reduction);
}

Tensor l1_loss(const Tensor& input, const Tensor& target, Reduction reduction) {
  check_float(input, "l1_loss", "input");
  check_float(target, "l1_loss", "target");
  auto f = [](const std::vector<Tensor>& a) { return abs(sub(a[0], a[1])); };
  auto dx = [](const std::vector<Tensor>& a) { return sign(sub(a[0], a[1])); };
  auto dt = [](const std::vector<Tensor>& a) { return neg(sign(sub(a[0], a[1]))); };
  return reduce(pointwise("l1_loss", {input, target}, f, {dx, dt}), reduction);
}

Tensor smooth_l1_loss(const Tensor& input, const Tensor& target, Reduction reduction, double beta) {
  const char* op = "smooth_l1_loss";
  check_float(input, op, "input");
  check_float(target, op, "target");
  if (beta < 0.0) throw ValueError(MsgId::arg_invalid, op, "beta", beta);
  if (beta == 0.0) return l1_loss(input, target, reduction);
  auto f = [beta](const std::vector<Tensor>& a) {
    Tensor d = sub(a[0], a[1]), ad = abs(d);
    return where(lt(ad, beta), mul(square(d), 0.5 / beta), sub(ad, 0.5 * beta));
  };
  auto dx = [beta](const std::vector<Tensor>& a) {
    Tensor d = sub(a[0], a[1]);
    return where(lt(abs(d), beta), mul(d, 1.0 / beta), sign(d));
  };
  auto dt = [dx](const std::vector<Tensor>& a) { return neg(dx(a)); };
  return reduce(pointwise(op, {input, target}, f, {dx, dt}), reduction);
}

Tensor huber_loss(const Tensor& input, const Tensor& target, Reduction reduction, double delta) {
  const char* op = "huber_loss";
  check_float(input, op, "input");
  check_float(target, op, "target");
  if (delta <= 0.0) throw ValueError(MsgId::arg_invalid, op, "delta", delta);
  auto f = [delta](const std::vector<Tensor>& a) {
    Tensor d = sub(a[0], a[1]), ad = abs(d);
    return where(lt(ad, delta), mul(square(d), 0.5), mul(sub(ad, 0.5 * delta), delta));
  };
  auto dx = [delta](const std::vector<Tensor>& a) {
    Tensor d = sub(a[0], a[1]);
    return where(lt(abs(d), delta), d, mul(sign(d), delta));
  };
  auto dt = [dx](const std::vector<Tensor>& a) { return neg(dx(a)); };
  return reduce(pointwise(op, {input, target}, f, {dx, dt}), reduction);
}

Tensor binary_cross_entropy(const Tensor& input, const Tensor& target, const Tensor& weight, Reduction reduction) {
  const char* op = "binary_cross_entropy";
  check_float(input, op, "input");
  check_float(target, op, "target");
  check_same_shape(input, target, op);
  // (t - 1) * max(log1p(-x), -100) - t * max(log(x), -100)
  auto logx = [](const Tensor& x) { return clamp_min(log(x), -100.0); };
  auto log1mx = [](const Tensor& x) { return clamp_min(log1p(neg(x)), -100.0); };
  auto f = [=](const std::vector<Tensor>& a) { return sub(mul(sub(a[1], 1.0), log1mx(a[0])), mul(a[1], logx(a[0]))); };
  // PyTorch's derivative: (x - t) / max(x (1 - x), 1e-12).
  auto dx = [](const std::vector<Tensor>& a) {
    return div(sub(a[0], a[1]), clamp_min(mul(a[0], sub(1.0, a[0])), 1e-12));
  };
  auto dt = [=](const std::vector<Tensor>& a) { return sub(log1mx(a[0]), logx(a[0])); };
  return reduce(weighted(pointwise(op, {input, target}, f, {dx, dt}), weight), reduction);
}

Tensor binary_cross_entropy_with_logits(const Tensor& input, const Tensor& target, const Tensor& weight,
                                        Reduction reduction, const Tensor& pos_weight) {
  const char* op = "binary_cross_entropy_with_logits";
  check_float(input, op, "input");
  check_float(target, op, "target");
  check_same_shape(input, target, op);
  // softplus(-x), computed stably as log1p(exp(-|x|)) + max(-x, 0).
  auto sp = [](const Tensor& x) { return add(log1p(exp(neg(abs(x)))), clamp_min(neg(x), 0.0)); };
  Tensor l;
  if (!pos_weight.defined()) {
    // (1 - t) x + softplus(-x)
    auto f = [=](const std::vector<Tensor>& a) { return add(mul(sub(1.0, a[1]), a[0]), sp(a[0])); };
    auto dx = [](const std::vector<Tensor>& a) { return sub(sigmoid(a[0]), a[1]); };
    auto dt = [](const std::vector<Tensor>& a) { return neg(a[0]); };
    l = pointwise(op, {input, target}, f, {dx, dt});
  } else {
    // (1 - t) x + (1 + (pw - 1) t) softplus(-x)
    auto lw = [](const std::vector<Tensor>& a) { return add(mul(sub(a[2], 1.0), a[1]), 1.0); };
    auto f = [=](const std::vector<Tensor>& a) { return add(mul(sub(1.0, a[1]), a[0]), mul(lw(a), sp(a[0]))); };
    auto dx = [=](const std::vector<Tensor>& a) { return sub(sub(1.0, a[1]), mul(lw(a), sigmoid(neg(a[0])))); };
    auto dt = [=](const std::vector<Tensor>& a) { return add(neg(a[0]), mul(sub(a[2], 1.0), sp(a[0]))); };
    auto dpw = [=](const std::vector<Tensor>& a) { return mul(a[1], sp(a[0])); };
    l = pointwise(op, {input, target, pos_weight}, f, {dx, dt, dpw});
  }
  return reduce(weighted(l, weight), reduction);
}

Tensor kl_div(const Tensor& input, const Tensor& target, std::string_view reduction, bool log_target) {
  const char* op = "kl_div";
  check_float(input, op, "input");
  check_float(target, op, "target");
  bool batchmean = reduction == "batchmean";
  Reduction r = batchmean ? Reduction::sum : parse_reduction(reduction, op);
  Tensor l;
  if (log_target) {
    // exp(t) (t - x)
    auto f = [](const std::vector<Tensor>& a) { return mul(exp(a[1]), sub(a[1], a[0])); };
    auto dx = [](const std::vector<Tensor>& a) { return neg(exp(a[1])); };
    auto dt = [](const std::vector<Tensor>& a) { return mul(exp(a[1]), add(sub(a[1], a[0]), 1.0)); };
    l = pointwise(op, {input, target}, f, {dx, dt});
  } else {
    // t (log t - x) where t > 0, else 0
    auto f = [](const std::vector<Tensor>& a) {
      Tensor pos = gt(a[1], 0.0);
      Tensor safe = where(pos, a[1], Scalar(1.0));
      return where(pos, mul(a[1], sub(log(safe), a[0])), Scalar(0.0));
    };
    auto dx = [](const std::vector<Tensor>& a) { return where(gt(a[1], 0.0), neg(a[1]), Scalar(0.0)); };
    auto dt = [](const std::vector<Tensor>& a) {
      Tensor pos = gt(a[1], 0.0);
      Tensor safe = where(pos, a[1], Scalar(1.0));
      return where(pos, add(sub(log(safe), a[0]), 1.0), Scalar(0.0));
    };
    l = pointwise(op, {input, target}, f, {dx, dt});
  }
  Tensor out = reduce(l, r);
  if (batchmean && input.dim() > 0) out = mul(out, 1.0 / static_cast<double>(input.size(0)));
  return out;
}

Tensor kl_div(const Tensor& input, const Tensor& target, Reduction reduction, bool log_target) {
  const char* names[] = {"none", "mean", "sum"};
  return kl_div(input, target, names[static_cast<int>(reduction)], log_target);
}

}  // namespace hangu
