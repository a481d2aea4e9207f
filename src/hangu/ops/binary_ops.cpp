// Registry entries of the binary arithmetic ops, clamp, where, lerp and the in-place forms
// (front ends in elementwise_binary.cpp and elementwise_select.cpp). A sample with one tensor
// input passes the other operand as the Scalar args["other"] (a Python number in torch).
#include "hangu/ops/copy.h"
#include "hangu/ops/elementwise.h"
#include "hangu/ops/elementwise_samples.h"
#include "hangu/ops/registry.h"

namespace hangu::ops {

namespace {

using namespace elem;
using Fn = std::function<Tensor(const std::vector<Tensor>&, const OpArgs&)>;
using Pairs = std::vector<std::pair<DType, DType>>;

constexpr DType f32 = DType::f32, f64 = DType::f64, f16 = DType::f16, bf16 = DType::bf16, i64 = DType::i64,
                i32 = DType::i32, i8 = DType::i8, u8 = DType::u8, b8 = DType::boolean;

// An op whose front end returns one tensor.
OpInfo info(std::string name, std::string onnx, int num_inputs, bool differentiable, Fn f, SampleFn samples,
            ErrorCaseFn errors) {
  return make_op(
      std::move(name), "binary", num_inputs, differentiable, std::move(onnx),
      [f](const std::vector<Tensor>& in, const OpArgs& a) { return std::vector<Tensor>{f(in, a)}; },
      std::move(samples), std::move(errors));
}

const Pairs kArith = {{f32, f32}, {f64, f64}, {i64, i64}, {i32, i32}, {i64, f32}, {b8, i32},
                      {u8, i8},   {f64, f32}, {f16, f16}, {bf16, bf16}, {i32, f16}};

Samples binary_and_scalars(const Pairs& pairs, double lo, double hi, const OpArgs& args = {}) {
  Samples s = samples::binary(pairs, lo, hi, args);
  append(s, with_scalar({f32, i64}, "other", 2.5, lo, hi, args));
  append(s, with_scalar({i64, u8, b8, f16}, "other", 3, lo, hi, args));
  return s;
}

// Input 1, or the Scalar args["other"].
bool has_other_tensor(const std::vector<Tensor>& in) { return in.size() > 1; }

Errors arith_errors() { return {broadcast_error(), undefined_error(2)}; }

void register_arith(OpRegistry& r) {
  r.add(info(
      "add", "Add", 2, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        Scalar alpha = a.get_scalar("alpha", 1);
        return has_other_tensor(in) ? add(in[0], in[1], alpha) : add(in[0], a.get_scalar("other"), alpha);
      },
      [] {
        Pairs p = kArith;
        p.push_back({b8, b8});
        Samples s = binary_and_scalars(p, -2, 2);
        append(s, samples::binary({{f32, f32}, {f64, i64}}, -2, 2, OpArgs{{"alpha", 2.5}}));
        append(s, samples::binary({{i64, i32}}, -2, 2, OpArgs{{"alpha", 3}}));
        return s;
      },
      [] {
        Errors e = arith_errors();
        OpErrorCase alpha = dtype_error({i64, i64}, i64, OpArgs{{"alpha", 2.5}}, ErrorKind::value);
        e.push_back(alpha);
        return e;
      }));
  r.add(info(
      "sub", "Sub", 2, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        Scalar alpha = a.get_scalar("alpha", 1);
        return has_other_tensor(in) ? sub(in[0], in[1], alpha) : sub(in[0], a.get_scalar("other"), alpha);
      },
      [] {
        Pairs p = {{f32, f32}, {f64, f64}, {i64, i64}, {i32, i32}, {i64, f32},
                   {u8, i8},   {f64, f32}, {f16, f16}, {bf16, bf16}};
        Samples s = samples::binary(p, -2, 2);
        append(s, with_scalar({f32, i64, f16}, "other", 2.5));
        append(s, with_scalar({i64, u8}, "other", 3));
        append(s, samples::binary({{f32, f32}}, -2, 2, OpArgs{{"alpha", 0.5}}));
        return s;
      },
      [] {
        Errors e = arith_errors();
        e.push_back(dtype_error({b8, b8}, b8));
        return e;
      }));
  r.add(info(
      "mul", "Mul", 2, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        return has_other_tensor(in) ? mul(in[0], in[1]) : mul(in[0], a.get_scalar("other"));
      },
      [] {
        Pairs p = kArith;
        p.push_back({b8, b8});
        return binary_and_scalars(p, -2, 2);
      },
      arith_errors));
  r.add(info(
      "div", "Div", 2, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        std::string mode = a.get_str("rounding_mode", "");
        return has_other_tensor(in) ? div(in[0], in[1], mode) : div(in[0], a.get_scalar("other"), mode);
      },
      [] {
        Samples s = nonzero_input(samples::binary(kArith, -2, 2), 1);
        append(s, with_scalar({f32, i64, f16}, "other", 2.5));
        append(s, with_scalar({i64, i32}, "other", 3));
        for (const char* mode : {"floor", "trunc"}) {
          OpArgs m{{"rounding_mode", mode}};
          Pairs p = {{f32, f32}, {f64, f64}, {i64, i64}, {i32, i32}, {i64, f32}, {u8, i8}, {f16, f16}, {bf16, bf16}};
          append(s, nonzero_input(samples::binary(p, -7, 7, m), 1));
          append(s, with_scalar({f32, i64}, "other", -2.5, -7, 7, m));
          append(s, with_scalar({i64, i32}, "other", -3, -7, 7, m));
        }
        return s;
      },
      [] {
        Errors e = arith_errors();
        OpErrorCase zero = dtype_error({i64}, i64, OpArgs{{"other", 0}, {"rounding_mode", "floor"}}, ErrorKind::value);
        zero.desc = "integer division by zero";
        e.push_back(zero);
        OpErrorCase bad = dtype_error({f32, f32}, f32, OpArgs{{"rounding_mode", "round"}}, ErrorKind::value);
        bad.mentions = {"rounding_mode", "round"};
        e.push_back(bad);
        return e;
      }));
  r.add(info(
      "remainder", "", 2, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        return has_other_tensor(in) ? remainder(in[0], in[1]) : remainder(in[0], a.get_scalar("other"));
      },
      [] {
        Pairs p = {{f32, f32}, {f64, f64}, {i64, i64}, {i32, i32}, {i64, f32}, {i8, DType::i16}, {f16, f16}, {bf16, bf16}};
        Samples s = nonzero_input(samples::binary(p, -7, 7), 1);
        append(s, with_scalar({f32, i64}, "other", 2.5, -7, 7));
        append(s, with_scalar({i64, i32}, "other", -3, -7, 7));
        return s;
      },
      [] {
        Errors e = arith_errors();
        e.push_back(dtype_error({b8, b8}, b8));
        OpErrorCase zero = dtype_error({i32}, i32, OpArgs{{"other", 0}}, ErrorKind::value);
        e.push_back(zero);
        return e;
      }));
  r.add(info(
      "fmod", "", 2, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        return has_other_tensor(in) ? fmod(in[0], in[1]) : fmod(in[0], a.get_scalar("other"));
      },
      [] {
        Pairs p = {{f32, f32}, {f64, f64}, {i64, i64}, {i32, i32}, {i64, f32}, {i8, DType::i16}, {f16, f16}, {bf16, bf16}};
        Samples s = nonzero_input(samples::binary(p, -7, 7), 1);
        append(s, with_scalar({f32, i64}, "other", -2.5, -7, 7));
        append(s, with_scalar({i64, i32}, "other", 3, -7, 7));
        return s;
      },
      [] {
        Errors e = arith_errors();
        e.push_back(dtype_error({b8, b8}, b8));
        e.push_back(dtype_error({i64}, i64, OpArgs{{"other", 0}}, ErrorKind::value));
        return e;
      }));
  r.add(info(
      "floor_divide", "", 2, false,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        return has_other_tensor(in) ? floor_divide(in[0], in[1]) : floor_divide(in[0], a.get_scalar("other"));
      },
      [] {
        Pairs p = {{f32, f32}, {f64, f64}, {i64, i64}, {i32, i32}, {i64, f32}, {u8, i8}, {bf16, bf16}};
        Samples s = nonzero_input(samples::binary(p, -7, 7), 1);
        append(s, with_scalar({f32, i64}, "other", 2, -7, 7));
        return s;
      },
      [] {
        Errors e = arith_errors();
        e.push_back(dtype_error({b8, b8}, b8));
        return e;
      }));
  r.add(info(
      "rsub", "", 2, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        Scalar alpha = a.get_scalar("alpha", 1);
        return has_other_tensor(in) ? rsub(in[0], in[1], alpha) : rsub(in[0], a.get_scalar("other"), alpha);
      },
      [] {
        Samples s = samples::binary({{f32, f32}, {i64, i64}, {i64, f32}, {f64, f32}, {bf16, bf16}}, -2, 2);
        append(s, with_scalar({f32, i64}, "other", 2.5));
        append(s, with_scalar({i64, i32}, "other", 3, -2, 2, OpArgs{{"alpha", 2}}));
        return s;
      },
      [] {
        Errors e = arith_errors();
        e.push_back(dtype_error({b8, b8}, b8));
        return e;
      }));
  r.add(info(
      "pow", "Pow", 2, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        if (a.has("base")) return pow(a.get_scalar("base"), in[0]);
        return has_other_tensor(in) ? pow(in[0], in[1]) : pow(in[0], a.get_scalar("exponent"));
      },
      [] {
        Samples s = samples::binary({{f32, f32}, {f64, f64}, {f32, f64}, {i64, f32}, {f16, f16}, {bf16, bf16}}, 0.25, 2);
        append(s, samples::binary({{i64, i64}, {i32, i32}, {u8, i64}}, 0, 3));
        for (double e : {2.0, 0.5, -1.0, 3.0, -0.5}) append(s, with_scalar({f32, f64}, "exponent", e, 0.25, 3));
        append(s, with_scalar({i64, i32}, "exponent", 3, -3, 3));
        append(s, with_scalar({i64, b8}, "exponent", 2, -3, 3));
        append(s, with_scalar({i64}, "exponent", 0.5, 0, 4));
        append(s, with_scalar({f32, f64, i64}, "base", 2.0, -2, 2));
        append(s, with_scalar({i64}, "base", 2, 0, 4));
        return s;
      },
      [] {
        Errors e = arith_errors();
        e.push_back(dtype_error({b8, b8}, b8));
        e.push_back(dtype_error({i64}, i64, OpArgs{{"exponent", -1}}, ErrorKind::value));
        return e;
      }));
  for (bool is_max : {true, false}) {
    r.add(info(
        is_max ? "maximum" : "minimum", is_max ? "Max" : "Min", 2, true,
        [is_max](const std::vector<Tensor>& in, const OpArgs&) {
          return is_max ? maximum(in.at(0), in.at(1)) : minimum(in.at(0), in.at(1));
        },
        [] {
          Pairs p = kArith;
          p.push_back({b8, b8});
          Samples s = samples::binary(p, -2, 2);
          s.push_back({{specials(f32), samples::make({8}, f32, 77)}, {}, "NaN and inf float32"});
          s.push_back({{samples::make({8}, f64, 78), specials(f64)}, {}, "NaN and inf float64"});
          return s;
        },
        arith_errors));
  }
  r.add(info(
      "atan2", "", 2, true, [](const std::vector<Tensor>& in, const OpArgs&) { return atan2(in.at(0), in.at(1)); },
      [] { return samples::binary({{f32, f32}, {f64, f64}, {i64, i64}, {i32, f32}, {f16, f16}, {bf16, bf16}}, -2, 2); },
      arith_errors));
}

void register_select(OpRegistry& r) {
  r.add(info(
      "lerp", "", 3, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        if (in.size() > 2) return lerp(in[0], in[1], in[2]);
        return lerp(in.at(0), in.at(1), a.get_scalar("weight"));
      },
      [] {
        Samples s;
        for (double w : {0.3, 0.75, -0.5})
          append(s, samples::binary({{f32, f32}, {f64, f64}, {f16, f16}, {bf16, bf16}}, -2, 2, OpArgs{{"weight", w}}));
        for (DType d : {f32, f64, bf16}) {
          s.push_back({{samples::make({3, 4}, d, 61), samples::make({4}, d, 62), samples::make({3, 1}, d, 63, 0, 1)},
                       {}, "tensor weight broadcast " + std::string(dtype_name(d))});
          s.push_back({{samples::noncontiguous(samples::make({2, 3}, d, 64)), samples::make({2, 3}, d, 65),
                        samples::make({}, d, 66, 0, 1)},
                       {}, "tensor weight 0-d " + std::string(dtype_name(d))});
        }
        return s;
      },
      [] {
        Errors e = {broadcast_error(2, OpArgs{{"weight", 0.5}}), undefined_error(2)};
        OpErrorCase mix = dtype_error({f32, f64}, f64, OpArgs{{"weight", 0.5}});
        mix.mentions = {"float32", "float64"};
        e.push_back(mix);
        e.push_back(dtype_error({i64, i64}, i64, OpArgs{{"weight", 0.5}}));
        return e;
      }));
  r.add(info(
      "clamp", "Clip", 3, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        if (in.size() > 1) return clamp(in[0], in[1], in.size() > 2 ? in[2] : Tensor());
        auto opt = [&](const char* k) { return a.has(k) ? std::optional<Scalar>(a.get_scalar(k)) : std::nullopt; };
        return clamp(in.at(0), opt("min"), opt("max"));
      },
      [] {
        Samples s = unary({f32, f64, f16, bf16}, -2, 2, {i64, i32}, -3, 3, OpArgs{{"min", -0.5}, {"max", 0.5}});
        append(s, with_scalar({f32, i64}, "min", 0.0));
        append(s, with_scalar({f32, i64, u8}, "max", 1));
        append(s, with_scalar({i64, i32}, "min", -1, -3, 3, OpArgs{{"max", 1}}));
        append(s, with_scalar({b8}, "min", 0));
        append(s, with_scalar({f32}, "min", 1.0, -2, 2, OpArgs{{"max", -1.0}}));
        for (DType d : {f32, f64, i64}) {
          s.push_back({{samples::make({3, 4}, d, 71, -3, 3), samples::make({4}, f32, 72, -1, 0),
                        samples::make({3, 1}, f32, 73, 0, 1)},
                       {}, "tensor bounds " + std::string(dtype_name(d))});
        }
        s.push_back({{samples::transposed_layout(samples::make({4, 3}, f32, 74)), samples::make({}, f32, 75, -1, 0)},
                     {}, "tensor min only"});
        return s;
      },
      [] {
        OpErrorCase none = dtype_error({f32}, f32, {}, ErrorKind::value);
        none.mentions = {"[2, 3]"};
        none.desc = "no bound";
        return Errors{none, undefined_error(1)};
      }));
  for (bool is_min : {true, false}) {
    const char* key = is_min ? "min" : "max";
    r.add(info(
        is_min ? "clamp_min" : "clamp_max", "", 2, true,
        [is_min, key](const std::vector<Tensor>& in, const OpArgs& a) {
          if (in.size() > 1) return is_min ? clamp_min(in[0], in[1]) : clamp_max(in[0], in[1]);
          return is_min ? clamp_min(in.at(0), a.get_scalar(key)) : clamp_max(in.at(0), a.get_scalar(key));
        },
        [key] {
          Samples s = with_scalar({f32, f64, bf16, i64}, key, 0.5);
          append(s, with_scalar({i64, i32, b8}, key, 0, -3, 3));
          append(s, samples::binary({{f32, f32}, {i64, f32}, {f64, f64}}, -2, 2));
          return s;
        },
        arith_errors));
  }
  r.add(info(
      "where", "Where", 3, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        if (in.size() > 2) return where(in[0], in[1], in[2]);
        return where(in.at(0), in.at(1), a.get_scalar("other"));
      },
      [] {
        Samples s;
        const Pairs p = {{f32, f32}, {f64, f32}, {i64, f32}, {i64, i32}, {b8, b8}, {f16, f16}, {bf16, f32}};
        uint64_t seed = 81;
        for (auto [x, y] : p) {
          std::string n = std::string(dtype_name(x)) + "," + std::string(dtype_name(y));
          s.push_back({{samples::make({3, 4}, b8, seed++), samples::make({3, 4}, x, seed++), samples::make({3, 4}, y, seed++)},
                       {}, "same shape " + n});
          s.push_back({{samples::make({3, 1}, b8, seed++), samples::make({4}, x, seed++), samples::make({3, 4}, y, seed++)},
                       {}, "broadcast " + n});
        }
        s.push_back({{samples::make({}, b8, 90), samples::make({2, 3}, f32, 91), samples::make({}, f64, 92)}, {}, "0-d"});
        s.push_back({{samples::make({0, 3}, b8, 93), samples::make({3}, f32, 94), samples::make({0, 3}, f32, 95)}, {}, "0-size"});
        s.push_back({{samples::noncontiguous(samples::make({2, 3, 4}, b8, 96)),
                      samples::transposed_layout(samples::make({3, 4}, f32, 97)), samples::make({4}, f32, 98)},
                     {}, "non-contiguous"});
        s.push_back({{samples::make({3, 4}, u8, 99, 0, 1), samples::make({3, 4}, f32, 100), samples::make({4}, f32, 101)},
                     {}, "uint8 condition"});
        s.push_back({{samples::make({3, 4}, b8, 102), samples::make({3, 4}, i64, 103)}, OpArgs{{"other", 2.5}}, "scalar other"});
        s.push_back({{samples::make({3, 4}, b8, 104), samples::make({4}, f32, 105)}, OpArgs{{"other", 0}}, "int scalar other"});
        return s;
      },
      [] {
        OpErrorCase cond = dtype_error({f32, f32, f32}, f32);
        OpErrorCase bc = broadcast_error(3);
        bc.inputs[0] = samples::make({2, 3}, b8, 106);
        return Errors{cond, bc, undefined_error(3)};
      }));
}

// In place: fn clones input 0 first and returns it.
void register_inplace(OpRegistry& r) {
  auto errors = [] {
    OpErrorCase cast = dtype_error({i64, f32}, f32);
    cast.mentions = {"float32", "int64"};
    OpErrorCase shape;
    shape.inputs = {samples::make({3}, f32, 110), samples::make({2, 3}, f32, 111)};
    shape.kind = ErrorKind::shape;
    shape.mentions = {"[3]", "[2, 3]"};
    shape.desc = "self does not have the broadcast shape";
    return Errors{cast, shape, undefined_error(2)};
  };
  const Pairs p = {{f32, f32}, {f32, i64}, {f64, f32}, {i64, i64}, {i32, i64}, {u8, i64}, {bf16, f32}};
  r.add(info(
      "add_", "", 2, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        Tensor self = hangu::clone(in.at(0));
        Scalar alpha = a.get_scalar("alpha", 1);
        return in.size() > 1 ? add_(self, in[1], alpha) : add_(self, a.get_scalar("other"), alpha);
      },
      [p] {
        Samples s = inplace_compatible(samples::binary(p, -2, 2));
        append(s, inplace_compatible(samples::binary({{f32, f32}}, -2, 2, OpArgs{{"alpha", -0.5}})));
        append(s, with_scalar({f32, i64}, "other", 2));
        return s;
      },
      errors));
  r.add(info(
      "sub_", "", 2, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        Tensor self = hangu::clone(in.at(0));
        Scalar alpha = a.get_scalar("alpha", 1);
        return in.size() > 1 ? sub_(self, in[1], alpha) : sub_(self, a.get_scalar("other"), alpha);
      },
      [p] {
        Samples s = inplace_compatible(samples::binary(p, -2, 2));
        append(s, with_scalar({f32, f64}, "other", 0.25));
        return s;
      },
      errors));
  r.add(info(
      "mul_", "", 2, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        Tensor self = hangu::clone(in.at(0));
        return in.size() > 1 ? mul_(self, in[1]) : mul_(self, a.get_scalar("other"));
      },
      [p] {
        Samples s = inplace_compatible(samples::binary(p, -2, 2));
        append(s, with_scalar({f32, i64}, "other", 3));
        return s;
      },
      errors));
  r.add(info(
      "div_", "", 2, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        Tensor self = hangu::clone(in.at(0));
        std::string mode = a.get_str("rounding_mode", "");
        return in.size() > 1 ? div_(self, in[1], mode) : div_(self, a.get_scalar("other"), mode);
      },
      [] {
        Samples s = nonzero_input(inplace_compatible(samples::binary({{f32, f32}, {f32, i64}, {f64, f32}}, -2, 2)), 1);
        append(s, nonzero_input(inplace_compatible(samples::binary({{i64, i64}, {i32, i32}}, -7, 7,
                                                                   OpArgs{{"rounding_mode", "floor"}})), 1));
        append(s, with_scalar({f32}, "other", 4));
        return s;
      },
      errors));
  r.add(info(
      "clamp_", "", 1, true,
      [](const std::vector<Tensor>& in, const OpArgs& a) {
        auto opt = [&](const char* k) { return a.has(k) ? std::optional<Scalar>(a.get_scalar(k)) : std::nullopt; };
        return clamp_(hangu::clone(in.at(0)), opt("min"), opt("max"));
      },
      [] {
        Samples s = unary({f32, f64, bf16}, -2, 2, {i64}, -3, 3, OpArgs{{"min", -1}, {"max", 1}});
        append(s, with_scalar({f32}, "min", 0.5));
        return s;
      },
      [] {
        OpErrorCase cast = dtype_error({i64}, f32, OpArgs{{"min", 0.5}});
        cast.mentions = {"float32", "int64"};
        return Errors{cast, undefined_error(1)};
      }));
}

}  // namespace

void register_binary_ops(OpRegistry& r) {
  register_arith(r);
  register_select(r);
  register_inplace(r);
}

}  // namespace hangu::ops
