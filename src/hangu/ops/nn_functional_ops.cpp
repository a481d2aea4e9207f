// Registry entries of the nn_norm group: normalisation, dropout, embedding, losses, attention
// (ops/nn_functional.h). Optional tensors (weights, masks) are trailing inputs a sample may omit;
// tools/fixtures/ops_nn_norm.py reads them the same way. Samples stay away from points where the
// loss is not differentiable (clamped logs, zero KL targets, padding rows), so every float sample
// passes gradcheck; tests/unit/test_nn_functional.cpp covers those points.
#include "hangu/ops/copy.h"
#include "hangu/ops/creation.h"
#include "hangu/ops/nn_functional.h"
#include "hangu/ops/reduction.h"
#include "hangu/ops/registry.h"
#include "hangu/ops/samples.h"

namespace hangu::ops {
namespace {

using samples::make;
using V = std::vector<Tensor>;

Tensor opt(const V& x, size_t i) { return i < x.size() ? x[i] : Tensor(); }
Reduction red(const OpArgs& a) { return parse_reduction(a.get_str("reduction", "mean")); }
std::string dn(DType d) { return std::string(dtype_name(d)); }

// Class indices in [0, c) with some entries set to `ignore`.
Tensor classes(IntList shape, int64_t c, uint64_t seed, int64_t ignore = 0, int every = 0) {
  Tensor t = make(shape, DType::i64, seed, 0, static_cast<double>(c - 1));
  auto* p = static_cast<int64_t*>(t.data());
  if (every > 0)
    for (int64_t i = 0; i < t.numel(); i += every) p[i] = ignore;
  return t;
}
Tensor classes(std::initializer_list<int64_t> s, int64_t c, uint64_t seed, int64_t ignore = 0, int every = 0) {
  return classes(IntList(s.begin(), s.size()), c, seed, ignore, every);
}

OpInfo entry(const char* name, int n, OpFn fn, SampleFn s, ErrorCaseFn e = {}, const char* onnx = "") {
  OpInfo op = make_op(name, "nn_norm", n, true, onnx, std::move(fn), std::move(s), std::move(e));
  // Composite reductions sum in another order than PyTorch's fused kernels.
  op.rtol = 1e-5;
  op.atol = 1e-5;
  return op;
}

std::vector<OpSample> batch_norm_samples() {
  std::vector<OpSample> s;
  uint64_t k = 100;
  for (DType d : {DType::f32, DType::f64}) {
    auto stats = [&](int64_t c) { return V{make({c}, d, k++), make({c}, d, k++, 0.5, 2.0)}; };
    auto affine = [&](int64_t c) { return V{make({c}, d, k++), make({c}, d, k++)}; };
    std::vector<std::vector<int64_t>> shapes = {{4, 3}, {2, 3, 5}, {2, 3, 4, 4}};
    for (const auto& sh : shapes) {
      V st = stats(3), af = affine(3);
      s.push_back({{make(sh, d, k++), st[0], st[1], af[0], af[1]}, {{"training", true}}, "train " + dn(d)});
      s.push_back({{make(sh, d, k++), st[0], st[1], af[0], af[1]}, {{"training", false}}, "eval " + dn(d)});
    }
    V st = stats(3);
    s.push_back({{make({5, 3}, d, k++), st[0], st[1]},
                 {{"training", true}, {"momentum", 0.3}, {"eps", 1e-3}},
                 "train no affine, momentum 0.3 " + dn(d)});
    V st2 = stats(4), af2 = affine(4);
    s.push_back({{samples::noncontiguous(make({3, 4, 2}, d, k++)), st2[0], st2[1], af2[0], af2[1]},
                 {{"training", true}},
                 "non-contiguous " + dn(d)});
  }
  return s;
}

std::vector<OpErrorCase> batch_norm_errors() {
  Tensor c3 = make({3}, DType::f32, 2, 0.5, 2.0);
  return {
      {{make({2, 4}, DType::f32, 1), c3, c3}, {{"training", true}}, ErrorKind::shape, {"[4]", "[3]"}, "stats shape"},
      {{make({1, 3}, DType::f32, 1), c3, c3},
       {{"training", true}},
       ErrorKind::value,
       {"[1, 3]"},
       "one value per channel"},
      {{make({3}, DType::f32, 1), c3, c3}, {{"training", true}}, ErrorKind::shape, {"[3]"}, "1-d input"}};
}

std::vector<OpSample> layer_norm_samples(bool rms) {
  std::vector<OpSample> s;
  uint64_t k = rms ? 300 : 200;
  for (DType d : {DType::f32, DType::f64}) {
    s.push_back({{make({2, 5}, d, k++), make({5}, d, k++), make({5}, d, k++)},
                 {{"normalized_shape", {5}}},
                 "last dim " + dn(d)});
    s.push_back({{make({2, 3, 4}, d, k++), make({3, 4}, d, k++), make({3, 4}, d, k++)},
                 {{"normalized_shape", {3, 4}}, {"eps", 1e-3}},
                 "two dims, eps " + dn(d)});
    s.push_back({{make({3, 6}, d, k++)}, {{"normalized_shape", {6}}}, "no affine " + dn(d)});
    s.push_back(
        {{samples::noncontiguous(make({4, 3}, d, k++))}, {{"normalized_shape", {3}}}, "non-contiguous " + dn(d)});
    s.push_back({{make({0, 4}, d, k++)}, {{"normalized_shape", {4}}}, "0-size " + dn(d)});
  }
  if (rms)  // rms_norm takes no bias: drop the third input
    for (auto& x : s)
      if (x.inputs.size() == 3) x.inputs.pop_back();
  return s;
}

std::vector<OpErrorCase> layer_norm_errors() {
  return {{{make({2, 5}, DType::f32, 1)},
           {{"normalized_shape", {4}}},
           ErrorKind::shape,
           {"[4]", "[2, 5]"},
           "bad normalized_shape"},
          {{make({2, 5}, DType::f32, 1), make({4}, DType::f32, 2)},
           {{"normalized_shape", {5}}},
           ErrorKind::shape,
           {"[5]", "[4]"},
           "bad weight"},
          {{make({2, 5}, DType::i64, 1)}, {{"normalized_shape", {5}}}, ErrorKind::dtype, {"int64"}, "integer input"}};
}

std::vector<OpSample> group_norm_samples() {
  std::vector<OpSample> s;
  uint64_t k = 400;
  for (DType d : {DType::f32, DType::f64}) {
    s.push_back(
        {{make({2, 4, 3}, d, k++), make({4}, d, k++), make({4}, d, k++)}, {{"num_groups", 2}}, "2 groups " + dn(d)});
    s.push_back(
        {{make({2, 6, 2, 2}, d, k++), make({6}, d, k++), make({6}, d, k++)}, {{"num_groups", 3}}, "4-d " + dn(d)});
    s.push_back({{make({3, 6}, d, k++)}, {{"num_groups", 2}}, "no affine, 2-d " + dn(d)});
    s.push_back({{make({2, 4, 5}, d, k++)}, {{"num_groups", 1}, {"eps", 1e-3}}, "1 group " + dn(d)});
  }
  return s;
}

std::vector<OpSample> loss_samples(uint64_t k, double lo = -2.0, double hi = 2.0, double tlo = -2.0, double thi = 2.0,
                                   bool broadcast = true) {
  std::vector<OpSample> s;
  if (broadcast)  // PyTorch warns but broadcasts input and target
    for (const char* r : {"none", "mean"})
      s.push_back({{make({3, 4}, DType::f32, k++, lo, hi), make({4}, DType::f32, k++, tlo, thi)},
                   {{"reduction", r}},
                   std::string("broadcast target ") + r});
  for (DType d : {DType::f32, DType::f64})
    for (const char* r : {"none", "mean", "sum"}) {
      s.push_back({{make({3, 4}, d, k++, lo, hi), make({3, 4}, d, k++, tlo, thi)},
                   {{"reduction", r}},
                   std::string(r) + " " + dn(d)});
      s.push_back({{make({}, d, k++, lo, hi), make({}, d, k++, tlo, thi)},
                   {{"reduction", r}},
                   std::string("0-d ") + r + " " + dn(d)});
    }
  s.push_back({{samples::noncontiguous(make({2, 5}, DType::f32, k++, lo, hi)), make({2, 5}, DType::f32, k++, tlo, thi)},
               {},
               "non-contiguous f32"});
  s.push_back({{make({0, 3}, DType::f32, k++, lo, hi), make({0, 3}, DType::f32, k++, tlo, thi)},
               {{"reduction", "sum"}},
               "0-size sum"});
  s.push_back({{make({0, 3}, DType::f32, k++, lo, hi), make({0, 3}, DType::f32, k++, tlo, thi)},
               {{"reduction", "mean"}},
               "0-size mean (NaN)"});
  return s;
}

std::vector<OpSample> with_args(std::vector<OpSample> s, const OpArgs& extra, const std::string& tag,
                                size_t every = 2) {
  for (size_t i = 0; i < s.size(); i += every) {
    for (const auto& [key, v] : extra.items()) s[i].args.set(key, v);
    s[i].desc += tag;
  }
  return s;
}

std::vector<OpSample> class_samples(bool ce) {
  std::vector<OpSample> s;
  uint64_t k = ce ? 600 : 700;
  for (DType d : {DType::f32, DType::f64}) {
    auto in = [&](std::initializer_list<int64_t> sh) {
      Tensor x = make(sh, d, k++);
      return ce ? x : log_softmax(x, sh.size() >= 2 ? 1 : 0);
    };
    for (const char* r : {"none", "mean", "sum"}) {
      std::string rs = std::string(r) + " " + dn(d);
      s.push_back({{in({4, 5}), classes({4}, 5, k++)}, {{"reduction", r}}, "(N,C) " + rs});
      s.push_back({{in({4, 5}), classes({4}, 5, k++, -100, 3), make({5}, d, k++, 0.5, 2.0)},
                   {{"reduction", r}},
                   "weight, ignore -100 " + rs});
      s.push_back({{in({2, 3, 4}), classes({2, 4}, 3, k++)},
                   {{"reduction", r}, {"ignore_index", 1}},
                   "(N,C,d), ignore 1 " + rs});
      s.push_back({{in({5}), classes({}, 5, k++)}, {{"reduction", r}}, "(C) " + rs});
      if (ce) {
        s.push_back({{in({4, 5}), classes({4}, 5, k++, -100, 3)},
                     {{"reduction", r}, {"label_smoothing", 0.2}},
                     "smoothing, ignore " + rs});
        s.push_back({{in({3, 4, 2}), classes({3, 2}, 4, k++, 2, 4), make({4}, d, k++, 0.5, 2.0)},
                     {{"reduction", r}, {"label_smoothing", 0.1}, {"ignore_index", 2}},
                     "smoothing, weight, ignore " + rs});
        s.push_back({{in({4, 5}), softmax(make({4, 5}, d, k++), 1)}, {{"reduction", r}}, "probabilities " + rs});
        s.push_back({{in({2, 3, 2}), softmax(make({2, 3, 2}, d, k++), 1), make({3}, d, k++, 0.5, 2.0)},
                     {{"reduction", r}, {"label_smoothing", 0.3}},
                     "probabilities, weight, smoothing " + rs});
      }
    }
  }
  Tensor nc = make({3, 4}, DType::f32, k++);
  s.push_back({{samples::noncontiguous(ce ? nc : log_softmax(nc, 1)), classes({3}, 4, k++)}, {}, "non-contiguous f32"});
  return s;
}

std::vector<OpErrorCase> class_errors() {
  return {
      {{make({4, 5}, DType::f32, 1), classes({3}, 5, 2)},
       {},
       ErrorKind::shape,
       {"[3]", "[4, 5]"},
       "target shape mismatch"},
      {{make({2, 3}, DType::f32, 1), make({2}, DType::i64, 2, 3, 3)},
       {},
       ErrorKind::index,
       {"3"},
       "class out of range"},
      {{make({2, 3}, DType::f32, 1), make({2}, DType::i64, 2, -1, -1)}, {}, ErrorKind::index, {"-1"}, "negative class"},
      {{make({2, 3}, DType::f32, 1), classes({2}, 3, 2), make({4}, DType::f32, 3)},
       {},
       ErrorKind::shape,
       {"[4]"},
       "weight shape"},
      {{make({2, 3}, DType::f32, 1), make({2}, DType::i32, 2, 0, 2)}, {}, ErrorKind::dtype, {"int32"}, "int32 target"},
      {{make({2, 3}, DType::f32, 1), classes({2}, 3, 2)},
       {{"reduction", "avg"}},
       ErrorKind::value,
       {"avg"},
       "bad reduction"}};
}

std::vector<OpSample> attention_samples() {
  std::vector<OpSample> s;
  uint64_t k = 900;
  for (DType d : {DType::f32, DType::f64}) {
    s.push_back({{make({3, 4}, d, k++), make({5, 4}, d, k++), make({5, 2}, d, k++)}, {}, "2-d " + dn(d)});
    s.push_back({{make({2, 3, 4}, d, k++), make({2, 3, 4}, d, k++), make({2, 3, 4}, d, k++)},
                 {{"is_causal", true}},
                 "causal " + dn(d)});
    // Key 0 always attended: a fully masked row is NaN (as in PyTorch), which gradcheck cannot use.
    Tensor pad = make({2, 1, 1, 5}, DType::boolean, k++);
    static_cast<bool*>(pad.data())[0] = static_cast<bool*>(pad.data())[5] = true;
    s.push_back({{make({2, 2, 3, 4}, d, k++), make({2, 2, 5, 4}, d, k++), make({2, 2, 5, 3}, d, k++), pad},
                 {},
                 "bool padding mask " + dn(d)});
    s.push_back({{make({2, 3, 4}, d, k++), make({2, 5, 4}, d, k++), make({2, 5, 4}, d, k++), make({3, 5}, d, k++)},
                 {},
                 "float mask " + dn(d)});
  }
  Tensor keep = ones({3, 3}, DType::boolean);
  s.push_back({{make({3, 4}, DType::f32, k++), make({3, 4}, DType::f32, k++), make({3, 4}, DType::f32, k++), keep},
               {{"is_causal", true}},
               "causal and all-true mask"});
  return s;
}

}  // namespace

void register_nn_norm_ops(OpRegistry& r) {
  // batch_norm's output; the running-stat update it makes in training is checked by the entry
  // after it (an in-place state update, not differentiable, as in PyTorch).
  r.add(entry(
      "batch_norm", 5,
      [](const V& x, const OpArgs& a) -> V {
        return {batch_norm(x[0], clone(x[1]), clone(x[2]), opt(x, 3), opt(x, 4), a.get_bool("training"),
                           a.get_double("momentum", 0.1), a.get_double("eps", 1e-5))};
      },
      batch_norm_samples, batch_norm_errors, "BatchNormalization"));
  OpInfo stats = entry(
      "batch_norm_running_stats", 5,
      [](const V& x, const OpArgs& a) -> V {
        Tensor rm = clone(x[1]), rv = clone(x[2]);
        batch_norm(x[0], rm, rv, opt(x, 3), opt(x, 4), a.get_bool("training"), a.get_double("momentum", 0.1),
                   a.get_double("eps", 1e-5));
        return {rm, rv};
      },
      batch_norm_samples, batch_norm_errors);
  stats.differentiable = false;
  r.add(std::move(stats));
  r.add(entry(
      "layer_norm", 3,
      [](const V& x, const OpArgs& a) -> V {
        return {layer_norm(x[0], a.get_ints("normalized_shape"), opt(x, 1), opt(x, 2), a.get_double("eps", 1e-5))};
      },
      [] { return layer_norm_samples(false); }, layer_norm_errors, "LayerNormalization"));
  r.add(entry(
      "rms_norm", 2,
      [](const V& x, const OpArgs& a) -> V {
        return {rms_norm(x[0], a.get_ints("normalized_shape"), opt(x, 1), a.get_double("eps", 1e-6))};
      },
      [] { return layer_norm_samples(true); }, layer_norm_errors, "RMSNormalization"));
  r.add(entry(
      "group_norm", 3,
      [](const V& x, const OpArgs& a) -> V {
        return {group_norm(x[0], a.get_int("num_groups"), opt(x, 1), opt(x, 2), a.get_double("eps", 1e-5))};
      },
      group_norm_samples,
      [] {
        return std::vector<OpErrorCase>{{{make({2, 5, 3}, DType::f32, 1)},
                                         {{"num_groups", 2}},
                                         ErrorKind::value,
                                         {"[2, 5, 3]", "5"},
                                         "groups do not divide"}};
      },
      "GroupNormalization"));
  r.add(entry(
      "dropout", 1,
      [](const V& x, const OpArgs& a) -> V {
        return {dropout(x[0], a.get_double("p", 0.5), a.get_bool("training", true))};
      },
      [] {
        std::vector<OpSample> s;
        for (DType d : {DType::f32, DType::f64}) {
          s.push_back({{make({3, 4}, d, 1000)}, {{"p", 0.5}, {"training", false}}, "eval " + dn(d)});
          s.push_back({{make({3, 4}, d, 1001)}, {{"p", 0.0}, {"training", true}}, "p = 0 " + dn(d)});
        }
        s.push_back({{make({}, DType::f32, 1002)}, {{"p", 0.3}, {"training", false}}, "0-d"});
        return s;
      },
      [] {
        return std::vector<OpErrorCase>{
            {{make({3}, DType::f32, 1)}, {{"p", 1.5}, {"training", true}}, ErrorKind::value, {"1.5"}, "p > 1"}};
      },
      "Dropout"));
  r.add(entry(
      "embedding", 2,
      [](const V& x, const OpArgs& a) -> V { return {embedding(x[0], x[1], a.get_int("padding_idx", -1))}; },
      [] {
        std::vector<OpSample> s;
        for (DType d : {DType::f32, DType::f64}) {
          s.push_back({{make({6, 3}, d, 1100), classes({4}, 6, 1101)}, {}, "1-d indices " + dn(d)});
          s.push_back({{make({5, 2}, d, 1102), classes({2, 3}, 5, 1103)}, {}, "2-d indices " + dn(d)});
          s.push_back({{make({5, 2}, d, 1104), classes({}, 5, 1105)}, {}, "0-d index " + dn(d)});
          s.push_back({{make({5, 2}, d, 1106), classes({0}, 5, 1107)}, {}, "no indices " + dn(d)});
        }
        return s;
      },
      [] {
        return std::vector<OpErrorCase>{{{make({4, 3}, DType::f32, 1), make({2}, DType::i64, 2, 4, 4)},
                                         {},
                                         ErrorKind::index,
                                         {"4", "[4, 3]"},
                                         "index out of range"},
                                        {{make({4, 3}, DType::f32, 1), make({2}, DType::i32, 2, 0, 3)},
                                         {},
                                         ErrorKind::dtype,
                                         {"int32"},
                                         "int32 indices"}};
      },
      "Gather"));
  auto class_fn = [](bool ce) {
    return [ce](const V& x, const OpArgs& a) -> V {
      int64_t ig = a.get_int("ignore_index", -100);
      if (ce) return {cross_entropy(x[0], x[1], opt(x, 2), red(a), ig, a.get_double("label_smoothing", 0.0))};
      return {nll_loss(x[0], x[1], opt(x, 2), red(a), ig)};
    };
  };
  r.add(entry(
      "cross_entropy", 3, class_fn(true), [] { return class_samples(true); }, class_errors, "SoftmaxCrossEntropyLoss"));
  r.add(entry(
      "nll_loss", 3, class_fn(false), [] { return class_samples(false); }, class_errors, "NegativeLogLikelihoodLoss"));

  auto pair_errors = [] {
    return std::vector<OpErrorCase>{{{make({2, 3}, DType::f32, 1), make({4}, DType::f32, 2)},
                                     {},
                                     ErrorKind::shape,
                                     {"[2, 3]", "[4]"},
                                     "shapes do not broadcast"},
                                    {{make({2}, DType::f32, 1), make({2}, DType::f32, 2)},
                                     {{"reduction", "avg"}},
                                     ErrorKind::value,
                                     {"avg"},
                                     "bad reduction"}};
  };
  r.add(entry(
      "mse_loss", 2, [](const V& x, const OpArgs& a) -> V { return {mse_loss(x[0], x[1], red(a))}; },
      [] { return loss_samples(1200); }, pair_errors));
  r.add(entry(
      "l1_loss", 2, [](const V& x, const OpArgs& a) -> V { return {l1_loss(x[0], x[1], red(a))}; },
      [] { return loss_samples(1300); }, pair_errors));
  r.add(entry(
      "smooth_l1_loss", 2,
      [](const V& x, const OpArgs& a) -> V { return {smooth_l1_loss(x[0], x[1], red(a), a.get_double("beta", 1.0))}; },
      [] {
        return with_args(loss_samples(1400), {{"beta", 0.5}}, ", beta 0.5", 3);
      },
      pair_errors));
  r.add(entry(
      "huber_loss", 2,
      [](const V& x, const OpArgs& a) -> V { return {huber_loss(x[0], x[1], red(a), a.get_double("delta", 1.0))}; },
      [] {
        return with_args(loss_samples(1500), {{"delta", 0.7}}, ", delta 0.7", 3);
      },
      pair_errors));
  r.add(entry(
      "binary_cross_entropy", 3,
      [](const V& x, const OpArgs& a) -> V { return {binary_cross_entropy(x[0], x[1], opt(x, 2), red(a))}; },
      [] {
        auto s = loss_samples(1600, 0.05, 0.95, 0.0, 1.0, false);
        for (DType d : {DType::f32, DType::f64})
          s.push_back(
              {{make({3, 4}, d, 1650, 0.05, 0.95), make({3, 4}, d, 1651, 0.0, 1.0), make({4}, d, 1652, 0.5, 2.0)},
               {},
               "weight " + dn(d)});
        return s;
      },
      [] {
        return std::vector<OpErrorCase>{{{make({2, 3}, DType::f32, 1, 0.1, 0.9), make({3}, DType::f32, 2, 0, 1)},
                                         {},
                                         ErrorKind::shape,
                                         {"[3]", "[2, 3]"},
                                         "target shape mismatch"}};
      }));
  r.add(entry(
      "binary_cross_entropy_with_logits", 4,
      [](const V& x, const OpArgs& a) -> V {
        bool pw = a.get_bool("pos_weight");
        Tensor w = x.size() >= (pw ? 4u : 3u) ? x[2] : Tensor();
        return {binary_cross_entropy_with_logits(x[0], x[1], w, red(a), pw ? x.back() : Tensor())};
      },
      [] {
        auto s = loss_samples(1700, -4.0, 4.0, 0.0, 1.0, false);
        for (DType d : {DType::f32, DType::f64}) {
          s.push_back({{make({3, 4}, d, 1750), make({3, 4}, d, 1751, 0.0, 1.0), make({4}, d, 1752, 0.5, 2.0)},
                       {},
                       "weight " + dn(d)});
          s.push_back({{make({3, 4}, d, 1753), make({3, 4}, d, 1754, 0.0, 1.0), make({4}, d, 1755, 0.5, 3.0)},
                       {{"pos_weight", true}, {"reduction", "none"}},
                       "pos_weight " + dn(d)});
          s.push_back({{make({3, 4}, d, 1756), make({3, 4}, d, 1757, 0.0, 1.0), make({3, 1}, d, 1758, 0.5, 2.0),
                        make({4}, d, 1759, 0.5, 3.0)},
                       {{"pos_weight", true}, {"reduction", "sum"}},
                       "weight and pos_weight " + dn(d)});
        }
        s.push_back({{tensor<float>({-30.0f, 30.0f, 0.0f}, Shape{3}), tensor<float>({1.0f, 0.0f, 0.5f}, Shape{3})},
                     {{"reduction", "none"}},
                     "large logits"});
        return s;
      },
      [] {
        return std::vector<OpErrorCase>{{{make({2, 3}, DType::f32, 1), make({3}, DType::f32, 2, 0, 1)},
                                         {},
                                         ErrorKind::shape,
                                         {"[3]", "[2, 3]"},
                                         "target shape mismatch"}};
      }));
  r.add(entry(
      "kl_div", 2,
      [](const V& x, const OpArgs& a) -> V {
        return {kl_div(x[0], x[1], a.get_str("reduction", "mean"), a.get_bool("log_target"))};
      },
      [] {
        std::vector<OpSample> s;
        uint64_t k = 1800;
        for (DType d : {DType::f32, DType::f64})
          for (const char* r : {"none", "mean", "sum", "batchmean"}) {
            Tensor x = log_softmax(make({3, 4}, d, k++), 1);
            s.push_back({{x, softmax(make({3, 4}, d, k++), 1)}, {{"reduction", r}}, std::string(r) + " " + dn(d)});
            s.push_back({{x, log_softmax(make({3, 4}, d, k++), 1)},
                         {{"reduction", r}, {"log_target", true}},
                         std::string("log_target ") + r + " " + dn(d)});
          }
        s.push_back({{make({}, DType::f32, k++), make({}, DType::f32, k++, 0.1, 1.0)},
                     {{"reduction", "batchmean"}},
                     "0-d batchmean"});
        return s;
      },
      [] {
        return std::vector<OpErrorCase>{{{make({2}, DType::f32, 1), make({2}, DType::f32, 2)},
                                         {{"reduction", "avg"}},
                                         ErrorKind::value,
                                         {"avg"},
                                         "bad reduction"}};
      }));
  r.add(entry(
      "scaled_dot_product_attention", 4,
      [](const V& x, const OpArgs& a) -> V {
        return {scaled_dot_product_attention(x[0], x[1], x[2], opt(x, 3), 0.0, a.get_bool("is_causal"))};
      },
      attention_samples,
      [] {
        return std::vector<OpErrorCase>{
            {{make({3, 4}, DType::f32, 1), make({5, 3}, DType::f32, 2), make({5, 2}, DType::f32, 3)},
             {},
             ErrorKind::shape,
             {"[3, 4]", "[5, 3]"},
             "head dims differ"}};
      }));
}

}  // namespace hangu::ops
