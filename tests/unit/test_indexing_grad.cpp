// Gradients of the view, copy, indexing and shape ops: float64 gradcheck (and gradgradcheck for
// a few, which checks that each backward is itself differentiable), gradients through views of
// leaves, and that nothing is recorded when no input requires grad.
#include <gtest/gtest.h>

#include "hangu/autograd/engine.h"
#include "hangu/autograd/gradcheck.h"
#include "hangu/hangu.h"
#include "hangu/ops/registry.h"
#include "hangu/ops/samples.h"

namespace hangu {
namespace {

using Tensors = std::vector<Tensor>;
using Fn = std::function<Tensors(const Tensors&)>;
using V = std::vector<int64_t>;

Tensor f64(std::initializer_list<int64_t> shape, uint64_t seed) {
  Tensor t = ops::samples::make(shape, DType::f64, seed, -1.0, 1.0);
  t.set_requires_grad(true);
  return t;
}

// Distinct values (a shuffled ramp), so sort and topk have no ties for the finite differences.
Tensor distinct(std::initializer_list<int64_t> shape, uint64_t seed) {
  Tensor r = ops::samples::make(shape, DType::f64, seed, 0.0, 1.0);
  Tensor order = argsort(reshape(r, {-1}));
  Tensor v = to(argsort(order), DType::f64);
  Tensor t = reshape(mul(v, 0.125), IntList(shape.begin(), shape.size()));
  t = clone(t);
  t.set_requires_grad(true);
  return t;
}

Tensor ix(std::vector<int64_t> v, std::vector<int64_t> shape = {}) {
  if (shape.empty()) shape = {static_cast<int64_t>(v.size())};
  return tensor(v, shape);
}

Tensor bmask(std::vector<bool> v, std::vector<int64_t> shape) { return tensor(v, shape); }

void check(const char* what, const Fn& fn, const Tensors& in, bool second = false) {
  SCOPED_TRACE(what);
  auto r = autograd::gradcheck(fn, in);
  EXPECT_TRUE(r.ok) << r.message;
  if (second) {
    auto rr = autograd::gradgradcheck(fn, in);
    EXPECT_TRUE(rr.ok) << rr.message;
  }
}

Fn one(std::function<Tensor(const Tensor&)> f) {
  return [f](const Tensors& x) { return Tensors{f(x[0])}; };
}

TEST(IndexingGrad, SliceNarrowSelect) {
  Tensor x = f64({4, 5}, 1);
  check("narrow", one([](const Tensor& t) { return narrow(t, 1, 1, 3); }), {x}, true);
  check("narrow negative start", one([](const Tensor& t) { return narrow(t, -2, -3, 2); }), {x});
  check("slice step 2", one([](const Tensor& t) { return slice(t, 1, 0, 5, 2); }), {x}, true);
  check("slice negative, clamped", one([](const Tensor& t) { return slice(t, 0, -3, 100, 2); }), {x});
  check("slice empty", one([](const Tensor& t) { return slice(t, 0, 3, 1); }), {x});
  check("select", one([](const Tensor& t) { return select(t, 0, 2); }), {x}, true);
  check("select negative", one([](const Tensor& t) { return select(t, -1, -1); }), {x});
  check("slice of transposed", one([](const Tensor& t) { return slice(transpose(t, 0, 1), 0, 1, 4, 2); }), {x});
}

TEST(IndexingGrad, DiagonalAsStridedUnfold) {
  Tensor x = f64({3, 4}, 2), y = f64({2, 3, 4}, 3), v = f64({7}, 4);
  check("diagonal", one([](const Tensor& t) { return diagonal(t); }), {x}, true);
  check("diagonal offset 1", one([](const Tensor& t) { return diagonal(t, 1); }), {x});
  check("diagonal offset -2", one([](const Tensor& t) { return diagonal(t, -2); }), {x});
  check("diagonal 3-d negative dims", one([](const Tensor& t) { return diagonal(t, -1, -1, -2); }), {y});
  check("as_strided windows overlap", one([](const Tensor& t) { return as_strided(t, V{3, 3}, V{2, 1}, 0); }), {v}, true);
  check("as_strided offset", one([](const Tensor& t) { return as_strided(t, V{2, 2}, V{1, 3}, 1); }), {v});
  check("unfold overlapping", one([](const Tensor& t) { return unfold(t, 0, 3, 2); }), {v}, true);
  check("unfold gaps", one([](const Tensor& t) { return unfold(t, 1, 2, 3); }), {y});
  check("unfold 0-d", one([](const Tensor& t) { return unfold(t, 0, 1, 1); }), {f64({}, 5)});
}

TEST(IndexingGrad, ComposedViews) {
  Tensor x = f64({2, 3, 4}, 6);
  check("movedim", one([](const Tensor& t) { return movedim(t, 0, 2); }), {x});
  check("t", one([](const Tensor& t) { return hangu::t(t); }), {f64({3, 2}, 7)});
  check("alias", one([](const Tensor& t) { return alias(t); }), {x});
  check("flatten", one([](const Tensor& t) { return flatten(t, 1); }), {x});
  check("unflatten", one([](const Tensor& t) { return unflatten(t, 2, V{2, 2}); }), {x});
  check("broadcast_to", one([](const Tensor& t) { return broadcast_to(t, V{3, 2, 3, 4}); }), {x});
  Tensor other = zeros({2, 3, 4}, DType::f64);
  check("expand_as", one([other](const Tensor& t) { return expand_as(t, other); }), {f64({3, 1}, 8)});
}

TEST(IndexingGrad, GradientThroughAViewOfALeafLandsInItsGrad) {
  Tensor x = f64({3, 4}, 9);
  Tensor row = select(x, 0, 1);
  sum(mul(row, row)).backward();
  ASSERT_TRUE(x.grad().defined());
  EXPECT_EQ(x.grad().shape(), x.shape());
  auto xv = to_vector<double>(x), gv = to_vector<double>(x.grad());
  for (size_t i = 0; i < 12; ++i) EXPECT_DOUBLE_EQ(gv[i], i / 4 == 1 ? 2 * xv[i] : 0.0);

  Tensor y = f64({4, 6}, 10);
  sum(slice(narrow(y, 1, 1, 4), 0, 0, 4, 3)).backward();  // rows 0 and 3, columns 1..4
  EXPECT_EQ(y.grad().shape(), y.shape());
  auto yg = to_vector<double>(y.grad());
  for (int64_t r = 0; r < 4; ++r)
    for (int64_t c = 0; c < 6; ++c)
      EXPECT_DOUBLE_EQ(yg[static_cast<size_t>(r * 6 + c)], (r == 0 || r == 3) && c >= 1 && c <= 4 ? 1.0 : 0.0);

  Tensor z = f64({3, 3}, 11);
  sum(diagonal(z)).backward();
  EXPECT_EQ(to_vector<double>(z.grad()), (std::vector<double>{1, 0, 0, 0, 1, 0, 0, 0, 1}));
}

TEST(IndexingGrad, CopyOps) {
  Tensor x = f64({2, 3}, 12);
  check("clone", one([](const Tensor& t) { return clone(t); }), {x}, true);
  check("contiguous of transposed", one([](const Tensor& t) { return contiguous(transpose(t, 0, 1)); }), {x});
  check("copy_ broadcast source", one([](const Tensor& t) { return copy_(zeros({4, 3}, DType::f64), t); }),
        {f64({3}, 13)}, true);

  // to(): the gradient comes back in the input's dtype.
  Tensor y = f64({4}, 14);
  sum(mul(to(y, DType::f32), 3.0)).backward();
  EXPECT_EQ(y.grad().dtype(), DType::f64);
  for (double g : to_vector<double>(y.grad())) EXPECT_DOUBLE_EQ(g, 3.0);
  check("to f64 -> f64 (identity)", one([](const Tensor& t) { return to(t, DType::f64); }), {x});
  EXPECT_FALSE(to(x, DType::i64).requires_grad());

  // In place into a tensor that requires grad is refused; into a fresh one it records.
  EXPECT_THROW(copy_(x, zeros({2, 3}, DType::f64)), ValueError);
  EXPECT_THROW(fill_(x, 1.0), ValueError);
  Tensor d = zeros({2, 3}, DType::f64);
  copy_(d, x);
  EXPECT_TRUE(d.requires_grad());
}

TEST(IndexingGrad, JoinAndSplit) {
  Tensor a = f64({2, 3}, 15), b = f64({2, 1}, 16), c = f64({0}, 17);
  auto cat_fn = [](const Tensors& x) { return Tensors{cat({x[0], x[1], x[2]}, 1)}; };
  check("cat with a legacy empty", cat_fn, {a, b, c}, true);
  check("cat with an int input", [](const Tensors& x) { return Tensors{cat({x[0], ones({1, 3}, DType::i64)}, 0)}; },
        {a});
  check("stack", [](const Tensors& x) { return Tensors{stack({x[0], x[1]}, -1)}; }, {a, f64({2, 3}, 18)});
  Tensor s = f64({5, 2}, 19);
  check("split", [](const Tensors& x) { return split(x[0], 2, 0); }, {s});
  check("split sizes", [](const Tensors& x) { return split(x[0], std::vector<int64_t>{1, 4}, 0); }, {s});
  check("chunk", [](const Tensors& x) { return chunk(x[0], 2, 1); }, {s});
}

TEST(IndexingGrad, GatherAndScatter) {
  Tensor x = f64({3, 4}, 20);
  Tensor dup = ix({2, 0, 2});
  check("index_select duplicates", one([dup](const Tensor& t) { return index_select(t, 0, dup); }), {x}, true);
  check("index_select int32", one([](const Tensor& t) { return index_select(t, 1, to(ix({3, 1}), DType::i32)); }), {x});
  check("index_select 0-d", one([](const Tensor& t) { return index_select(t, 0, ix({0})); }), {f64({}, 21)});
  Tensor gi = ix({0, 2, 2, 1, 3, 0}, {3, 2});
  check("gather", one([gi](const Tensor& t) { return gather(t, 1, gi); }), {x}, true);
  Tensor ti = ix({1, 0, 2, 2}, {1, 4});
  check("take_along_dim broadcast", one([ti](const Tensor& t) { return take_along_dim(t, ti, 0); }), {x});
  check("take_along_dim flat", one([](const Tensor& t) { return take_along_dim(t, ix({11, 0, 5})); }), {x});

  Tensor si = ix({2, 0, 1, 1, 0, 1, 2, 0}, {2, 4});
  auto scat = [si](const char* red) {
    return [si, red](const Tensors& in) { return Tensors{scatter(in[0], 0, si, in[1], red)}; };
  };
  Tensor src = f64({2, 4}, 22);
  check("scatter", scat(""), {x, src}, true);
  check("scatter add", scat("add"), {x, src});
  check("scatter multiply", scat("multiply"), {x, src});
  check("scatter src larger than index",
        [si](const Tensors& in) { return Tensors{scatter(in[0], 0, si, in[1])}; }, {x, f64({3, 5}, 23)});
  check("scatter value", one([si](const Tensor& t) { return scatter(t, 0, si, 2.5); }), {x});
  check("scatter value multiply", one([si](const Tensor& t) { return scatter(t, 0, si, 2.5, "multiply"); }), {x});
  Tensor di = ix({0, 2, 2, 1, 0, 0, 1, 1, 2, 2}, {5, 2});
  check("scatter_add duplicates", [di](const Tensors& in) { return Tensors{scatter_add(in[0], 0, di, in[1])}; },
        {f64({3, 2}, 24), f64({5, 2}, 25)}, true);
  check("index_add alpha", [](const Tensors& in) { return Tensors{index_add(in[0], 1, ix({1, 3, 1}), in[1], 0.5)}; },
        {x, f64({3, 3}, 26)}, true);
}

TEST(IndexingGrad, Masked) {
  Tensor x = f64({3, 4}, 27);
  Tensor m = bmask({true, false, false, true}, {4});
  check("masked_fill broadcast mask", one([m](const Tensor& t) { return masked_fill(t, m, -1.5); }), {x}, true);
  Tensor m2 = bmask({true, false, true}, {3, 1});
  check("masked_fill mask broadcasts self", one([m2](const Tensor& t) { return masked_fill(t, m2, 2.0); }),
        {f64({4}, 28)});
  check("masked_fill 0-d tensor value", [m](const Tensors& in) { return Tensors{masked_fill(in[0], m, in[1])}; },
        {x, f64({}, 29)}, true);
  check("masked_select", one([m](const Tensor& t) { return masked_select(t, m); }), {x}, true);
  check("masked_select 0-d self", one([m2](const Tensor& t) { return masked_select(t, m2); }), {f64({}, 30)});
}

TEST(IndexingGrad, ShapeManipulation) {
  Tensor x = f64({2, 3}, 31);
  check("repeat", one([](const Tensor& t) { return repeat(t, V{2, 1, 2}); }), {x}, true);
  check("tile", one([](const Tensor& t) { return tile(t, V{2}); }), {x});
  check("flip", one([](const Tensor& t) { return flip(t, V{0, 1}); }), {x});
  check("roll", one([](const Tensor& t) { return roll(t, V{1, -2}, V{0, 1}); }), {x}, true);
  check("roll flattened", one([](const Tensor& t) { return roll(t, V{4}); }), {x});
  Tensor sq = f64({3, 4}, 32);
  check("tril", one([](const Tensor& t) { return tril(t); }), {sq}, true);
  check("triu -1", one([](const Tensor& t) { return triu(t, -1); }), {sq});
  Tensor b = f64({1, 2, 4}, 33);
  check("pad constant", one([](const Tensor& t) { return pad(t, V{1, 2, 0, 1}, "constant", 3.0); }), {b}, true);
  check("pad constant crop", one([](const Tensor& t) { return pad(t, V{-1, 1}); }), {b});
  check("pad reflect", one([](const Tensor& t) { return pad(t, V{3, 2}, "reflect"); }), {b}, true);
  check("pad replicate", one([](const Tensor& t) { return pad(t, V{2, 3}, "replicate"); }), {b});
  check("pad circular", one([](const Tensor& t) { return pad(t, V{4, 1}, "circular"); }), {b});
  check("pad reflect 2-d", one([](const Tensor& t) { return pad(t, V{1, 1, 1, 1}, "reflect"); }), {f64({1, 3, 3}, 34)});
}

TEST(IndexingGrad, AdvancedIndexing) {
  Tensor x = f64({2, 3, 4}, 35);
  check("index one", [](const Tensors& in) { return Tensors{index(in[0], {ix({1, 0, 1})})}; }, {x}, true);
  check("index separated", [](const Tensors& in) { return Tensors{index(in[0], {ix({0, 1}), Tensor(), ix({3, 3})})}; },
        {x});
  check("index adjacent after slice",
        [](const Tensors& in) { return Tensors{index(in[0], {Tensor(), ix({0, 2, 2}), ix({1, 3, 1})})}; }, {x});
  Tensor m = bmask({true, false, true, true, false, true}, {2, 3});
  check("index mask", [m](const Tensors& in) { return Tensors{index(in[0], {m})}; }, {x}, true);

  Tensor y = f64({3, 4}, 36);
  check("index_put rows", [](const Tensors& in) { return Tensors{index_put(in[0], {ix({2, 0})}, in[1])}; },
        {y, f64({2, 4}, 37)}, true);
  check("index_put broadcast values",
        [](const Tensors& in) { return Tensors{index_put(in[0], {Tensor(), ix({1, 3})}, in[1])}; }, {y, f64({1}, 38)});
  check("index_put accumulate duplicates",
        [](const Tensors& in) { return Tensors{index_put(in[0], {ix({1, 1, 2}), ix({0, 0, 3})}, in[1], true)}; },
        {y, f64({3}, 39)}, true);
  Tensor m2 = bmask({true, false, false, true, true, false, true, false, false, false, false, true}, {3, 4});
  check("index_put mask 0-d value", [m2](const Tensors& in) { return Tensors{index_put(in[0], {m2}, in[1])}; },
        {y, f64({}, 40)});
}

TEST(IndexingGrad, SortAndTopk) {
  Tensor x = distinct({3, 4}, 41);
  check("sort", [](const Tensors& in) { return Tensors{sort(in[0], 1).values}; }, {x}, true);
  check("sort descending dim 0", [](const Tensors& in) { return Tensors{sort(in[0], 0, true).values}; }, {x});
  check("topk", [](const Tensors& in) { return Tensors{topk(in[0], 2, 1).values}; }, {x}, true);
  check("topk smallest", [](const Tensors& in) { return Tensors{topk(in[0], 2, 0, false).values}; }, {x});
  SortResult s = sort(x, 1);
  EXPECT_TRUE(s.values.requires_grad());
  EXPECT_FALSE(s.indices.requires_grad());
}

TEST(IndexingGrad, NothingRecordsWithoutRequiresGrad) {
  Tensor x = ops::samples::make({3, 4}, DType::f64, 42);
  Tensor v = ops::samples::make({2, 4}, DType::f64, 43);
  Tensor m = bmask({true, false, false, true}, {4});
  std::vector<Tensor> outs = {
      slice(x, 1, 0, 4, 2), select(x, 0, 1), diagonal(x), as_strided(x, V{2, 2}, V{1, 1}, 0), unfold(x, 1, 2, 1),
      alias(x), narrow(x, 0, 1, 1), clone(x), to(x, DType::f32), cat({x, x}), stack({x, x}), split(x, 2)[0],
      index_select(x, 0, ix({1})), gather(x, 0, ix({0, 1}, {1, 2})), scatter(x, 0, ix({0, 1}, {1, 2}), v),
      scatter_add(x, 0, ix({0, 1}, {1, 2}), v), index_add(x, 0, ix({1, 2}), v), masked_fill(x, m, 1.0),
      masked_select(x, m), repeat(x, V{2, 1}), flip(x, V{0}), roll(x, V{1}, V{0}), tril(x), pad(x, V{1, 1}),
      index(x, {ix({0})}), index_put(x, {ix({0, 1})}, v), sort(x).values, topk(x, 2).values};
  for (size_t i = 0; i < outs.size(); ++i) {
    EXPECT_FALSE(outs[i].requires_grad()) << "output " << i;
    EXPECT_EQ(outs[i].grad_fn(), nullptr) << "output " << i;
  }
  Tensor y = f64({3, 4}, 44);
  NoGradGuard no_grad;
  EXPECT_FALSE(slice(y, 0, 0, 2).requires_grad());
  EXPECT_FALSE(index_select(y, 0, ix({1})).requires_grad());
  EXPECT_FALSE(pad(y, V{1, 1}, "reflect").requires_grad());
  EXPECT_FALSE(sort(y).values.requires_grad());
}

// Second derivatives for every registered view, copy and indexing op on its small float samples
// (test_op_gradcheck runs the first-order check). sort and topk are left to SortAndTopk: their
// samples have ties, where the order, and so the finite differences, jump.
TEST(IndexingGrad, RegistryGradgradcheck) {
  int checked = 0;
  for (const ops::OpInfo& op : ops::op_registry().all()) {
    if (!op.differentiable || (op.group != "view" && op.group != "copy" && op.group != "indexing")) continue;
    if (op.name == "sort" || op.name == "topk" || op.name.back() == '_') continue;
    for (const ops::OpSample& s : op.samples()) {
      std::vector<Tensor> in;
      bool usable = false;
      for (const Tensor& t : s.inputs) {
        if (!is_floating(t.dtype())) {
          in.push_back(t);
          continue;
        }
        Tensor x = clone(to(t, DType::f64));
        x.set_requires_grad(true);
        in.push_back(x);
        usable = t.numel() > 0 && t.numel() <= 30;
        if (!usable) break;
      }
      if (!usable) continue;
      auto args = s.args;
      Fn fn = [&op, args](const Tensors& x) {
        Tensors out;
        for (const Tensor& o : op.fn(x, args))
          if (o.defined() && o.dtype() == DType::f64) out.push_back(o);
        return out;
      };
      if (fn(in).empty()) continue;
      SCOPED_TRACE(op.name + ": " + s.desc);
      auto r = autograd::gradgradcheck(fn, in);
      EXPECT_TRUE(r.ok) << r.message;
      ++checked;
    }
  }
  EXPECT_GT(checked, 50);
}

}  // namespace
}  // namespace hangu
