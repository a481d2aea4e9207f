// Registry entries of comparisons, logical and bitwise ops, and isnan/isinf/isfinite
// (front ends in elementwise_compare.cpp).
#include "hangu/ops/elementwise.h"
#include "hangu/ops/elementwise_samples.h"
#include "hangu/ops/registry.h"

namespace hangu::ops {

namespace {

using namespace elem;
using Pairs = std::vector<std::pair<DType, DType>>;

constexpr DType f32 = DType::f32, f64 = DType::f64, f16 = DType::f16, bf16 = DType::bf16, i64 = DType::i64,
                i32 = DType::i32, i16 = DType::i16, i8 = DType::i8, u8 = DType::u8, b8 = DType::boolean;

using TT = Tensor (*)(const Tensor&, const Tensor&);
using TS = Tensor (*)(const Tensor&, const Scalar&);
using T1 = Tensor (*)(const Tensor&);

// Tensor-tensor, or tensor-Scalar with args["other"] when the sample has one input.
OpFn binary_fn(TT tt, TS ts) {
  return [tt, ts](const std::vector<Tensor>& in, const OpArgs& a) {
    if (in.size() > 1 || ts == nullptr) return std::vector<Tensor>{tt(in.at(0), in.at(1))};
    return std::vector<Tensor>{ts(in.at(0), a.get_scalar("other"))};
  };
}
OpFn unary_fn(T1 f) {
  return [f](const std::vector<Tensor>& in, const OpArgs&) { return std::vector<Tensor>{f(in.at(0))}; };
}

void register_comparisons(OpRegistry& r) {
  struct Cmp {
    const char* name;
    const char* onnx;
    TT tt;
    TS ts;
  };
  const Cmp cmps[] = {{"eq", "Equal", &hangu::eq, &hangu::eq},          {"ne", "", &hangu::ne, &hangu::ne},
                      {"lt", "Less", &hangu::lt, &hangu::lt},           {"le", "LessOrEqual", &hangu::le, &hangu::le},
                      {"gt", "Greater", &hangu::gt, &hangu::gt},        {"ge", "GreaterOrEqual", &hangu::ge, &hangu::ge}};
  for (const Cmp& c : cmps) {
    r.add(make_op(
        c.name, "compare", 2, false, c.onnx, binary_fn(c.tt, c.ts),
        [] {
          // Small integer ranges so that equal pairs occur.
          Samples s = samples::binary({{f32, f32}, {f64, f32}, {i64, i64}, {i32, i64}, {b8, b8}, {i64, f32}, {u8, i8}}, -2, 2);
          append(s, samples::binary({{f16, f16}, {bf16, bf16}}, -1, 1));
          append(s, with_scalar({f32, i64}, "other", 0.5));
          append(s, with_scalar({i64, u8, f32}, "other", 1, -2, 2));
          s.push_back({{specials(f32), specials(f32)}, {}, "NaN and inf"});
          return s;
        },
        [] { return Errors{broadcast_error(), undefined_error(2)}; }));
  }
}

void register_logical(OpRegistry& r) {
  struct Log {
    const char* name;
    const char* onnx;
    TT tt;
  };
  const Log logs[] = {{"logical_and", "And", &hangu::logical_and},
                      {"logical_or", "Or", &hangu::logical_or},
                      {"logical_xor", "Xor", &hangu::logical_xor}};
  for (const Log& l : logs) {
    r.add(make_op(
        l.name, "compare", 2, false, l.onnx, binary_fn(l.tt, nullptr),
        [] { return samples::binary({{b8, b8}, {f32, i64}, {i32, i32}, {u8, b8}, {f64, f16}}, -1, 1); },
        [] { return Errors{broadcast_error(), undefined_error(2)}; }));
  }
  r.add(make_op(
      "logical_not", "compare", 1, false, "Not", unary_fn(&hangu::logical_not),
      [] { return unary({f32, f64, bf16}, -1, 1, {i64, i32, u8, b8}, -1, 1); },
      [] { return Errors{undefined_error(1)}; }));
}

void register_bitwise(OpRegistry& r) {
  struct Bit {
    const char* name;
    const char* onnx;
    TT tt;
    TS ts;
  };
  const Bit bits[] = {{"bitwise_and", "BitwiseAnd", &hangu::bitwise_and, &hangu::bitwise_and},
                      {"bitwise_or", "BitwiseOr", &hangu::bitwise_or, &hangu::bitwise_or},
                      {"bitwise_xor", "BitwiseXor", &hangu::bitwise_xor, &hangu::bitwise_xor}};
  for (const Bit& b : bits) {
    r.add(make_op(
        b.name, "compare", 2, false, b.onnx, binary_fn(b.tt, b.ts),
        [] {
          Samples s = samples::binary({{i64, i64}, {i32, i64}, {b8, b8}, {u8, u8}, {i8, i16}, {b8, i32}}, -9, 9);
          append(s, with_scalar({i64, u8, b8}, "other", 3, -9, 9));
          return s;
        },
        [] {
          OpErrorCase fl = dtype_error({f32, f32}, f32);
          OpErrorCase mixed = dtype_error({i64, f64}, f64);
          OpErrorCase sc = dtype_error({i64}, f32, OpArgs{{"other", 2.5}});
          return Errors{fl, mixed, sc, broadcast_error(2, {}, i64), undefined_error(2)};
        }));
  }
  r.add(make_op(
      "bitwise_not", "compare", 1, false, "BitwiseNot", unary_fn(&hangu::bitwise_not),
      [] { return unary({}, 0, 0, {i64, i32, i16, i8, u8, b8}, -9, 9); },
      [] { return Errors{dtype_error({f32}, f32), dtype_error({f16}, f16), undefined_error(1)}; }));
}

void register_classify(OpRegistry& r) {
  struct Cls {
    const char* name;
    const char* onnx;
    T1 f;
  };
  const Cls cls[] = {{"isnan", "IsNaN", &hangu::isnan}, {"isinf", "IsInf", &hangu::isinf}, {"isfinite", "", &hangu::isfinite}};
  for (const Cls& c : cls) {
    r.add(make_op(
        c.name, "compare", 1, false, c.onnx, unary_fn(c.f),
        [] {
          Samples s = unary({f32, f64}, -2, 2, {i64, b8});
          for (DType d : {f32, f64, f16, bf16}) s.push_back({{specials(d)}, {}, "specials " + std::string(dtype_name(d))});
          return s;
        },
        [] { return Errors{undefined_error(1)}; }));
  }
}

}  // namespace

void register_compare_ops(OpRegistry& r) {
  register_comparisons(r);
  register_logical(r);
  register_bitwise(r);
  register_classify(r);
}

}  // namespace hangu::ops
