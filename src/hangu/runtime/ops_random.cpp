// Random generators: RandomUniform, RandomNormal, their *Like forms, Bernoulli and Multinomial.
// Drawn from hangu's Philox generator (a `seed` attribute seeds it, else the default generator),
// so values differ from other runtimes' generators; never constant-folded.
#include "hangu/core/rng.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/reduction.h"
#include "hangu/runtime/ops_common.h"

namespace hangu::runtime {
namespace {

// Runs f with the node's seeded generator, or the default one.
template <typename F>
Tensor with_generator(const OpContext& c, F f) {
  if (c.has_attr("seed")) {
    Generator gen(static_cast<uint64_t>(static_cast<int64_t>(c.attr_float("seed", 0))));
    return f(&gen);
  }
  return f(nullptr);
}

DType out_dtype(const OpContext& c, DType def) {
  return c.has_attr("dtype") ? dtype_from_elem(static_cast<io::onnx::ElemType>(c.attr_int("dtype", 1)), c.label()) : def;
}

Shape shape_attr(const OpContext& c) {
  std::vector<int64_t> s = c.attr_ints("shape");
  for (int64_t d : s)
    if (d < 0) bad_attr(c, "shape", shape_str(s), "non-negative dims");
  return s;
}

template <bool Normal, bool Like>
void op_random(OpContext& c) {
  const Shape shape = Like ? c.input(0).shape() : shape_attr(c);
  const DType dt = out_dtype(c, Like ? c.input(0).dtype() : DType::f32);
  const double a = c.attr_float(Normal ? "mean" : "low", 0.0f), b = c.attr_float(Normal ? "scale" : "high", 1.0f);
  Tensor u = with_generator(c, [&](Generator* g) {
    return Normal ? randn(IntList(shape), DType::f64, g) : rand(IntList(shape), DType::f64, g);
  });
  c.set(0, to(Normal ? add(mul(u, Scalar(b)), Scalar(a)) : add(mul(u, Scalar(b - a)), Scalar(a)), dt));
}

void op_bernoulli(OpContext& c) {
  const Tensor& p = c.input(0);
  Tensor u = with_generator(c, [&](Generator* g) { return rand(IntList(p.shape()), DType::f64, g); });
  c.set(0, to(lt(u, to(p, DType::f64)), out_dtype(c, p.dtype())));
}

void op_multinomial(OpContext& c) {
  const Tensor& logits = c.input(0);
  if (logits.dim() != 2) bad_input_shape(c, 0, logits.shape(), "[batch, classes]");
  const int64_t n = c.attr_int("sample_size", 1), batch = logits.size(0), k = logits.size(1);
  const std::vector<double> p = double_values(softmax(to(logits, DType::f64), 1));
  const Shape us{batch, n};
  Tensor u = with_generator(c, [&](Generator* g) { return rand(IntList(us), DType::f64, g); });
  const std::vector<double> uv = double_values(u);
  std::vector<int64_t> out(static_cast<size_t>(batch * n));
  for (int64_t b = 0; b < batch; ++b)
    for (int64_t s = 0; s < n; ++s) {
      double acc = 0;
      int64_t pick = k - 1;
      for (int64_t j = 0; j < k; ++j) {
        acc += p[static_cast<size_t>(b * k + j)];
        if (uv[static_cast<size_t>(b * n + s)] < acc) {
          pick = j;
          break;
        }
      }
      out[static_cast<size_t>(b * n + s)] = pick;
    }
  c.set(0, to(tensor(out, IntList(Shape{batch, n})), out_dtype(c, DType::i32)));
}

}  // namespace

void register_random_ops(OpTable& t) {
  t.add("RandomUniform", op_random<false, false>, false);
  t.add("RandomNormal", op_random<true, false>, false);
  t.add("RandomUniformLike", op_random<false, true>, false);
  t.add("RandomNormalLike", op_random<true, true>, false);
  t.add("Bernoulli", op_bernoulli, false);
  t.add("Multinomial", op_multinomial, false);
}

}  // namespace hangu::runtime
