// Registry entries of the linear-algebra group: matmul and friends, outer, addmm, baddbmm, einsum.
#include "hangu/ops/linalg.h"
#include "hangu/ops/registry.h"
#include "hangu/ops/samples.h"

namespace hangu::ops {
namespace {

using samples::make;

const std::vector<DType> kTypes = {DType::f32, DType::f64, DType::i64, DType::i32, DType::bf16, DType::f16};

OpFn binary_fn(Tensor (*f)(const Tensor&, const Tensor&)) {
  return [=](const std::vector<Tensor>& x, const OpArgs&) -> std::vector<Tensor> { return {f(x[0], x[1])}; };
}

// Pairs of shapes tried for each dtype; values in [-2, 2] (integers in [-3, 3]).
std::vector<OpSample> pair_samples(const std::vector<std::pair<Shape, Shape>>& shapes, const std::vector<DType>& types,
                                   bool noncontig, const OpArgs& args = {}) {
  std::vector<OpSample> out;
  uint64_t seed = 1000;
  for (DType d : types) {
    double lo = is_floating(d) ? -2.0 : -3.0, hi = is_floating(d) ? 2.0 : 3.0;
    std::string n(dtype_name(d));
    for (const auto& [sa, sb] : shapes)
      out.push_back({{make(sa, d, seed++, lo, hi), make(sb, d, seed++, lo, hi)},
                     args,
                     shape_str(sa) + " x " + shape_str(sb) + " " + n});
    if (noncontig) {
      Shape a = shapes[0].first, b = shapes[0].second;
      Tensor ta = a.size() >= 2 ? samples::transposed_layout(make(a, d, seed++, lo, hi))
                                : samples::noncontiguous(make(a, d, seed++, lo, hi));
      out.push_back({{ta, samples::noncontiguous(make(b, d, seed++, lo, hi))}, args, "non-contiguous " + n});
    }
  }
  return out;
}

OpErrorCase mismatch(Shape a, Shape b) {
  return {{make(a, DType::f32, 1), make(b, DType::f32, 2)},
          {},
          ErrorKind::shape,
          {shape_str(a), shape_str(b)},
          "shapes " + shape_str(a) + " and " + shape_str(b)};
}

OpErrorCase dtype_mismatch(Shape a, Shape b) {
  return {{make(a, DType::f32, 3), make(b, DType::f64, 4)},
          {},
          ErrorKind::dtype,
          {"float32", "float64"},
          "float32 with float64"};
}

std::vector<OpSample> addmm_samples(bool batched) {
  std::vector<OpSample> out;
  uint64_t seed = 1200;
  Shape m1 = batched ? Shape{2, 3, 4} : Shape{3, 4}, m2 = batched ? Shape{2, 4, 5} : Shape{4, 5};
  Shape full = batched ? Shape{2, 3, 5} : Shape{3, 5};
  // torch 1.13's CPU bmm rounds every partial sum of a bfloat16 product to bfloat16, so batched
  // fixtures use float16 (recomputed in float32 by the driver) instead.
  for (DType d : {DType::f32, DType::f64, DType::i64, batched ? DType::f16 : DType::bf16}) {
    std::string n(dtype_name(d));
    bool fl = is_floating(d);
    OpArgs args = fl ? OpArgs{{"beta", 0.5}, {"alpha", 2.0}} : OpArgs{{"beta", 2}, {"alpha", 3}};
    out.push_back({{make(full, d, seed++), make(m1, d, seed++), make(m2, d, seed++)}, {}, "defaults " + n});
    out.push_back({{make({5}, d, seed++), make(m1, d, seed++), make(m2, d, seed++)}, args, "broadcast input " + n});
    out.push_back({{make({}, d, seed++), make(m1, d, seed++), make(m2, d, seed++)}, args, "0-d input " + n});
    if (!batched)  // torch 1.13's baddbmm reads its uninitialised output when beta is 0
      out.push_back({{make(full, d, seed++), make(m1, d, seed++), make(m2, d, seed++)},
                     {{"beta", 0}, {"alpha", 1}},
                     "beta 0 " + n});
  }
  Shape e1 = batched ? Shape{2, 3, 0} : Shape{3, 0}, e2 = batched ? Shape{2, 0, 5} : Shape{0, 5};
  out.push_back({{make(full, DType::f32, seed++), make(e1, DType::f32, seed++), make(e2, DType::f32, seed++)},
                 {{"beta", 2.0}},
                 "0-size inner dim"});
  out.push_back(
      {{samples::noncontiguous(make(full, DType::f32, seed++)),
        samples::transposed_layout(make(m1, DType::f32, seed++)), samples::noncontiguous(make(m2, DType::f32, seed++))},
       {},
       "non-contiguous"});
  return out;
}

struct EinsumCase {
  const char* eq;
  std::vector<Shape> shapes;
};

std::vector<OpSample> einsum_samples() {
  const std::vector<EinsumCase> cases = {
      {"bhqd,bhkd->bhqk", {{2, 2, 3, 4}, {2, 2, 5, 4}}},
      {"bhqk,bhkd->bhqd", {{2, 2, 3, 5}, {2, 2, 5, 4}}},
      {"bn,anm,bm->ba", {{3, 4}, {2, 4, 5}, {3, 5}}},
      {"ij,jk->ik", {{3, 4}, {4, 5}}},
      {"ij,jk", {{3, 4}, {4, 5}}},
      {"ii->i", {{4, 4}}},
      {"ii", {{4, 4}}},
      {"i,j->ij", {{3}, {4}}},
      {"...ij,...jk->...ik", {{2, 3, 4}, {2, 4, 5}}},
      {"...ij,...jk", {{2, 1, 3, 4}, {3, 4, 2}}},
      {"ij->ji", {{3, 4}}},
      {"ij->j", {{3, 4}}},
      {"i,i->", {{5}, {5}}},
      {"iij->j", {{3, 3, 2}}},
      {"bij,bjk,bkl->bil", {{2, 3, 4}, {2, 4, 2}, {2, 2, 3}}},
      {"Ab,ab->Aa", {{2, 3}, {4, 3}}},
      {"ij,jk->ik", {{2, 1}, {3, 4}}},
      {"ij,jk->ik", {{0, 3}, {3, 4}}},
      {"ij,jk->ik", {{2, 0}, {0, 4}}},
  };
  std::vector<OpSample> out;
  uint64_t seed = 1300;
  for (const auto& c : cases) {
    std::vector<Tensor> in;
    for (const auto& s : c.shapes) in.push_back(make(s, DType::f32, seed++));
    out.push_back({in, {{"equation", c.eq}}, std::string(c.eq) + " float32"});
  }
  out.push_back(
      {{make({3, 4}, DType::f64, seed++), make({4, 5}, DType::f64, seed++)}, {{"equation", "ij,jk->ik"}}, "float64"});
  out.push_back({{make({3, 4}, DType::i64, seed++, -3, 3), make({4, 5}, DType::i64, seed++, -3, 3)},
                 {{"equation", "ij,jk->ik"}},
                 "int64"});
  out.push_back({{make({2, 3, 4}, DType::f16, seed++), make({2, 5, 4}, DType::f16, seed++)},
                 {{"equation", "bqd,bkd->bqk"}},
                 "float16"});
  out.push_back({{samples::transposed_layout(make({4, 3}, DType::f32, seed++)),
                  samples::noncontiguous(make({3, 5}, DType::f32, seed++))},
                 {{"equation", "ij,jk->ik"}},
                 "non-contiguous"});
  out.push_back(
      {{make({}, DType::f32, seed++), make({3}, DType::f32, seed++)}, {{"equation", ",i->i"}}, "0-d operand"});
  return out;
}

}  // namespace

void register_linalg_ops(OpRegistry& r) {
  r.add(make_op(
      "matmul", "linalg", 2, true, "MatMul", binary_fn(matmul),
      [] {
        return pair_samples({{{3, 4}, {4, 5}},
                             {{5}, {5}},
                             {{4}, {4, 3}},
                             {{3, 4}, {4}},
                             {{2, 3, 4}, {2, 4, 5}},
                             {{2, 1, 3, 4}, {3, 4, 2}},
                             {{4}, {2, 4, 3}},
                             {{2, 3, 4}, {4}},
                             {{0, 3}, {3, 4}},
                             {{2, 0}, {0, 3}},
                             {{0, 2, 3}, {3, 4}}},
                            kTypes, true);
      },
      [] {
        return std::vector<OpErrorCase>{
            mismatch({2, 3}, {4, 5}),       mismatch({2, 2, 3}, {4, 5}),    mismatch({3}, {4}),
            mismatch({2, 2, 3}, {3, 3, 4}), dtype_mismatch({2, 3}, {3, 4}), mismatch({}, {3})};
      }));
  r.add(make_op(
      "mm", "linalg", 2, true, "MatMul", binary_fn(mm),
      [] {
        return pair_samples({{{3, 4}, {4, 5}}, {{1, 1}, {1, 3}}, {{0, 3}, {3, 4}}, {{2, 0}, {0, 3}}}, kTypes, true);
      },
      [] {
        return std::vector<OpErrorCase>{mismatch({2, 3}, {4, 5}), mismatch({3}, {3, 4}),
                                        dtype_mismatch({2, 3}, {3, 4})};
      }));
  r.add(make_op(
      "bmm", "linalg", 2, true, "MatMul", binary_fn(bmm),
      [] {
        return pair_samples({{{2, 3, 4}, {2, 4, 5}}, {{0, 3, 4}, {0, 4, 5}}, {{2, 3, 0}, {2, 0, 5}}},
                            {DType::f32, DType::f64, DType::i64, DType::i32, DType::f16},
                            true);  // bf16: see addmm_samples
      },
      [] {
        return std::vector<OpErrorCase>{mismatch({2, 3, 4}, {3, 4, 5}), mismatch({2, 3, 4}, {2, 5, 4}),
                                        mismatch({3, 4}, {4, 5})};
      }));
  r.add(make_op(
      "mv", "linalg", 2, true, "MatMul", binary_fn(mv),
      [] {
        return pair_samples({{{3, 4}, {4}}, {{0, 4}, {4}}, {{3, 0}, {0}}}, kTypes, true);
      },
      [] {
        return std::vector<OpErrorCase>{mismatch({2, 3}, {4}), mismatch({3}, {3})};
      }));
  r.add(make_op(
      "dot", "linalg", 2, true, "", binary_fn(dot),
      [] {
        return pair_samples({{{5}, {5}}, {{0}, {0}}}, kTypes, true);
      },
      [] {
        return std::vector<OpErrorCase>{mismatch({3}, {4}), mismatch({2, 3}, {3})};
      }));
  r.add(make_op(
      "outer", "linalg", 2, true, "", binary_fn(outer),
      [] {
        auto s = pair_samples({{{3}, {4}}, {{0}, {4}}},
                              {DType::f32, DType::f64, DType::i64, DType::boolean, DType::bf16}, true);
        s.push_back({{make({3}, DType::i64, 1400), make({4}, DType::f32, 1401)}, {}, "int64 x float32 promotes"});
        s.push_back({{make({3}, DType::boolean, 1402), make({4}, DType::i32, 1403)}, {}, "bool x int32 promotes"});
        return s;
      },
      [] {
        return std::vector<OpErrorCase>{mismatch({2, 3}, {3})};
      }));
  auto addmm_fn = [](const std::vector<Tensor>& x, const OpArgs& a) -> std::vector<Tensor> {
    return {addmm(x[0], x[1], x[2], a.get_scalar("beta", 1), a.get_scalar("alpha", 1))};
  };
  auto baddbmm_fn = [](const std::vector<Tensor>& x, const OpArgs& a) -> std::vector<Tensor> {
    return {baddbmm(x[0], x[1], x[2], a.get_scalar("beta", 1), a.get_scalar("alpha", 1))};
  };
  r.add(make_op(
      "addmm", "linalg", 3, true, "Gemm", addmm_fn, [] { return addmm_samples(false); },
      [] {
        return std::vector<OpErrorCase>{
            {{make({3, 5}, DType::f32, 1), make({2, 3}, DType::f32, 2), make({4, 5}, DType::f32, 3)},
             {},
             ErrorKind::shape,
             {"[2, 3]", "[4, 5]"},
             "inner dims differ"}};
      }));
  r.add(make_op(
      "baddbmm", "linalg", 3, true, "", baddbmm_fn, [] { return addmm_samples(true); },
      [] {
        return std::vector<OpErrorCase>{
            {{make({2, 3, 5}, DType::f32, 1), make({2, 3, 4}, DType::f32, 2), make({3, 4, 5}, DType::f32, 3)},
             {},
             ErrorKind::shape,
             {"[2, 3, 4]", "[3, 4, 5]"},
             "batch sizes differ"}};
      }));
  r.add(make_op(
      "einsum", "linalg", -1, true, "Einsum",
      [](const std::vector<Tensor>& x, const OpArgs& a) -> std::vector<Tensor> {
        return {einsum(a.get_str("equation"), x)};
      },
      einsum_samples,
      [] {
        return std::vector<OpErrorCase>{
            {{make({2, 3}, DType::f32, 1), make({4, 5}, DType::f32, 2)},
             {{"equation", "ij,jk->ik"}},
             ErrorKind::shape,
             {"[2, 3]", "[4, 5]"},
             "label j sizes differ"},
            {{make({2, 3}, DType::f32, 3)},
             {{"equation", "ij,jk->ik"}},
             ErrorKind::value,
             {"ij,jk->ik"},
             "too few operands"},
            {{make({2, 3}, DType::f32, 4)}, {{"equation", "ijk->i"}}, ErrorKind::shape, {"[2, 3]"}, "rank mismatch"},
            {{make({2, 3}, DType::f32, 5)},
             {{"equation", "ij->ik"}},
             ErrorKind::value,
             {"ij->ik"},
             "unknown output label"}};
      }));
}

}  // namespace hangu::ops
