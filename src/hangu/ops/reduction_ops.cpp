// Registry entries of the reduction group: reductions over dims, max/min/arg*, scans, softmax.
#include <cmath>
#include <limits>

#include "hangu/ops/reduction.h"
#include "hangu/ops/reduction_samples.h"
#include "hangu/ops/registry.h"
#include "hangu/ops/samples.h"

namespace hangu::ops {
namespace {

namespace rs = reduction_samples;
using samples::make;
using V = std::vector<int64_t>;

const std::vector<DType> kFloats = {DType::f32, DType::f64, DType::bf16, DType::f16};
const std::vector<DType> kAll = {DType::f32, DType::f64,     DType::i64, DType::i32,
                                 DType::u8,  DType::boolean, DType::bf16};

// A dim out of range: the message names the dim (5) and the rank (2).
OpErrorCase bad_dim(const OpArgs& args) {
  return {{make({2, 3}, DType::f32, 1)}, args, ErrorKind::index, {"5", "2"}, "dim 5 out of range for rank 2"};
}
OpErrorCase int_input(const OpArgs& args) {
  return {{make({2, 3}, DType::i64, 2)}, args, ErrorKind::dtype, {"int64"}, "int64 input"};
}

// "p" may be a number or a string ("fro", "inf").
Tensor norm_from_args(const Tensor& x, const OpArgs& a) {
  auto it = a.items().find("p");
  bool keep = a.get_bool("keepdim");
  V dims = rs::dims_arg(a);
  if (it != a.items().end()) {
    if (const auto* s = std::get_if<std::string>(&it->second.value())) return norm(x, *s, dims, keep);
  }
  return norm(x, a.get_double("p", 2.0), dims, keep);
}

void register_dim_reductions(OpRegistry& r) {
  auto simple = [](Tensor (*f)(const Tensor&, IntList, bool, std::optional<DType>)) {
    return [f](const std::vector<Tensor>& x, const OpArgs& a) -> std::vector<Tensor> {
      return {f(x[0], rs::dims_arg(a), a.get_bool("keepdim"), rs::dtype_arg(a))};
    };
  };
  r.add(make_op(
      "sum", "reduction", 1, true, "ReduceSum", simple(sum),
      [] {
        auto s = rs::dims(kAll);
        auto more = rs::dims({DType::i32, DType::f16}, {{"dtype", DType::f64}}, false, false);
        s.insert(s.end(), more.begin(), more.end());
        return s;
      },
      [] {
        return std::vector<OpErrorCase>{
            bad_dim({{"dim", V{5}}}),
            {{make({2, 3}, DType::f32, 3)}, {{"dim", V{1, -1}}}, ErrorKind::value, {"[1, -1]"}, "repeated dim"}};
      }));
  r.add(make_op(
      "mean", "reduction", 1, true, "ReduceMean", simple(mean), [] { return rs::dims(kFloats); },
      [] {
        return std::vector<OpErrorCase>{bad_dim({{"dim", V{5}}}), int_input({})};
      }));
  r.add(make_op(
      "prod", "reduction", 1, true, "ReduceProd", simple(prod),
      [] {
        return rs::dims({DType::f32, DType::f64, DType::i64, DType::i32, DType::boolean}, {}, true, true, -1.5, 1.5);
      },
      [] {
        return std::vector<OpErrorCase>{bad_dim({{"dim", V{-5}}})};
      }));

  auto minmax = [](Tensor (*f)(const Tensor&, IntList, bool)) {
    return [f](const std::vector<Tensor>& x, const OpArgs& a) -> std::vector<Tensor> {
      return {f(x[0], rs::dims_arg(a), a.get_bool("keepdim"))};
    };
  };
  auto no_identity = [] {
    return std::vector<OpErrorCase>{
        bad_dim({{"dim", V{5}}}),
        {{make({0, 3}, DType::f32, 4)}, {{"dim", V{0}}}, ErrorKind::index, {"[0, 3]"}, "reduce a dim of size 0"}};
  };
  const std::vector<DType> ordered = {DType::f32, DType::f64,     DType::i64, DType::i32,
                                      DType::i8,  DType::boolean, DType::bf16};
  r.add(make_op(
      "amax", "reduction", 1, true, "ReduceMax", minmax(amax), [=] { return rs::dims(ordered, {}, false); },
      no_identity));
  r.add(make_op(
      "amin", "reduction", 1, true, "ReduceMin", minmax(amin), [=] { return rs::dims(ordered, {}, false); },
      no_identity));

  auto stat = [](Tensor (*f)(const Tensor&, IntList, double, bool)) {
    return [f](const std::vector<Tensor>& x, const OpArgs& a) -> std::vector<Tensor> {
      return {f(x[0], rs::dims_arg(a), a.get_double("correction", 1.0), a.get_bool("keepdim"))};
    };
  };
  auto stat_samples = [] {
    auto s = rs::dims({DType::f32, DType::f64, DType::bf16});
    auto c0 = rs::dims({DType::f32}, {{"correction", 0}}, false, true);
    auto c2 = rs::dims({DType::f64}, {{"correction", 2}}, false, false);
    s.insert(s.end(), c0.begin(), c0.end());
    s.insert(s.end(), c2.begin(), c2.end());
    return s;
  };
  auto stat_errors = [] { return std::vector<OpErrorCase>{bad_dim({{"dim", V{5}}}), int_input({})}; };
  r.add(make_op("var", "reduction", 1, true, "", stat(var), stat_samples, stat_errors));
  r.add(make_op("std", "reduction", 1, true, "", stat(hangu::std), stat_samples, stat_errors));

  r.add(make_op(
      "logsumexp", "reduction", 1, true, "ReduceLogSumExp",
      [](const std::vector<Tensor>& x, const OpArgs& a) -> std::vector<Tensor> {
        return {logsumexp(x[0], rs::dims_arg(a), a.get_bool("keepdim"))};
      },
      [] {
        auto s = rs::dims(kFloats, {}, true, true, -20.0, 20.0);
        s.push_back({{make({3, 4}, DType::i64, 5, -3, 3)}, {{"dim", V{1}}}, "int64 gives float32"});
        return s;
      },
      [] {
        return std::vector<OpErrorCase>{bad_dim({{"dim", V{5}}})};
      }));

  r.add(make_op(
      "norm", "reduction", 1, true, "ReduceL2",
      [](const std::vector<Tensor>& x, const OpArgs& a) -> std::vector<Tensor> { return {norm_from_args(x[0], a)}; },
      [] {
        auto s = rs::dims({DType::f32, DType::f64, DType::bf16});
        for (Arg p : {Arg(1.0), Arg(3.0), Arg(0.0), Arg(-1.5), Arg(std::numeric_limits<double>::infinity()),
                      Arg(-std::numeric_limits<double>::infinity()), Arg("fro")}) {
          OpArgs extra;
          extra.set("p", p);
          // Negative and infinite orders have no identity: no reductions over empty dims.
          bool has_identity = !std::holds_alternative<double>(p.value()) || std::get<double>(p.value()) >= 0.0;
          has_identity =
              has_identity && !(std::holds_alternative<double>(p.value()) && std::isinf(std::get<double>(p.value())));
          auto more = rs::dims({DType::f32, DType::f64}, extra, has_identity, true, -2.0, 2.0);
          s.insert(s.end(), more.begin(), more.end());
        }
        return s;
      },
      [] {
        return std::vector<OpErrorCase>{
            bad_dim({{"dim", V{5}}}),
            int_input({}),
            {{make({2, 3}, DType::f32, 6)}, {{"p", "nuc"}}, ErrorKind::value, {"nuc"}, "nuclear norm"},
            {{make({0, 3}, DType::f32, 7)},
             {{"p", std::numeric_limits<double>::infinity()}, {"dim", V{0}}},
             ErrorKind::index,
             {"[0, 3]"},
             "inf norm of an empty dim"}};
      }));
  auto logic = [](Tensor (*f)(const Tensor&, IntList, bool)) {
    return [f](const std::vector<Tensor>& x, const OpArgs& a) -> std::vector<Tensor> {
      return {f(x[0], rs::dims_arg(a), a.get_bool("keepdim"))};
    };
  };
  const std::vector<DType> logic_types = {DType::boolean, DType::f32, DType::i64, DType::u8};
  r.add(make_op(
      "all", "reduction", 1, false, "", logic(all), [=] { return rs::dims(logic_types, {}, true, true, -1, 1); },
      [] {
        return std::vector<OpErrorCase>{bad_dim({{"dim", V{5}}})};
      }));
  r.add(make_op(
      "any", "reduction", 1, false, "", logic(any), [=] { return rs::dims(logic_types, {}, true, true, -1, 1); },
      [] {
        return std::vector<OpErrorCase>{bad_dim({{"dim", V{5}}})};
      }));
}

}  // namespace

void register_reduction_dim_ops(OpRegistry& r);  // reduction_ops_dim.cpp

void register_reduction_ops(OpRegistry& r) {
  register_dim_reductions(r);
  register_reduction_dim_ops(r);
}

}  // namespace hangu::ops
