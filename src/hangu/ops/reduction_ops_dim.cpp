// Registry entries of the reduction group that work along one dim: max/min (with or without a
// dim), argmax/argmin, cumsum/cumprod, softmax/log_softmax.
#include <limits>

#include "hangu/ops/reduction.h"
#include "hangu/ops/reduction_samples.h"
#include "hangu/ops/registry.h"
#include "hangu/ops/samples.h"

namespace hangu::ops {
namespace {

namespace rs = reduction_samples;
using samples::make;

OpErrorCase bad_dim(const OpArgs& args) {
  return {{make({2, 3}, DType::f32, 11)}, args, ErrorKind::index, {"5", "2"}, "dim 5 out of range for rank 2"};
}

// Samples with and without a dim, with ties (first occurrence wins) and NaNs (NaN wins).
std::vector<OpSample> index_samples(const std::vector<DType>& dtypes, bool full) {
  auto s = rs::one_dim(dtypes, {}, true, false);
  uint64_t seed = 900;
  for (DType d : dtypes) {
    std::string n(dtype_name(d));
    if (full) {
      s.push_back({{make({3, 4}, d, seed++)}, {}, "full " + n});
      s.push_back({{make({}, d, seed++)}, {}, "full 0-d " + n});
      s.push_back({{samples::noncontiguous(make({2, 3, 2}, d, seed++))}, {}, "full non-contiguous " + n});
    }
    // Integers in [-1, 1]: many ties.
    s.push_back({{make({4, 9}, d, seed++, -1, 1)}, {{"dim", 1}}, "ties " + n});
  }
  Tensor nan = make({3, 4}, DType::f32, 950);
  static_cast<float*>(nan.data())[5] = std::numeric_limits<float>::quiet_NaN();
  static_cast<float*>(nan.data())[7] = std::numeric_limits<float>::quiet_NaN();
  s.push_back({{nan}, {{"dim", 1}}, "NaN propagates f32"});
  s.push_back({{nan}, {{"dim", 0}, {"keepdim", true}}, "NaN propagates dim 0 f32"});
  if (full) s.push_back({{nan}, {}, "NaN full f32"});
  return s;
}

using MinMaxDim = std::pair<Tensor, Tensor> (*)(const Tensor&, int64_t, bool);
OpFn minmax_fn(Tensor (*full)(const Tensor&), MinMaxDim by_dim) {
  return [=](const std::vector<Tensor>& x, const OpArgs& a) -> std::vector<Tensor> {
    if (!a.has("dim")) return {full(x[0])};
    auto [v, i] = by_dim(x[0], a.get_int("dim"), a.get_bool("keepdim"));
    return {v, i};
  };
}

OpFn arg_fn(Tensor (*f)(const Tensor&, std::optional<int64_t>, bool)) {
  return [=](const std::vector<Tensor>& x, const OpArgs& a) -> std::vector<Tensor> {
    std::optional<int64_t> dim;
    if (a.has("dim")) dim = a.get_int("dim");
    return {f(x[0], dim, a.get_bool("keepdim"))};
  };
}

OpFn scan_fn(Tensor (*f)(const Tensor&, int64_t, std::optional<DType>)) {
  return [=](const std::vector<Tensor>& x, const OpArgs& a) -> std::vector<Tensor> {
    return {f(x[0], a.get_int("dim"), rs::dtype_arg(a))};
  };
}

std::vector<OpErrorCase> empty_errors(const char* what) {
  return {bad_dim({{"dim", 5}}),
          {{make({0, 3}, DType::f32, 12)}, {}, ErrorKind::index, {"[0, 3]"}, std::string(what) + " of 0 elements"},
          {{make({0, 3}, DType::f32, 13)}, {{"dim", 0}}, ErrorKind::index, {"[0, 3]"}, "dim of size 0"}};
}

}  // namespace

void register_reduction_dim_ops(OpRegistry& r) {
  const std::vector<DType> ordered = {DType::f32, DType::f64, DType::i64, DType::i32, DType::bf16};
  r.add(make_op(
      "max", "reduction", 1, true, "ReduceMax", minmax_fn(hangu::max, hangu::max),
      [=] { return index_samples(ordered, true); },
      [] { return empty_errors("max"); }));
  r.add(make_op(
      "min", "reduction", 1, true, "ReduceMin", minmax_fn(hangu::min, hangu::min),
      [=] { return index_samples(ordered, true); },
      [] { return empty_errors("min"); }));
  r.add(make_op(
      "argmax", "reduction", 1, false, "ArgMax", arg_fn(argmax), [=] { return index_samples(ordered, true); },
      [] { return empty_errors("argmax"); }));
  r.add(make_op(
      "argmin", "reduction", 1, false, "ArgMin", arg_fn(argmin), [=] { return index_samples(ordered, true); },
      [] { return empty_errors("argmin"); }));

  auto scan_samples = [](double lo, double hi) {
    auto s = rs::one_dim({DType::f32, DType::f64, DType::i64, DType::i32, DType::boolean, DType::bf16}, {}, false, true,
                         lo, hi);
    auto typed = rs::one_dim({DType::i32, DType::f32}, {{"dtype", DType::f64}}, false, false, lo, hi);
    s.insert(s.end(), typed.begin(), typed.end());
    return s;
  };
  auto scan_errors = [] { return std::vector<OpErrorCase>{bad_dim({{"dim", 5}})}; };
  r.add(make_op(
      "cumsum", "reduction", 1, true, "CumSum", scan_fn(cumsum), [=] { return scan_samples(-2.0, 2.0); }, scan_errors));
  r.add(make_op(
      "cumprod", "reduction", 1, true, "", scan_fn(cumprod), [=] { return scan_samples(-1.5, 1.5); }, scan_errors));

  auto softmax_samples = [] {
    auto s = rs::one_dim({DType::f32, DType::f64, DType::bf16, DType::f16}, {}, false, true, -10.0, 10.0);
    auto typed = rs::one_dim({DType::i64, DType::f32}, {{"dtype", DType::f64}}, false, false, -5, 5);
    s.insert(s.end(), typed.begin(), typed.end());
    s.push_back({{make({2, 3}, DType::f32, 960, 200.0, 300.0)}, {{"dim", 1}}, "large values stay finite"});
    return s;
  };
  auto softmax_errors = [] {
    return std::vector<OpErrorCase>{
        bad_dim({{"dim", 5}}),
        {{make({2, 3}, DType::i64, 14)}, {{"dim", 1}}, ErrorKind::dtype, {"int64"}, "int64 input without dtype"}};
  };
  r.add(make_op("softmax", "reduction", 1, true, "Softmax", scan_fn(softmax), softmax_samples, softmax_errors));
  r.add(make_op("log_softmax", "reduction", 1, true, "LogSoftmax", scan_fn(log_softmax), softmax_samples,
                softmax_errors));
}

}  // namespace hangu::ops
